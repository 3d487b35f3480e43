import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorDto } from '../dtos/error.dto';
import { RecipientDto, RecipientsPageDto } from '../dtos/recipient.dto';
import { CreateRecipientBody, RecipientsQuery, createRecipientBodySchema, recipientsQuerySchema } from '../dtos/recipients-input.dto';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ZodBody, ZodQuery } from '../pipes/zod-request';
import { RecipientsService } from '../services/recipients.service';

@ApiTags('recipients')
@Controller('v1/recipients')
export class RecipientsController {
  constructor(private readonly recipientsService: RecipientsService) {}

  @Get()
  @RequirePermission('recipients:manage')
  @ApiOperation({
    summary: 'Người nhận cảnh báo (alert recipients): who is e-mailed about an agency’s alerts',
    description: 'The alerting service e-mails an agency’s alerts to its recipients, and escalates unacknowledged ones to the parent agency’s. ' +
      'E-mail addresses are personal data: only the recipients of agencies in your scope are listed.',
  })
  @ApiOkResponse({ type: RecipientsPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findRecipients(@CurrentPrincipal() principal: Principal, @ZodQuery(recipientsQuerySchema) query: RecipientsQuery): Promise<RecipientsPageDto> {
    return this.recipientsService.findRecipients(query, principal);
  }

  @Post()
  @RequirePermission('recipients:manage')
  @ApiOperation({
    summary: 'Đăng ký người nhận (register a recipient for an agency)',
    description:
      'Unknown properties are refused (400). One registration per agency and address, compared without regard to case: ' +
      'another is a 409 naming the first. The agency need not have been seen in the events yet, but must be in your scope (403 otherwise). ' +
      'createdBy is the name in your token (its subject is kept too).',
  })
  @ApiCreatedResponse({ type: RecipientDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Invalid body (e.g. not an e-mail address)' })
  @ApiConflictResponse({ type: ErrorDto, description: 'The address is already registered for this agency' })
  createRecipient(@CurrentPrincipal() principal: Principal, @ZodBody('CreateRecipientDto', createRecipientBodySchema) body: CreateRecipientBody): Promise<RecipientDto> {
    return this.recipientsService.createRecipient(body, principal);
  }

  @Delete(':id')
  @RequirePermission('recipients:manage')
  @HttpCode(204)
  @ApiOperation({ summary: 'Huỷ đăng ký người nhận (remove a recipient)', description: 'The removal is logged with your token subject.' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown, or outside your scope' })
  async deleteRecipient(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.recipientsService.deleteRecipient(id, principal);
  }
}

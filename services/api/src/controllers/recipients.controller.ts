import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorDto } from '../dtos/error.dto';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../dtos/query-params';
import { CreateRecipientDto, RecipientDto, RecipientsPageDto } from '../dtos/recipient.dto';
import { CreateRecipientBody, RecipientsQuery, createRecipientBodySchema, recipientsQuerySchema } from '../dtos/recipients-input.dto';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ZodBodyPipe } from '../pipes/zod-body.pipe';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
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
  @ApiQuery({ name: 'agency', required: false, type: String, description: 'Mã cơ quan (exact): only this agency’s recipients' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `Items per page, 1–${MAX_LIMIT}; default ${DEFAULT_LIMIT}` })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'The nextCursor of the previous page' })
  @ApiOkResponse({ type: RecipientsPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findRecipients(@CurrentPrincipal() principal: Principal, @Query(new ZodQueryPipe(recipientsQuerySchema)) query: RecipientsQuery): Promise<RecipientsPageDto> {
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
  @ApiBody({ type: CreateRecipientDto })
  @ApiCreatedResponse({ type: RecipientDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Invalid body (e.g. not an e-mail address)' })
  @ApiConflictResponse({ type: ErrorDto, description: 'The address is already registered for this agency' })
  createRecipient(@CurrentPrincipal() principal: Principal, @Body(new ZodBodyPipe(createRecipientBodySchema)) body: CreateRecipientBody): Promise<RecipientDto> {
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

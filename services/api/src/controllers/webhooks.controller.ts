import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorDto } from '../dtos/error.dto';
import { WebhookDto, WebhookWithSecretDto, WebhooksPageDto } from '../dtos/webhook.dto';
import {
  CreateWebhookBody,
  UpdateWebhookBody,
  WebhooksQuery,
  createWebhookBodySchema,
  updateWebhookBodySchema,
  webhooksQuerySchema,
} from '../dtos/webhooks-input.dto';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ZodBody, ZodQuery } from '../pipes/zod-request';
import { WebhooksService } from '../services/webhooks.service';

const SECRET_POLICY =
  'The secret is shown only in the answer of the request that sets it — POST, or PATCH with secret or rotateSecret — and ' +
  'never again: GET never returns it. Lost it? Rotate it.';

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooksService: WebhooksService) {}

  @Get()
  @RequirePermission('webhooks:manage')
  @ApiOperation({
    summary: 'Webhook endpoints: receivers of signed alert lifecycle events',
    description:
      'The alerting service POSTs each lifecycle event (open, escalation, reminder, resolve) of the alerts in an endpoint’s ' +
      'scope to every enabled endpoint, signed with HMAC-SHA256 (headers X-DVC-Timestamp and X-DVC-Signature: ' +
      'sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<raw body>")>). ' + SECRET_POLICY +
      ' Listed: the endpoints for every alert and those for agencies of your scope.',
  })
  @ApiOkResponse({ type: WebhooksPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findWebhooks(@CurrentPrincipal() principal: Principal, @ZodQuery(webhooksQuerySchema) query: WebhooksQuery): Promise<WebhooksPageDto> {
    return this.webhooksService.findWebhooks(query, principal);
  }

  @Get(':id')
  @RequirePermission('webhooks:manage')
  @ApiOperation({ summary: 'One webhook endpoint (without its secret)' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown, or outside your scope' })
  getWebhook(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<WebhookDto> {
    return this.webhooksService.getWebhook(id, principal);
  }

  @Post()
  @RequirePermission('webhooks:manage')
  @ApiOperation({
    summary: 'Register a webhook endpoint',
    description:
      'url: http:// or https:// only, without user:password@. secret: give your own (16–256 printable ASCII characters, no ' +
      'spaces) or leave it out to have a random one generated (whsec_…). ' + SECRET_POLICY + ' agencyCode: null or absent ' +
      'for every alert (operator alerts about silent sources included), or an agency code for that agency’s and its ' +
      'subtree’s alerts (it must be in your scope: 403 otherwise). Unknown properties are refused (400). createdBy is the ' +
      'name in your token (its subject is kept too).',
  })
  @ApiCreatedResponse({ type: WebhookWithSecretDto, description: 'The endpoint, with its secret: the only time it is shown' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Invalid body (e.g. an ftp:// URL, a short secret)' })
  createWebhook(@CurrentPrincipal() principal: Principal, @ZodBody('CreateWebhookDto', createWebhookBodySchema) body: CreateWebhookBody): Promise<WebhookWithSecretDto> {
    return this.webhooksService.createWebhook(body, principal);
  }

  @Patch(':id')
  @RequirePermission('webhooks:manage')
  @ApiOperation({
    summary: 'Change a webhook endpoint: enable/disable, URL, scope, name, or its secret',
    description:
      'Only the properties given change (null agencyCode: every alert). secret: your own new secret; rotateSecret: true: a ' +
      'generated one. Either is returned in this response, once, and used from the next call on. At least one property; ' +
      'unknown properties are refused (400). The change is logged with your token subject.',
  })
  @ApiExtraModels(WebhookWithSecretDto)
  @ApiOkResponse({
    description: 'The endpoint after the change; with secret only when the secret was changed',
    schema: { oneOf: [{ $ref: getSchemaPath(WebhookDto) }, { $ref: getSchemaPath(WebhookWithSecretDto) }] },
  })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Invalid or empty body, or secret together with rotateSecret' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown, or outside your scope' })
  updateWebhook(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @ZodBody('UpdateWebhookDto', updateWebhookBodySchema) body: UpdateWebhookBody,
  ): Promise<WebhookDto | WebhookWithSecretDto> {
    return this.webhooksService.updateWebhook(id, body, principal);
  }

  @Delete(':id')
  @RequirePermission('webhooks:manage')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a webhook endpoint',
    description: 'Calls already queued for it are dropped by the alerting service. The removal is logged with your token subject.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown, or outside your scope' })
  async deleteWebhook(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.webhooksService.deleteWebhook(id, principal);
  }
}

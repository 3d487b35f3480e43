import { Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ErrorDto } from '../dtos/error.dto';
import { SourceDto, SourcesListDto, SourceWithApiKeyDto } from '../dtos/source.dto';
import { CreateSourceBody, createSourceBodySchema, UpdateSourceBody, updateSourceBodySchema } from '../dtos/sources-input.dto';
import { SourceActivityPageDto } from '../dtos/webhook.dto';
import { SourceActivityQuery, sourceActivityQuerySchema } from '../dtos/webhooks-input.dto';
import { ZodBody, ZodQuery } from '../pipes/zod-request';
import { SourcesService } from '../services/sources.service';
import { WebhooksService } from '../services/webhooks.service';

const KEY_POLICY = 'The API key is shown only in the answer that issues it (POST, or PATCH with rotateApiKey); only its SHA-256 is kept.';

@ApiTags('sources')
@Controller('v1/sources')
export class SourcesController {
  constructor(
    private readonly sourcesService: SourcesService,
    private readonly webhooksService: WebhooksService,
  ) {}

  @Get()
  @RequirePermission('sources:manage')
  @ApiOperation({
    summary: 'Nguồn dữ liệu (ingest sources): the one-stop systems ingest accepts events from',
    description:
      'Each source sends with an HTTP API key, over its own Kafka topic, or both, and may report only for its allowed agencies: ' +
      'events about any other agency go to the dead-letter topic with agency-not-allowed-for-source. ' + KEY_POLICY,
  })
  @ApiOkResponse({ type: SourcesListDto })
  findSources(): Promise<SourcesListDto> {
    return this.sourcesService.findSources();
  }

  @Post()
  @RequirePermission('sources:manage')
  @ApiOperation({
    summary: 'Register a source',
    description:
      'allowedAgencies: agency codes (each with its subtree; they must be inside your scope) and * patterns such as "*.H31". ' +
      'With kafkaTopicKey, the data center then runs deploy/kafka/kafka.sh add-source <key> to create the broker user, ' +
      'its topic and ACLs. ' + KEY_POLICY,
  })
  @ApiCreatedResponse({ type: SourceWithApiKeyDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'An allowed agency code outside your scope' })
  @ApiConflictResponse({ type: ErrorDto, description: 'The Kafka topic key belongs to another source' })
  createSource(@CurrentPrincipal() principal: Principal, @ZodBody('CreateSourceDto', createSourceBodySchema) body: CreateSourceBody): Promise<SourceWithApiKeyDto> {
    return this.sourcesService.createSource(body, principal);
  }

  @Get('activity')
  @RequirePermission('operations:read')
  @ApiOperation({
    summary: 'Hoạt động nguồn (source activity): when each one-stop system last sent an event',
    description:
      'Maintained by the alerting service from the canonical topic: the time ingest accepted each source’s latest event. ' +
      'A source silent for the configured working time (Asia/Ho_Chi_Minh) gets a silentSource alert, named here as openAlertId.',
  })
  @ApiOkResponse({ type: SourceActivityPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  sourceActivity(@ZodQuery(sourceActivityQuerySchema) query: SourceActivityQuery): Promise<SourceActivityPageDto> {
    return this.webhooksService.sourceActivity(query);
  }

  @Patch(':id')
  @RequirePermission('sources:manage')
  @ApiOperation({ summary: 'Rename a source, change its allowed agencies, or rotate its API key', description: KEY_POLICY })
  @ApiOkResponse({ type: SourceWithApiKeyDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'An allowed agency code outside your scope' })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'The source was revoked' })
  updateSource(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @ZodBody('UpdateSourceDto', updateSourceBodySchema) body: UpdateSourceBody,
  ): Promise<SourceWithApiKeyDto> {
    return this.sourcesService.updateSource(id, body, principal);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequirePermission('sources:manage')
  @ApiOperation({
    summary: 'Revoke a source',
    description:
      'At once its API key is refused (401); within INGEST_SOURCE_REFRESH_MS its Kafka topic’s events are dead-lettered with ' +
      'source-revoked. Remove its broker user with deploy/kafka/kafka.sh remove-source <key>. Revoking twice changes nothing.',
  })
  @ApiOkResponse({ type: SourceDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  revokeSource(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<SourceDto> {
    return this.sourcesService.revokeSource(id, principal);
  }
}

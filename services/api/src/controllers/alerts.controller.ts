import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ALERT_SEVERITIES, TARGET_METRICS } from '@dvc/domain';
import { AcknowledgeAlertDto, AlertDetailDto, AlertsPageDto } from '../dtos/alert.dto';
import { ALERT_KINDS, ALERT_STATUS_FILTERS, AcknowledgeBody, AlertsQuery, acknowledgeBodySchema, alertsQuerySchema } from '../dtos/alerts-input.dto';
import { ErrorDto } from '../dtos/error.dto';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../dtos/query-params';
import { ZodBodyPipe } from '../pipes/zod-body.pipe';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { AlertsService } from '../services/alerts.service';

const INSTANT_HELP = 'a day 2025-03-01 (Asia/Ho_Chi_Minh) or an RFC 3339 date-time with an offset';

@ApiTags('alerts')
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly alertsService: AlertsService) {}

  @Get()
  @RequirePermission('alerts:read')
  @ApiOperation({
    summary: 'Cảnh báo (alerts): rates below target, zero online uptake, silent sources; newest first',
    description:
      'kind belowTarget: one alert per target rule × agency (as a whole, or one procedure there) × evaluation window, opened ' +
      'by the alerting service when the Wilson 95% upper bound of the rate is below the threshold with enough dossiers, and ' +
      'resolved by it when the rate is back above threshold + margin. kind zeroUptake: one per agency × procedure offered ' +
      'online × window that received dossiers but none online (no target rule). kind silentSource: one per one-stop system ' +
      '(sourceUri) silent for the configured working time — an operator alert about no agency, so the agency filters never ' +
      'match it. Each item carries the numbers of its latest evaluation (their shape depends on the kind). Default: the ' +
      'open alerts (firing and acknowledged) of every kind. Only alerts about agencies of your scope; silentSource ' +
      'alerts (about no agency) only for roles with operations:read.',
  })
  @ApiQuery({ name: 'status', required: false, enum: ALERT_STATUS_FILTERS, description: 'Trạng thái; also a comma list (firing,resolved). open = firing + acknowledged (default); all = every status' })
  @ApiQuery({ name: 'kind', required: false, enum: ALERT_KINDS, description: 'Loại cảnh báo; default: every kind' })
  @ApiQuery({ name: 'severity', required: false, enum: ALERT_SEVERITIES })
  @ApiQuery({ name: 'metric', required: false, enum: TARGET_METRICS })
  @ApiQuery({ name: 'agency', required: false, type: String, description: 'Mã cơ quan (exact agency code)' })
  @ApiQuery({ name: 'subtree', required: false, enum: ['true', 'false'], description: 'true: the agency with all its descendants (needs agency)' })
  @ApiQuery({ name: 'procedure', required: false, type: String, description: 'Mã thủ tục (exact); alerts on the agency as a whole have none' })
  @ApiQuery({ name: 'window', required: false, type: String, description: 'Evaluation window: monthToDate or rolling<N>d, e.g. rolling30d' })
  @ApiQuery({ name: 'openedFrom', required: false, type: String, description: `Opened at or after: ${INSTANT_HELP} (its first instant)` })
  @ApiQuery({ name: 'openedTo', required: false, type: String, description: `Opened at or before: ${INSTANT_HELP} (its last instant)` })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `Items per page, 1–${MAX_LIMIT}; default ${DEFAULT_LIMIT}` })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'The nextCursor of the previous page' })
  @ApiOkResponse({ type: AlertsPageDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is wrong; the message names it and what is allowed' })
  findAlerts(@CurrentPrincipal() principal: Principal, @Query(new ZodQueryPipe(alertsQuerySchema)) query: AlertsQuery): Promise<AlertsPageDto> {
    return this.alertsService.findAlerts(query, principal);
  }

  @Get(':id')
  @RequirePermission('alerts:read')
  @ApiOperation({
    summary: 'Một cảnh báo (one alert): its numbers, the rule, the explanation and its history',
    description:
      'explanation: the target and rule as they were when decided, the trend against the previous comparable window, and — for ' +
      'an agency as a whole — the procedures that pull its rate down most (belowTarget; zeroUptake and silentSource alerts ' +
      'explain themselves more briefly). rule: the target rule as it is now (null if deleted, and for the kinds without one).',
  })
  @ApiOkResponse({ type: AlertDetailDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown, or outside your scope' })
  getAlert(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<AlertDetailDto> {
    return this.alertsService.getAlert(id, principal);
  }

  @Post(':id/acknowledge')
  @RequirePermission('alerts:acknowledge')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Xác nhận cảnh báo (acknowledge an alert) with a comment',
    description:
      'firing → acknowledged, recording who (the token’s subject and name), when and the comment on the alert and in its history, in one ' +
      'transaction. The alert stays open until the alerting service resolves it; the alerting service reads the status. ' +
      'The API sends nothing itself: notifications belong to the alerting service. Only a firing alert can be ' +
      'acknowledged: an acknowledged or resolved one is a 409 and nothing changes. Every kind of alert is acknowledged alike.',
  })
  @ApiBody({ type: AcknowledgeAlertDto })
  @ApiOkResponse({ type: AlertDetailDto, description: 'The alert after the change, with its history' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Missing or blank comment, or an unknown property' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown, or outside your scope' })
  @ApiConflictResponse({ type: ErrorDto, description: 'Already acknowledged (the message says by whom and when) or resolved' })
  acknowledge(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodBodyPipe(acknowledgeBodySchema)) body: AcknowledgeBody,
  ): Promise<AlertDetailDto> {
    return this.alertsService.acknowledge(id, principal, body.comment);
  }
}

import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { AlertDetailDto, AlertsPageDto } from '../dtos/alert.dto';
import { AcknowledgeBody, AlertsQuery, acknowledgeBodySchema, alertsQuerySchema } from '../dtos/alerts-input.dto';
import { ErrorDto } from '../dtos/error.dto';
import { ZodBody, ZodQuery } from '../pipes/zod-request';
import { AlertsService } from '../services/alerts.service';

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
  @ApiOkResponse({ type: AlertsPageDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is wrong; the message names it and what is allowed' })
  findAlerts(@CurrentPrincipal() principal: Principal, @ZodQuery(alertsQuerySchema) query: AlertsQuery): Promise<AlertsPageDto> {
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
  @ApiOkResponse({ type: AlertDetailDto, description: 'The alert after the change, with its history' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Missing or blank comment, or an unknown property' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown, or outside your scope' })
  @ApiConflictResponse({ type: ErrorDto, description: 'Already acknowledged (the message says by whom and when) or resolved' })
  acknowledge(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @ZodBody('AcknowledgeAlertDto', acknowledgeBodySchema) body: AcknowledgeBody,
  ): Promise<AlertDetailDto> {
    return this.alertsService.acknowledge(id, principal, body.comment);
  }
}

import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { Actor, actorOf, may, Principal } from '@dvc/auth';
import type { AlertDetailDto, AlertItemDto } from '../dtos/alert.dto';
import type { AlertsQuery } from '../dtos/alerts-input.dto';
import { isUuid } from '../dtos/targets-input.dto';
import { AlertRecord, AlertsRepository, AlertVisibility } from '../repositories/alerts.repository';
import { TargetsRepository } from '../repositories/targets.repository';
import { Page, toPage } from '../utils/page.util';

@Injectable()
export class AlertsService {
  constructor(
    private readonly alertsRepository: AlertsRepository,
    private readonly targetsRepository: TargetsRepository,
  ) {}

  async findAlerts(query: AlertsQuery, principal: Principal): Promise<Page<AlertItemDto>> {
    const rows = await this.alertsRepository.find({ ...query, limit: query.limit + 1, visibility: visibilityOf(principal) });
    return toPage(rows, query.limit, (row) => [row.cursorOpenedAt, row.id], toItem);
  }

  /** An alert the caller may not see is a 404, like one that does not exist. */
  async getAlert(id: string, principal: Principal): Promise<AlertDetailDto> {
    const record = isUuid(id) ? await this.alertsRepository.findOne(id, visibilityOf(principal)) : null;
    if (!record) throw notFound(id);
    // zeroUptake and silentSource alerts come from no target rule.
    const [history, rule] = await Promise.all([
      this.alertsRepository.history(id),
      record.targetId === null ? null : this.targetsRepository.findOne(record.targetId, null),
    ]);
    return {
      ...toItem(record),
      explanation: record.explanation as unknown as AlertDetailDto['explanation'],
      rule,
      history: history.map((entry) => ({ ...entry, details: entry.details ?? null })),
    };
  }

  /** firing → acknowledged, with who, when and the comment in the history; 409 from any other status. */
  async acknowledge(id: string, principal: Principal, comment: string): Promise<AlertDetailDto> {
    if (!isUuid(id)) throw notFound(id);
    const actor: Actor = actorOf(principal);
    const result = await this.alertsRepository.acknowledge(id, actor, comment, visibilityOf(principal));
    if (result.outcome === 'notFound') throw notFound(id);
    if (result.outcome === 'notFiring') {
      const { current } = result;
      throw new ConflictException(
        current.status === 'acknowledged'
          ? `status: alert ${id} is already acknowledged (by ${current.acknowledgedBy} at ${current.acknowledgedAt}); only a firing alert can be acknowledged`
          : `status: alert ${id} is resolved (at ${current.resolvedAt}); only a firing alert can be acknowledged`,
      );
    }
    return this.getAlert(id, principal);
  }
}

function visibilityOf(principal: Principal): AlertVisibility {
  return { scopeRoots: principal.scope.agencyRoots, includeOperational: may(principal, 'operations:read') };
}

function toItem(record: AlertRecord): AlertItemDto {
  return {
    id: record.id,
    kind: record.kind,
    status: record.status,
    severity: record.severity,
    metric: record.metric,
    threshold: record.threshold,
    agencyCode: record.agencyCode,
    agencyName: record.agencyName,
    procedureCode: record.procedureCode,
    procedureName: record.procedureName,
    windowKind: record.windowKind,
    targetId: record.targetId,
    sourceUri: record.sourceUri,
    openedAt: record.openedAt,
    lastEvaluatedAt: record.lastEvaluatedAt,
    evaluation: record.evaluation as unknown as AlertItemDto['evaluation'],
    acknowledgedAt: record.acknowledgedAt,
    acknowledgedBy: record.acknowledgedBy,
    acknowledgeComment: record.acknowledgeComment,
    resolvedAt: record.resolvedAt,
    resolveReason: record.resolveReason,
    escalatedAt: record.escalatedAt,
    reminderCount: record.reminderCount,
    lastRemindedAt: record.lastRemindedAt,
  };
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`alert ${JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id)} does not exist`);
}

import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { AlertDetailDto, AlertItemDto } from '../dtos/alert.dto';
import type { AlertsQuery } from '../dtos/alerts-input.dto';
import { isUuid } from '../dtos/targets-input.dto';
import { AlertRecord, AlertsRepository } from '../repositories/alerts.repository';
import { TargetsRepository } from '../repositories/targets.repository';
import { Page, toPage } from '../utils/page.util';

@Injectable()
export class AlertsService {
  constructor(
    private readonly alertsRepository: AlertsRepository,
    private readonly targetsRepository: TargetsRepository,
  ) {}

  async findAlerts(query: AlertsQuery): Promise<Page<AlertItemDto>> {
    const rows = await this.alertsRepository.find({ ...query, limit: query.limit + 1 });
    return toPage(rows, query.limit, (row) => [row.cursorOpenedAt, row.id], toItem);
  }

  async getAlert(id: string): Promise<AlertDetailDto> {
    const record = isUuid(id) ? await this.alertsRepository.findOne(id) : null;
    if (!record) throw notFound(id);
    // zeroUptake and silentSource alerts come from no target rule.
    const [history, rule] = await Promise.all([
      this.alertsRepository.history(id),
      record.targetId === null ? null : this.targetsRepository.findOne(record.targetId),
    ]);
    return {
      ...toItem(record),
      explanation: record.explanation as unknown as AlertDetailDto['explanation'],
      rule,
      history: history.map((entry) => ({ ...entry, details: entry.details ?? null })),
    };
  }

  /** firing → acknowledged, with who, when and the comment in the history; 409 from any other status. */
  async acknowledge(id: string, actor: string, comment: string): Promise<AlertDetailDto> {
    if (!isUuid(id)) throw notFound(id);
    const result = await this.alertsRepository.acknowledge(id, actor, comment);
    if (result.outcome === 'notFound') throw notFound(id);
    if (result.outcome === 'notFiring') {
      const { current } = result;
      throw new ConflictException(
        current.status === 'acknowledged'
          ? `status: alert ${id} is already acknowledged (by ${current.acknowledgedBy} at ${current.acknowledgedAt}); only a firing alert can be acknowledged`
          : `status: alert ${id} is resolved (at ${current.resolvedAt}); only a firing alert can be acknowledged`,
      );
    }
    return this.getAlert(id);
  }
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

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import { evaluationWindow, previousComparableWindow, WorkingSchedule } from '@dvc/domain';
import { AlertingConfig, configuredWorkingSchedule } from '../alerting-config';
import { acknowledgementEntries, AlertRecord, noticeEntries, NoticeInputs } from '../notifications/notices';
import type { WebhookEndpoint } from '../notifications/webhook-entries';
import type { NoticeEvent } from '../notifications/operator-templates';
import { AlertsRepository, OutboxInsert } from '../repositories/alerts.repository';
import { LifecycleRepository } from '../repositories/lifecycle.repository';
import { SweepCountsRepository } from '../repositories/sweep-counts.repository';
import { DetectorPlan, planSilentSources, planZeroUptake } from './detectors';
import type { AgencyInfo, PairCounts, ProcedureInfo } from './sweep-plan';

const ACTOR = 'system (alerting)';

export interface SweepContext {
  now: Date;
  agencies: ReadonlyMap<string, AgencyInfo>;
  procedures: ReadonlyMap<string, ProcedureInfo>;
  webhooks: readonly WebhookEndpoint[];
  /** Pair counts already loaded by the sweep, by window kind. */
  pairsByWindow: ReadonlyMap<string, PairCounts[]>;
  /** An incremental sweep's agencies (sweep-mode.ts): zero uptake is judged for these only. Absent: every agency. */
  only?: readonly string[];
}

export interface StepCounts {
  opened: number;
  resolved: number;
  escalated: number;
  reminded: number;
  /** Acknowledgements (made through the API) announced. */
  acknowledged: number;
  enqueued: number;
}

/**
 * The sweep's steps after the target evaluation, in the same transaction and under the same advisory
 * lock: zero-uptake and silent-source detection, then escalation and reminders of firing alerts.
 * Every change writes its history and enqueues its notifications in that transaction.
 */
@Injectable()
export class LifecycleSteps {
  private readonly schedule: WorkingSchedule;

  constructor(
    private readonly config: ConfigService<AlertingConfig, true>,
    private readonly alerts: AlertsRepository,
    private readonly repository: LifecycleRepository,
    private readonly counts: SweepCountsRepository,
  ) {
    this.schedule = configuredWorkingSchedule(config);
  }

  async run(manager: EntityManager, context: SweepContext): Promise<StepCounts> {
    const counts: StepCounts = { opened: 0, resolved: 0, escalated: 0, reminded: 0, acknowledged: 0, enqueued: 0 };
    if (this.config.get('ALERT_ZERO_UPTAKE_ENABLED', { infer: true })) {
      const configured = this.config.get('ALERT_ZERO_UPTAKE_WINDOW', { infer: true });
      const window = evaluationWindow(configured.spec, context.now);
      const pairs =
        context.pairsByWindow.get(configured.kind) ??
        (await this.counts.loadPairCounts(manager, window, previousComparableWindow(configured.spec, window), context.only));
      // The pairs of an incremental sweep are its agencies' only: another agency's open alert is not judged
      // (with no counts loaded it would look like "no dossiers left").
      const open = await this.repository.openAlertsOfKind(manager, 'zeroUptake', context.only);
      const plan = planZeroUptake({
        pairs,
        window,
        windowKind: configured.kind,
        agencies: context.agencies,
        procedures: context.procedures,
        open,
        minimumDossiers: this.config.get('ALERT_ZERO_UPTAKE_MIN_DOSSIERS', { infer: true }),
      });
      await this.apply(manager, plan, open, context, counts);
    }
    if (this.config.get('ALERT_SOURCE_SILENCE_ENABLED', { infer: true })) {
      const open = await this.repository.openAlertsOfKind(manager, 'silentSource');
      const plan = planSilentSources({
        activity: await this.repository.loadSourceActivity(manager),
        open,
        now: context.now,
        thresholdMs: this.config.get('ALERT_SOURCE_SILENT_AFTER_MS', { infer: true }),
        schedule: this.schedule,
      });
      await this.apply(manager, plan, open, context, counts);
    }

    const escalated = await this.repository.escalateDue(manager, this.config.get('ALERT_ESCALATE_AFTER_MS', { infer: true }));
    if (escalated.length > 0) {
      await this.alerts.insertHistory(
        manager,
        escalated.map((a) => ({
          alertId: a.id,
          from: 'firing',
          to: 'firing',
          actor: ACTOR,
          comment: 'escalation',
          details: { event: 'escalation', escalatedTo: a.agencyCode ? context.agencies.get(a.agencyCode)?.parentCode ?? null : null },
        })),
      );
      counts.escalated = escalated.length;
      counts.enqueued += await this.enqueue(manager, 'escalation', escalated, context);
    }
    const reminded = await this.repository.remindDue(manager, this.config.get('ALERT_REMIND_EVERY_MS', { infer: true }));
    if (reminded.length > 0) {
      await this.alerts.insertHistory(
        manager,
        reminded.map((a) => ({ alertId: a.id, from: 'firing', to: 'firing', actor: ACTOR, comment: 'reminder', details: { event: 'reminder', reminder: a.reminderCount } })),
      );
      counts.reminded = reminded.length;
      counts.enqueued += await this.enqueue(manager, 'reminder', reminded, context);
    }
    const announced = await this.announceAcknowledgements(manager, context);
    counts.acknowledged = announced.acknowledged;
    counts.enqueued += announced.enqueued;
    return counts;
  }

  /**
   * Publishes (Kafka, webhooks) the acknowledgements made through the API since the last time: the
   * history rows are marked announced in this transaction, which also enqueues their notices.
   */
  async announceAcknowledgements(
    manager: EntityManager,
    context: Pick<SweepContext, 'now' | 'agencies' | 'webhooks'>,
  ): Promise<{ acknowledged: number; enqueued: number }> {
    const acknowledgements = await this.repository.takeUnannouncedAcknowledgements(manager);
    if (acknowledgements.length === 0) return { acknowledged: 0, enqueued: 0 };
    const entries = acknowledgementEntries(acknowledgements, {
      agencies: context.agencies,
      webhooks: context.webhooks,
      alertsTopic: this.config.get('TOPIC_ALERTS', { infer: true }),
      at: context.now.toISOString(),
    });
    return { acknowledged: acknowledgements.length, enqueued: await this.alerts.enqueue(manager, entries) };
  }

  private async apply(manager: EntityManager, plan: DetectorPlan, open: AlertRecord[], context: SweepContext, counts: StepCounts): Promise<void> {
    const inserted = await this.repository.insertSpecialAlerts(
      manager,
      plan.opened.map((o) => ({ id: randomUUID(), ...o, lastEvaluation: o.evaluation, explanation: o.explanation })),
    );
    await this.alerts.insertHistory(
      manager,
      inserted.map((a) => ({ alertId: a.id, from: null, to: 'firing', actor: ACTOR, details: { reason: a.kind, evaluation: a.lastEvaluation } })),
    );
    // Open alerts were read FOR UPDATE: their status cannot have changed since.
    const previous = new Map(open.filter((a) => a.status !== 'resolved').map((a) => [a.id, a.status as 'firing' | 'acknowledged']));
    const resolved = await this.repository.resolve(manager, plan.resolved);
    await this.alerts.insertHistory(
      manager,
      resolved.map((a) => ({ alertId: a.id, from: previous.get(a.id) ?? 'firing', to: 'resolved', actor: ACTOR, details: { reason: a.resolveReason, evaluation: a.lastEvaluation } })),
    );
    await this.repository.updateEvaluations(manager, plan.stillOpen);
    counts.opened += inserted.length;
    counts.resolved += resolved.length;
    counts.enqueued += await this.enqueue(manager, 'open', inserted, context);
    counts.enqueued += await this.enqueue(manager, 'resolve', resolved, context, previous);
  }

  private async enqueue(
    manager: EntityManager,
    event: NoticeEvent,
    alerts: AlertRecord[],
    context: SweepContext,
    previousStatus?: ReadonlyMap<string, 'firing' | 'acknowledged'>,
  ): Promise<number> {
    if (alerts.length === 0) return 0;
    const agencyCodes = new Set<string>();
    for (const a of alerts) {
      if (!a.agencyCode) continue;
      agencyCodes.add(a.agencyCode);
      const parent = context.agencies.get(a.agencyCode)?.parentCode;
      if (parent) agencyCodes.add(parent);
    }
    const inputs: NoticeInputs = {
      event,
      alerts,
      previousStatus,
      agencies: context.agencies,
      recipients: await this.alerts.loadRecipients(manager, [...agencyCodes]),
      operatorEmails: this.config.get('ALERT_OPERATOR_EMAILS', { infer: true }),
      webhooks: context.webhooks,
      alertsTopic: this.config.get('TOPIC_ALERTS', { infer: true }),
      at: context.now.toISOString(),
      procedures: context.procedures,
      escalateAfterText: durationVi(this.config.get('ALERT_ESCALATE_AFTER_MS', { infer: true })),
    };
    const entries: OutboxInsert[] = noticeEntries(inputs);
    return this.alerts.enqueue(manager, entries);
  }
}

/** 90_000_000 → "25 giờ"; 4_000 → "4 giây". */
export function durationVi(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} ngày`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} giờ`;
  if (ms % 60_000 === 0) return `${ms / 60_000} phút`;
  return `${Math.round(ms / 1000)} giây`;
}

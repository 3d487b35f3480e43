import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { evaluationWindow, previousComparableWindow } from '@dvc/domain';
import { AlertingConfig, ConfiguredWindow } from '../alerting-config';
import { LeaderLock } from '../leader/leader-lock.service';
import { AlertingMetrics } from '../metrics/alerting.metrics';
import { OutboxDispatcher } from '../notifications/outbox-dispatcher.service';
import { outboxEntries } from '../notifications/outbox-entries';
import { AlertmanagerPusher } from '../notifications/alertmanager';
import { AlertsRepository } from '../repositories/alerts.repository';
import { LifecycleRepository } from '../repositories/lifecycle.repository';
import { LifecycleSteps } from './lifecycle-steps';
import { planSweep, WindowData } from './sweep-plan';

export type SweepOutcome = 'completed' | 'not_leader' | 'locked' | 'failed';

const ACTOR = 'system (alerting)';

/**
 * The periodic sweep: every agency as a whole and every agency × procedure, over each configured
 * window, against the effective targets. Reading, deciding and writing (alert changes, history and the
 * notifications they cause) happen in ONE transaction under a PostgreSQL advisory lock: a crash
 * leaves either everything or nothing, and two sweeps never decide the same thing twice.
 */
@Injectable()
export class SweepService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SweepService.name);
  private readonly windows: ConfiguredWindow[];
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepOutcome> | null = null;
  private stopped = false;

  constructor(
    private readonly config: ConfigService<AlertingConfig, true>,
    private readonly repository: AlertsRepository,
    private readonly leader: LeaderLock,
    private readonly dispatcher: OutboxDispatcher,
    private readonly metrics: AlertingMetrics,
    private readonly steps: LifecycleSteps,
    private readonly lifecycle: LifecycleRepository,
    private readonly alertmanager: AlertmanagerPusher,
  ) {
    this.windows = config.get('ALERT_WINDOWS', { infer: true });
    this.intervalMs = config.get('ALERT_SWEEP_INTERVAL_MS', { infer: true });
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweepIfLeader();
      void this.running.finally(() => {
        this.running = null;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
  }

  async sweepIfLeader(now = new Date()): Promise<SweepOutcome> {
    let outcome: SweepOutcome;
    try {
      if (this.config.get('ALERT_LEADER_LOCK_ENABLED', { infer: true })) {
        const answer = await this.leader.acquireOrRenew();
        this.metrics.leader.set(answer === 'follower' ? 0 : 1);
        if (answer === 'follower') {
          this.metrics.sweeps.inc({ outcome: 'not_leader' });
          return 'not_leader';
        }
      }
      outcome = await this.sweep(now);
      if (outcome === 'completed') await this.alertmanager.pushIfDue();
    } catch (error) {
      this.logger.error({ error: error instanceof Error ? error.stack : String(error) }, 'sweep failed');
      outcome = 'failed';
    }
    this.metrics.sweeps.inc({ outcome });
    return outcome;
  }

  /** One sweep in one transaction; `locked` when another transaction holds the advisory lock. */
  async sweep(now: Date): Promise<SweepOutcome> {
    const stopTimer = this.metrics.sweepDuration.startTimer();
    const result = await this.repository.dataSource.transaction('READ COMMITTED', async (manager) => {
      if (!(await this.repository.tryLockSweep(manager))) return null;
      const [rules, agencies, procedures, openAlerts] = [
        await this.repository.loadRules(manager),
        await this.repository.loadAgencies(manager),
        await this.repository.loadProcedures(manager),
        await this.repository.loadOpenAlerts(manager),
      ];
      const windows: WindowData[] = [];
      for (const configured of this.windows) {
        const window = evaluationWindow(configured.spec, now);
        const previousWindow = previousComparableWindow(configured.spec, window);
        windows.push({ kind: configured.kind, window, previousWindow, pairs: await this.repository.loadPairCounts(manager, window, previousWindow) });
      }
      const plan = planSweep({
        rules,
        agencies,
        procedures,
        windows,
        openAlerts,
        policy: { minimumDossiers: this.config.get('ALERT_MIN_DOSSIERS', { infer: true }), resolveMargin: this.config.get('ALERT_RESOLVE_MARGIN', { infer: true }) },
        topProcedures: this.config.get('ALERT_TOP_PROCEDURES', { infer: true }),
      });

      const ids = plan.opened.map(() => randomUUID());
      const inserted = await this.repository.insertAlerts(
        manager,
        plan.opened.map((alert, index) => ({ ...alert, id: ids[index], lastEvaluation: alert.evaluation, explanation: alert.explanation })),
        ACTOR,
      );
      const resolvedIds = await this.repository.resolveAlerts(
        manager,
        plan.resolved.map((r) => ({ id: r.alert.id, from: r.alert.status, reason: r.reason, evaluation: r.evaluation })),
        ACTOR,
      );
      await this.repository.updateEvaluations(manager, plan.stillOpen);

      const opened = plan.opened.filter((_, index) => inserted.has(ids[index]));
      const openedIds = ids.filter((id) => inserted.has(id));
      const resolved = plan.resolved.filter((r) => resolvedIds.has(r.alert.id));
      const agencyCodes = [...new Set([...opened.map((a) => a.agencyCode), ...resolved.map((r) => r.alert.agencyCode)])];
      const recipients = await this.repository.loadRecipients(manager, agencyCodes);
      const webhooks = await this.lifecycle.loadWebhooks(manager);
      let enqueued = await this.repository.enqueue(
        manager,
        outboxEntries({ opened, openedIds, resolved, agencies, recipients, webhooks, alertsTopic: this.config.get('TOPIC_ALERTS', { infer: true }), at: now.toISOString() }),
      );
      // Zero uptake, silent sources, escalations and reminders: same transaction, same lock.
      const steps = await this.steps.run(manager, { now, agencies, procedures, webhooks, pairsByWindow: new Map(windows.map((w) => [w.kind, w.pairs])) });
      enqueued += steps.enqueued;
      return { plan, opened: opened.length, resolved: resolved.length, enqueued, steps };
    });
    if (result === null) return 'locked';
    stopTimer();
    for (const action of ['fire', 'resolve', 'stay'] as const) {
      if (result.plan.decisions[action] > 0) this.metrics.evaluations.inc({ action }, result.plan.decisions[action]);
    }
    if (result.enqueued > 0) this.dispatcher.wake();
    const { steps } = result;
    if (result.opened > 0 || result.resolved > 0 || steps.opened > 0 || steps.resolved > 0 || steps.escalated > 0 || steps.reminded > 0) {
      this.logger.log(
        {
          opened: result.opened + steps.opened,
          resolved: result.resolved + steps.resolved,
          escalated: steps.escalated,
          reminded: steps.reminded,
          notifications: result.enqueued,
        },
        'sweep changed alerts',
      );
    }
    return 'completed';
  }
}

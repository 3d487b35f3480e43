import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DayWindow, evaluationWindow, previousComparableWindow, type WorkingSchedule } from '@dvc/domain';
import { AlertingConfig, ConfiguredWindow, configuredWorkingSchedule } from '../alerting-config';
import { LeaderLock } from '../leader/leader-lock.service';
import { AlertingMetrics } from '../metrics/alerting.metrics';
import { OutboxDispatcher } from '../notifications/outbox-dispatcher.service';
import { outboxEntries } from '../notifications/outbox-entries';
import { AlertmanagerPusher } from '../notifications/alertmanager';
import { AlertsRepository } from '../repositories/alerts.repository';
import { scopeCountsKey, SweepCountsRepository } from '../repositories/sweep-counts.repository';
import { LifecycleRepository } from '../repositories/lifecycle.repository';
import { LifecycleSteps, StepCounts } from './lifecycle-steps';
import { explainedScopes, withPreviousCounts } from './previous-counts';
import { namedTopProceduresFromBelow, planSweep, ProcedureInfo, SweepPlan, WindowData, ZERO_COUNTS } from './sweep-plan';
import { chooseSweepMode, FullSweepRecord, SweepMode, sweepInputsDigest } from './sweep-mode';
import { sweepPairFilter } from './pair-filter';
import { WrittenEvaluations } from './written-evaluations';
import type { EntityManager } from 'typeorm';

export type SweepOutcome = 'completed' | 'not_leader' | 'locked' | 'failed';

/** Retry delay of a change evaluation that found the advisory lock taken (by a sweep elsewhere). */
const LOCKED_RETRY_MS = 200;

const ACTOR = 'system (alerting)';

/**
 * The periodic sweep: every agency as a whole and every agency × procedure, over each configured
 * window, against the effective targets — or, between full sweeps, only the agencies whose buckets the
 * aggregator changed since the last sweep (`alert_sweep_pending`), which decides the same (sweep-mode.ts).
 * Reading, deciding and writing (alert changes, history and the
 * notifications they cause) happen in ONE transaction under a PostgreSQL advisory lock: a crash
 * leaves either everything or nothing, and two sweeps never decide the same thing twice.
 *
 * Between sweeps, `requestEvaluation` (fed by the rate-change topic) evaluates just the agencies whose
 * numbers changed — each as a whole and × each of its procedures — after a short debounce that
 * coalesces a burst of notices into one evaluation. It is the same code over a subset: same advisory
 * lock, one transaction, same dedupe keys and "one open alert per scope" index; the dispatcher is woken
 * at its commit. Within one process sweeps and change evaluations run one at a time. The Redis leader
 * lock is not asked: only the instance that received a notice (its consumer group's partition) can act
 * on it, and the PostgreSQL guard alone keeps decisions single. A notice lost, or an evaluation that
 * failed, only waits for the next sweep, which finds the agency in `alert_sweep_pending`.
 */
@Injectable()
export class SweepService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SweepService.name);
  private readonly windows: ConfiguredWindow[];
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepOutcome> | null = null;
  private stopped = false;
  /** Serialises sweeps and change evaluations of this process. */
  private exclusive: Promise<unknown> = Promise.resolve();
  /** Agencies named on the rate-change topic, awaiting their evaluation. */
  private pendingAgencies = new Set<string>();
  private changeTimer: NodeJS.Timeout | null = null;
  private changeRunning: Promise<void> | null = null;
  private readonly debounceMs: number;
  private readonly minimumDossiers: number;
  private readonly workingDays: WorkingSchedule;
  private readonly zeroUptakeMinimum: number | null;
  private readonly fullIntervalMs: number;
  /** This process's last committed full sweep: what an incremental sweep is measured against (sweep-mode.ts). */
  private lastFullSweep: FullSweepRecord | null = null;
  /** The evaluations this process knows the open alerts hold, so that unchanged ones are not sent again. */
  private readonly written = new WrittenEvaluations();

  constructor(
    private readonly config: ConfigService<AlertingConfig, true>,
    private readonly repository: AlertsRepository,
    private readonly counts: SweepCountsRepository,
    private readonly leader: LeaderLock,
    private readonly dispatcher: OutboxDispatcher,
    private readonly metrics: AlertingMetrics,
    private readonly steps: LifecycleSteps,
    private readonly lifecycle: LifecycleRepository,
    private readonly alertmanager: AlertmanagerPusher,
  ) {
    this.windows = config.get('ALERT_WINDOWS', { infer: true });
    this.intervalMs = config.get('ALERT_SWEEP_INTERVAL_MS', { infer: true });
    this.debounceMs = config.get('ALERT_CHANGE_DEBOUNCE_MS', { infer: true });
    this.fullIntervalMs = config.get('ALERT_FULL_SWEEP_INTERVAL_MS', { infer: true });
    this.minimumDossiers = config.get('ALERT_MIN_DOSSIERS', { infer: true });
    this.workingDays = configuredWorkingSchedule(config);
    this.zeroUptakeMinimum = config.get('ALERT_ZERO_UPTAKE_ENABLED', { infer: true }) ? config.get('ALERT_ZERO_UPTAKE_MIN_DOSSIERS', { infer: true }) : null;
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    await this.running?.catch(() => undefined);
    await this.changeRunning?.catch(() => undefined);
  }

  /**
   * Evaluates these agencies soon: after the debounce delay, together with any others named in the
   * meantime. Returns at once.
   */
  requestEvaluation(agencyCodes: Iterable<string>): void {
    if (this.stopped) return;
    for (const code of agencyCodes) this.pendingAgencies.add(code);
    this.armChangeTimer(this.debounceMs);
  }

  private armChangeTimer(delayMs: number): void {
    if (this.stopped || this.changeTimer || this.changeRunning || this.pendingAgencies.size === 0) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      const agencies = [...this.pendingAgencies].sort();
      this.pendingAgencies = new Set();
      this.changeRunning = this.evaluateChanged(agencies).then((outcome) => {
        if (outcome === 'locked') for (const code of agencies) this.pendingAgencies.add(code);
        return outcome;
      }).then(
        (outcome) => {
          this.changeRunning = null;
          // Notices that came while this evaluation ran wait no longer than the debounce.
          this.armChangeTimer(outcome === 'locked' ? Math.max(LOCKED_RETRY_MS, this.debounceMs) : this.debounceMs);
        },
      );
    }, delayMs);
  }

  /** One evaluation of `agencies`; `locked` when another transaction holds the advisory lock. */
  async evaluateChanged(agencies: string[], now = new Date()): Promise<SweepOutcome> {
    let outcome: SweepOutcome;
    const stopTimer = this.metrics.changeEvaluationDuration.startTimer();
    try {
      outcome = (await this.serialised(() => this.evaluate(now, agencies))).result;
      if (outcome === 'completed') stopTimer();
    } catch (error) {
      this.logger.error({ error: error instanceof Error ? error.stack : String(error), agencies: agencies.length }, 'evaluation after rate changes failed; the sweep will see them');
      outcome = 'failed';
    }
    this.metrics.changeEvaluations.inc({ outcome });
    return outcome;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const result = this.exclusive.then(work, work);
    this.exclusive = result.catch(() => undefined);
    return result;
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
      outcome = await this.serialised(() => this.sweep(now));
      if (outcome === 'completed') await this.alertmanager.pushIfDue();
    } catch (error) {
      this.logger.error({ error: error instanceof Error ? error.stack : String(error) }, 'sweep failed');
      outcome = 'failed';
    }
    this.metrics.sweeps.inc({ outcome });
    return outcome;
  }

  /**
   * Only pairs that can be decided are loaded (see `loadSweepCounts`); an agency-level alert that opens
   * or resolves also names the procedures pulling the agency down, ranked here from the agency's
   * procedures below the threshold and its totals, read for just those alerts.
   */
  private async completeRankings(manager: EntityManager, plan: SweepPlan, windows: WindowData[], procedures: ReadonlyMap<string, ProcedureInfo>): Promise<void> {
    const explanations = [
      ...plan.opened.filter((a) => a.procedureCode === null).map((a) => ({ agencyCode: a.agencyCode, windowKind: a.windowKind, explanation: a.explanation })),
      ...plan.resolved
        .filter((r) => r.alert.procedureCode === null && r.explanation !== null)
        .map((r) => ({ agencyCode: r.alert.agencyCode, windowKind: r.alert.windowKind, explanation: r.explanation! })),
    ];
    const limit = this.config.get('ALERT_TOP_PROCEDURES', { infer: true });
    for (const data of windows) {
      const mine = explanations.filter((e) => e.windowKind === data.kind);
      if (mine.length === 0) continue;
      const key = (agencyCode: string, metric: string, threshold: number) => `${agencyCode}\u0000${metric}\u0000${threshold}`;
      const wanted = new Map(mine.map((e) => [key(e.agencyCode, e.explanation.target.metric, e.explanation.target.threshold), { agencyCode: e.agencyCode, metric: e.explanation.target.metric, threshold: e.explanation.target.threshold }]));
      const below = new Map<string, Array<{ procedureCode: string; successes: number; trials: number }>>();
      for (const row of await this.counts.loadBelowTargetPairs(manager, data.window, [...wanted.values()])) {
        const k = key(row.agencyCode, row.metric, row.threshold);
        const list = below.get(k) ?? [];
        list.push(row);
        below.set(k, list);
      }
      for (const e of mine) {
        const totals = data.agencyTotals?.get(e.agencyCode)?.current ?? ZERO_COUNTS;
        const { metric, threshold } = e.explanation.target;
        e.explanation.topProcedures = namedTopProceduresFromBelow(below.get(key(e.agencyCode, metric, threshold)) ?? [], totals, metric, threshold, limit, procedures);
      }
    }
  }

  /**
   * The explanations of the alerts that open or resolve compare with the previous window: its counts are
   * read for just those scopes (the sweep's counts cover the windows only).
   */
  private async completePreviousCounts(manager: EntityManager, plan: SweepPlan, windows: WindowData[]): Promise<void> {
    const scopes = explainedScopes(plan);
    for (const data of windows) {
      const mine = scopes.filter((scope) => scope.windowKind === data.kind);
      if (mine.length === 0) continue;
      const previous = await this.counts.loadPreviousCounts(manager, data.previousWindow, mine);
      for (const scope of mine) withPreviousCounts(scope, previous.get(scopeCountsKey(scope.agencyCode, scope.procedureCode)) ?? ZERO_COUNTS);
    }
  }

  /** The zero-uptake detector's window (a sweep step): its days are an input of the sweep too. */
  private zeroUptakeWindow(now: Date): { kind: string; window: DayWindow } {
    const configured = this.config.get('ALERT_ZERO_UPTAKE_WINDOW', { infer: true });
    return { kind: `zeroUptake:${configured.kind}`, window: evaluationWindow(configured.spec, now) };
  }

  /**
   * One sweep in one transaction, over every agency or (see sweep-mode.ts) over the agencies whose buckets
   * changed since the last one; `locked` when another transaction holds the advisory lock.
   */
  async sweep(now: Date): Promise<SweepOutcome> {
    const stopTimer = this.metrics.sweepDuration.startTimer();
    const outcome = await this.evaluate(now, 'sweep');
    if (outcome.result === 'completed') stopTimer({ mode: outcome.mode });
    return outcome.result;
  }

  /**
   * Evaluates, in one transaction under the advisory lock, either the agencies in `agencies` (after rate
   * changes: each as a whole and × each procedure, and the acknowledgements) or, for a `'sweep'`, every
   * agency or the pending ones (sweep-mode.ts), with the sweep's other steps.
   */
  private async evaluate(now: Date, agencies: readonly string[] | 'sweep'): Promise<{ result: SweepOutcome; mode: SweepMode['mode'] }> {
    const isSweep = agencies === 'sweep';
    const result = await this.repository.dataSource.transaction('READ COMMITTED', async (manager) => {
      if (!(await this.repository.tryLockSweep(manager))) return null;
      await this.counts.prepareSweepTransaction(manager);
      const [rules, agencyInfo, procedures] = [
        await this.repository.loadRules(manager),
        await this.repository.loadAgencies(manager),
        await this.repository.loadProcedures(manager),
      ];
      const spans = this.windows.map((configured) => {
        const window = evaluationWindow(configured.spec, now);
        return { kind: configured.kind, window, previous: previousComparableWindow(configured.spec, window) };
      });
      // Only a periodic sweep chooses its mode (an evaluation after rate changes is a subset by definition).
      const digest = isSweep ? sweepInputsDigest({ windows: [...spans, this.zeroUptakeWindow(now)], rules, agencies: agencyInfo, procedures }) : null;
      const mode: SweepMode = digest ? chooseSweepMode(this.lastFullSweep, digest, now.getTime(), this.fullIntervalMs) : { mode: 'incremental' };
      // Before the buckets are read: a pending row this deletes was committed with its counts, which the
      // reads below (later statements, newer snapshots) see. Rows committed later wait for the next sweep.
      let subset: readonly string[] | undefined;
      if (!isSweep) subset = agencies;
      else if (mode.mode === 'full') await this.repository.clearPendingAgencies(manager);
      else subset = await this.repository.claimPendingAgencies(manager);
      const openAlerts = await this.repository.loadOpenAlerts(manager, subset);
      // Every window's pair counts and agency totals from one pass over the buckets; only the pairs that
      // can change something (pair-filter.ts) come back.
      const filter = sweepPairFilter(rules, this.minimumDossiers, this.zeroUptakeMinimum);
      const counts = await this.counts.loadSweepCounts(manager, spans.map((span) => span.window), filter, subset);
      const windows: WindowData[] = spans.map((span, index) => ({
        kind: span.kind,
        window: span.window,
        previousWindow: span.previous,
        pairs: counts[index].pairs,
        agencyTotals: counts[index].agencyTotals,
      }));
      const plan = planSweep({
        rules,
        agencies: agencyInfo,
        procedures,
        windows,
        openAlerts,
        policy: { minimumDossiers: this.minimumDossiers, resolveMargin: this.config.get('ALERT_RESOLVE_MARGIN', { infer: true }) },
        topProcedures: this.config.get('ALERT_TOP_PROCEDURES', { infer: true }),
        workingDays: this.workingDays,
      });

      await this.completeRankings(manager, plan, windows, procedures);
      await this.completePreviousCounts(manager, plan, windows);

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
      const readVersions = new Map(openAlerts.map((alert) => [alert.id, alert.version ?? '']));
      const evaluationWrites = this.written.toWrite(plan.stillOpen, readVersions);
      const changedVersions = await this.repository.updateEvaluations(manager, evaluationWrites);

      const opened = plan.opened.filter((_, index) => inserted.has(ids[index]));
      const openedIds = ids.filter((id) => inserted.has(id));
      const resolved = plan.resolved.filter((r) => resolvedIds.has(r.alert.id));
      const agencyCodes = [...new Set([...opened.map((a) => a.agencyCode), ...resolved.map((r) => r.alert.agencyCode)])];
      const recipients = await this.repository.loadRecipients(manager, agencyCodes);
      const webhooks = await this.lifecycle.loadWebhooks(manager);
      let enqueued = await this.repository.enqueue(
        manager,
        outboxEntries({ opened, openedIds, resolved, agencies: agencyInfo, recipients, webhooks, alertsTopic: this.config.get('TOPIC_ALERTS', { infer: true }), at: now.toISOString() }),
      );
      // Zero uptake, silent sources, escalations, reminders and acknowledgements: same transaction,
      // same lock. After rate changes only the acknowledgements (cheap, and prompt): the rest is the sweep's.
      const steps: StepCounts = isSweep
        ? await this.steps.run(manager, { now, agencies: agencyInfo, procedures, webhooks, pairsByWindow: new Map(windows.map((w) => [w.kind, w.pairs])), only: subset })
        : { opened: 0, resolved: 0, escalated: 0, reminded: 0, ...(await this.steps.announceAcknowledgements(manager, { now, agencies: agencyInfo, webhooks })) };
      enqueued += steps.enqueued;
      // A row left alone by the update already held this evaluation, at the version read.
      const knownNow = evaluationWrites.map((write) => ({ id: write.id, digest: write.digest, version: changedVersions.get(write.id) ?? readVersions.get(write.id)! }));
      const openIds = subset === undefined ? new Set(openAlerts.map((alert) => alert.id)) : null;
      return { plan, opened: opened.length, resolved: resolved.length, enqueued, steps, mode, digest, evaluatedAgencies: subset?.length, knownNow, openIds };
    });
    if (result === null) return { result: 'locked', mode: 'incremental' };
    // Committed: what the rows hold now. After a sweep over every agency, alerts no longer open are forgotten.
    if (result.openIds) this.written.keepOnly(result.openIds);
    for (const known of result.knownNow) this.written.remember(known.id, known.version, known.digest);
    if (result.mode.mode === 'full' && result.digest) this.lastFullSweep = { digest: result.digest, atMs: now.getTime() };
    for (const action of ['fire', 'resolve', 'stay'] as const) {
      if (result.plan.decisions[action] > 0) this.metrics.evaluations.inc({ action }, result.plan.decisions[action]);
    }
    if (result.enqueued > 0) this.dispatcher.wake();
    const { steps } = result;
    if (result.opened > 0 || result.resolved > 0 || steps.opened > 0 || steps.resolved > 0 || steps.escalated > 0 || steps.reminded > 0 || steps.acknowledged > 0) {
      this.logger.log(
        {
          opened: result.opened + steps.opened,
          resolved: result.resolved + steps.resolved,
          escalated: steps.escalated,
          reminded: steps.reminded,
          acknowledgementsAnnounced: steps.acknowledged,
          notifications: result.enqueued,
          agencies: result.evaluatedAgencies ?? 'all',
        },
        isSweep ? 'sweep changed alerts' : 'evaluation after rate changes changed alerts',
      );
    }
    if (isSweep && result.mode.mode === 'full') {
      this.logger.debug({ reason: result.mode.reason }, 'full sweep');
    }
    return { result: 'completed', mode: result.mode.mode };
  }
}

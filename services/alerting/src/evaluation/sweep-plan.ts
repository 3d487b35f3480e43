import type { AgencyLevel, OnlineLevel } from '@dvc/contracts';
import {
  ALERT_SEVERITIES,
  AlertDecisionReason,
  AlertEvidence,
  AlertPolicy,
  AlertSeverity,
  DayWindow,
  EffectiveTarget,
  MonthEndLookAhead,
  monthEndLookAhead,
  ProcedureShortfall,
  RateTrend,
  TARGET_METRICS,
  TargetMatch,
  TargetMetric,
  TargetRule,
  TargetScope,
  agencyAncestry,
  decideAlert,
  rankShortfallContributors,
  rateTrend,
  memoizedEffectiveTargets,
  sampleForMetric,
  type WorkingSchedule,
} from '@dvc/domain';

/**
 * One sweep's decisions, computed without I/O from what the repository loaded: every agency as a
 * whole and every agency × procedure with dossiers (or with an open alert) in each window, against the
 * effective targets. The service writes the plan in one transaction.
 */

export interface Counts {
  received: number;
  receivedOnline: number;
  completed: number;
  completedOnTime: number;
}

export const ZERO_COUNTS: Readonly<Counts> = Object.freeze({ received: 0, receivedOnline: 0, completed: 0, completedOnTime: 0 });

export interface PairCounts {
  agencyCode: string;
  procedureCode: string;
  current: Counts;
  previous: Counts;
}

export interface AgencyInfo {
  code: string;
  name: string;
  level: AgencyLevel;
  parentCode: string | null;
}

export interface ProcedureInfo {
  code: string;
  name: string;
  onlineLevel: OnlineLevel;
}

export type OpenStatus = 'firing' | 'acknowledged';

export interface OpenAlert {
  id: string;
  targetId: string;
  agencyCode: string;
  procedureCode: string | null;
  windowKind: string;
  metric: TargetMetric;
  severity: AlertSeverity;
  status: OpenStatus;
  /** The row's version when read (PostgreSQL `xmin`): see WrittenEvaluations. */
  version?: string;
}

export interface WindowData {
  kind: string;
  window: DayWindow;
  previousWindow: DayWindow;
  /**
   * Agency × procedure counts. With `agencyTotals`, only the pairs that can be decided (enough dossiers
   * for some metric, or an open alert): the others can neither fire nor resolve. The sweep loads them
   * with zero `previous` counts and fills the explanations it writes afterwards (`withPreviousCounts`, previous-counts.ts).
   */
  pairs: PairCounts[];
  /** Each agency's counts over all its procedures; when absent, the sums of `pairs`. */
  agencyTotals?: ReadonlyMap<string, { current: Counts; previous: Counts }>;
}

export interface SweepInput {
  rules: readonly TargetRule[];
  agencies: ReadonlyMap<string, AgencyInfo>;
  procedures: ReadonlyMap<string, ProcedureInfo>;
  windows: readonly WindowData[];
  openAlerts: readonly OpenAlert[];
  policy: AlertPolicy;
  topProcedures: number;
  /** The working days of the month-end look ahead (ALERT_WORKING_DAYS, ALERT_HOLIDAYS, ALERT_EXTRA_WORKING_DAYS). */
  workingDays?: WorkingSchedule;
}

export interface Evaluation extends AlertEvidence {
  windowKind: string;
  window: DayWindow;
  reason: AlertDecisionReason;
}

export interface NamedShortfall extends ProcedureShortfall {
  procedureName: string;
}

export interface AlertExplanation {
  agencyName: string;
  procedureName: string | null;
  window: DayWindow;
  previousWindow: DayWindow;
  trend: RateTrend;
  previous: { successes: number; trials: number };
  target: {
    ruleId: string;
    scope: TargetScope;
    matchedBy: TargetMatch;
    threshold: number;
    severity: AlertSeverity;
    metric: TargetMetric;
  };
  /** For an agency as a whole: the procedures that pull its rate down most. */
  topProcedures: NamedShortfall[];
  /**
   * Month-to-date online-rate alerts: where the month ends at the present pace and the online dossiers per working
   * day the target needs (libs/domain monthEndLookAhead). Absent for other windows and metrics, and in alerts
   * opened before it existed.
   */
  lookAhead?: MonthEndLookAhead;
}

export interface AlertScope {
  targetId: string;
  agencyCode: string;
  procedureCode: string | null;
  windowKind: string;
  metric: TargetMetric;
  severity: AlertSeverity;
}

export interface OpenedAlert extends AlertScope {
  threshold: number;
  evaluation: Evaluation;
  explanation: AlertExplanation;
}

export type ResolveReason = 'recovered' | 'ruleNoLongerApplies';

export interface ResolvedAlert {
  alert: OpenAlert;
  reason: ResolveReason;
  evaluation: Evaluation | null;
  explanation: AlertExplanation | null;
}

export interface SweepPlan {
  opened: OpenedAlert[];
  resolved: ResolvedAlert[];
  /** Open alerts that stay open, with their latest numbers. */
  stillOpen: Array<{ id: string; evaluation: Evaluation }>;
  /** Decisions taken, by action. */
  decisions: { fire: number; resolve: number; stay: number };
}

interface Subject {
  agency: AgencyInfo;
  procedure: ProcedureInfo | null;
  current: Counts;
  previous: Counts;
  /** Agency as a whole: its procedures' counts (for the shortfall ranking). */
  procedures: PairCounts[];
}

export function scopeKey(scope: { targetId: string; agencyCode: string; procedureCode: string | null; windowKind: string }): string {
  return `${scope.targetId}\u0000${scope.agencyCode}\u0000${scope.procedureCode ?? ''}\u0000${scope.windowKind}`;
}

export function planSweep(input: SweepInput): SweepPlan {
  const plan: SweepPlan = { opened: [], resolved: [], stillOpen: [], decisions: { fire: 0, resolve: 0, stay: 0 } };
  const openByKey = new Map(input.openAlerts.map((alert) => [scopeKey(alert), alert]));
  const matchedOpen = new Set<string>();
  const ancestryCache = new Map<string, string[]>();
  const ancestryOf = (code: string) => {
    let ancestry = ancestryCache.get(code);
    if (!ancestry) {
      ancestry = agencyAncestry(code, (c) => input.agencies.get(c)?.parentCode);
      ancestryCache.set(code, ancestry);
    }
    return ancestry;
  };
  const enabledRules = input.rules.filter((rule) => rule.enabled !== false);
  const targetsOf = memoizedEffectiveTargets(enabledRules);
  const evaluatedWindows = new Set<string>();

  for (const data of input.windows) {
    evaluatedWindows.add(data.kind);
    for (const subject of subjectsOf(data, input)) {
      const targets = targetsOf({
        agencyCode: subject.agency.code,
        agencyLevel: subject.agency.level,
        procedureCode: subject.procedure?.code,
        procedureOnlineLevel: subject.procedure?.onlineLevel,
      }, ancestryOf(subject.agency.code));
      for (const metric of TARGET_METRICS) {
        for (const severity of ALERT_SEVERITIES) {
          const effective = targets[metric][severity];
          if (!effective) continue;
          const scope: AlertScope = {
            targetId: effective.rule.id,
            agencyCode: subject.agency.code,
            procedureCode: subject.procedure?.code ?? null,
            windowKind: data.kind,
            metric,
            severity,
          };
          const key = scopeKey(scope);
          const open = openByKey.get(key);
          if (open) matchedOpen.add(key);
          const decision = decideAlert({
            sample: sampleForMetric(metric, subject.current),
            threshold: effective.rule.threshold,
            state: open ? open.status : 'none',
            policy: input.policy,
          });
          plan.decisions[decision.action] += 1;
          // Most pairs stay without an alert: their evaluation is not kept, so it is not built.
          if (decision.action !== 'fire' && !open) continue;
          const evaluation: Evaluation = { ...decision.evidence, windowKind: data.kind, window: data.window, reason: decision.reason };
          if (decision.action === 'fire') {
            plan.opened.push({
              ...scope,
              threshold: effective.rule.threshold,
              evaluation,
              explanation: explain(subject, data, metric, effective, input),
            });
          } else if (decision.action === 'resolve' && open) {
            plan.resolved.push({ alert: open, reason: 'recovered', evaluation, explanation: explain(subject, data, metric, effective, input) });
          } else if (open) {
            plan.stillOpen.push({ id: open.id, evaluation });
          }
        }
      }
    }
  }

  // Open alerts whose rule no longer applies to their scope (deleted, disabled, or overridden by a
  // more specific rule), in a window that was evaluated: resolved, not left open forever.
  for (const [key, alert] of openByKey) {
    if (matchedOpen.has(key) || !evaluatedWindows.has(alert.windowKind)) continue;
    if (!input.agencies.has(alert.agencyCode)) continue;
    plan.decisions.resolve += 1;
    plan.resolved.push({ alert, reason: 'ruleNoLongerApplies', evaluation: null, explanation: null });
  }
  return plan;
}

/** Agencies as a whole, then each agency × procedure, with dossiers in the window or an open alert. */
function* subjectsOf(data: WindowData, input: SweepInput): Generator<Subject> {
  const byAgency = new Map<string, PairCounts[]>();
  for (const agencyCode of data.agencyTotals?.keys() ?? []) byAgency.set(agencyCode, []);
  for (const pair of data.pairs) {
    const list = byAgency.get(pair.agencyCode) ?? [];
    list.push(pair);
    byAgency.set(pair.agencyCode, list);
  }
  // Scopes with an open alert but no dossiers left in the window are still judged (and stay open).
  // (A set of the pairs present: a province has tens of thousands of open alerts.)
  const present = new Set(data.pairs.map((pair) => `${pair.agencyCode}\u0000${pair.procedureCode}`));
  for (const alert of input.openAlerts) {
    if (alert.windowKind !== data.kind) continue;
    const list = byAgency.get(alert.agencyCode) ?? [];
    if (alert.procedureCode !== null) {
      const key = `${alert.agencyCode}\u0000${alert.procedureCode}`;
      if (!present.has(key)) {
        present.add(key);
        list.push({ agencyCode: alert.agencyCode, procedureCode: alert.procedureCode, current: { ...ZERO_COUNTS }, previous: { ...ZERO_COUNTS } });
      }
    }
    byAgency.set(alert.agencyCode, list);
  }
  const agencyCodes = [...byAgency.keys()].sort();
  for (const agencyCode of agencyCodes) {
    const agency = input.agencies.get(agencyCode);
    if (!agency) continue;
    const pairs = byAgency.get(agencyCode)!;
    const totals = data.agencyTotals?.get(agencyCode);
    yield {
      agency,
      procedure: null,
      current: totals ? totals.current : sum(pairs.map((p) => p.current)),
      previous: totals ? totals.previous : sum(pairs.map((p) => p.previous)),
      procedures: pairs,
    };
    for (const pair of pairs) {
      const procedure = input.procedures.get(pair.procedureCode);
      if (!procedure) continue;
      yield { agency, procedure, current: pair.current, previous: pair.previous, procedures: [] };
    }
  }
}

function explain(subject: Subject, data: WindowData, metric: TargetMetric, effective: EffectiveTarget, input: SweepInput): AlertExplanation {
  const current = sampleForMetric(metric, subject.current);
  const previous = sampleForMetric(metric, subject.previous);
  return {
    agencyName: subject.agency.name,
    procedureName: subject.procedure?.name ?? null,
    window: data.window,
    previousWindow: data.previousWindow,
    trend: rateTrend(current, previous),
    previous,
    target: {
      ruleId: effective.rule.id,
      scope: effective.rule.scope,
      matchedBy: effective.matchedBy,
      threshold: effective.rule.threshold,
      severity: effective.rule.severity,
      metric,
    },
    topProcedures:
      subject.procedure === null ? namedTopProcedures(subject.procedures, metric, effective.rule.threshold, input.topProcedures, input.procedures) : [],
    ...(data.kind === 'monthToDate' && metric === 'onlineRate'
      ? { lookAhead: monthEndLookAhead(data.window, current.trials, current.successes, effective.rule.threshold, input.workingDays) }
      : {}),
  };
}

/**
 * The same ranking from the agency's procedures below `threshold` only and its totals: the rest of the
 * agency goes in as one entry at or above the threshold (a weighted mean of rates at or above it), so
 * it counts in the agency's sums and is never listed — the result equals ranking all the pairs.
 */
export function namedTopProceduresFromBelow(
  below: ReadonlyArray<{ procedureCode: string; successes: number; trials: number }>,
  totals: Counts,
  metric: TargetMetric,
  threshold: number,
  limit: number,
  procedures: ReadonlyMap<string, ProcedureInfo>,
): NamedShortfall[] {
  const total = sampleForMetric(metric, totals);
  let successes = total.successes;
  let trials = total.trials;
  const samples = below.map((pair) => {
    successes -= pair.successes;
    trials -= pair.trials;
    return { procedureCode: pair.procedureCode, successes: pair.successes, trials: pair.trials };
  });
  if (trials > 0) samples.push({ procedureCode: '\u0000rest', successes: Math.min(successes, trials), trials });
  return rankShortfallContributors(samples, threshold, limit)
    .filter((shortfall) => shortfall.procedureCode !== '\u0000rest')
    .map((shortfall) => ({ ...shortfall, procedureName: procedures.get(shortfall.procedureCode)?.name ?? shortfall.procedureCode }));
}

/**
 * The procedures pulling an agency's rate down most, named. `pairs` must be ALL the agency's pairs in
 * the window: with filtered pairs (`agencyTotals`), the caller recomputes this for the alerts it
 * opens or resolves from the agency's complete counts.
 */
export function namedTopProcedures(
  pairs: readonly PairCounts[],
  metric: TargetMetric,
  threshold: number,
  limit: number,
  procedures: ReadonlyMap<string, ProcedureInfo>,
): NamedShortfall[] {
  return rankShortfallContributors(
    pairs.map((pair) => ({ procedureCode: pair.procedureCode, ...sampleForMetric(metric, pair.current) })),
    threshold,
    limit,
  ).map((shortfall) => ({ ...shortfall, procedureName: procedures.get(shortfall.procedureCode)?.name ?? shortfall.procedureCode }));
}

function sum(list: Counts[]): Counts {
  const total = { ...ZERO_COUNTS };
  for (const counts of list) {
    total.received += counts.received;
    total.receivedOnline += counts.receivedOnline;
    total.completed += counts.completed;
    total.completedOnTime += counts.completedOnTime;
  }
  return total;
}

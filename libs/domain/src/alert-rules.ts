import type { BucketCounters } from './buckets';
import type { AlertSeverity, TargetMetric } from './targets';
import { rate, wilsonInterval } from './wilson';

/**
 * The alert decision for one rule and one scope (an agency, or an agency × procedure, over one window).
 *
 * - Fire only on evidence: at least `minimumDossiers`, and the Wilson 95% upper bound below the
 *   threshold — the rate is below target even allowing for chance (0 of 2 never fires).
 * - Resolve only on a clear recovery: the point rate at or above threshold + `resolveMargin`. A fixed
 *   absolute margin, rather than "the Wilson lower bound reaches the threshold", because the interval
 *   shrinks as dossiers accumulate: on a province's month (thousands of dossiers) the lower bound sits
 *   within a point of the rate, the band between firing and resolving would all but vanish, and a rate
 *   hovering at the line would flap. With the margin, the band is always at least `resolveMargin` wide.
 * - While the sample is below the minimum an open alert stays open: too few dossiers prove nothing
 *   either way, and the month-to-date window starts every month at zero — resolving then and firing
 *   again a week later would notify twice about the same problem.
 */

export type AlertState = 'none' | 'firing' | 'acknowledged';
export type AlertAction = 'fire' | 'resolve' | 'stay';

export type AlertDecisionReason =
  /** fire: enough dossiers and the upper bound below the threshold. */
  | 'belowTarget'
  /** stay, no alert: fewer dossiers than the minimum. */
  | 'tooFewDossiers'
  /** stay, no alert: the rate may be at or above the threshold (upper bound ≥ threshold). */
  | 'notClearlyBelowTarget'
  /** resolve: the rate is back at or above threshold + margin. */
  | 'recovered'
  /** stay open: the rate is still below threshold + margin. */
  | 'notYetRecovered'
  /** stay open: fewer dossiers than the minimum, so no judgement on recovery. */
  | 'tooFewDossiersToJudgeRecovery';

/** `successes` of `trials`: online of received for the online rate, on time of completed for on-time. */
export interface RateSample {
  successes: number;
  trials: number;
}

export interface AlertPolicy {
  /** Dossiers (the rate's denominator) needed before an alert can fire or resolve. */
  minimumDossiers: number;
  /** Absolute margin above the threshold that the rate must reach to resolve, e.g. 0.05 = 5 points. */
  resolveMargin: number;
}

export const DEFAULT_ALERT_POLICY: Readonly<AlertPolicy> = Object.freeze({ minimumDossiers: 30, resolveMargin: 0.05 });

export interface AlertEvidence {
  successes: number;
  trials: number;
  /** `null` when there are no dossiers. */
  rate: number | null;
  /** Wilson 95% interval; `null` when there are no dossiers. */
  interval: [number, number] | null;
  threshold: number;
  resolveMargin: number;
  /** The rate an open alert must reach to resolve: threshold + margin, capped at 1. */
  resolveAt: number;
  minimumDossiers: number;
}

export interface AlertDecision {
  action: AlertAction;
  reason: AlertDecisionReason;
  /** `none` after a resolve (the lifecycle records it as resolved); unchanged on `stay`. */
  nextState: AlertState;
  evidence: AlertEvidence;
}

export interface AlertDecisionInput {
  sample: RateSample;
  threshold: number;
  state: AlertState;
  policy?: AlertPolicy;
}

export function onlineRateSample(counts: Pick<BucketCounters, 'received' | 'receivedOnline'>): RateSample {
  return { successes: counts.receivedOnline, trials: counts.received };
}

export function onTimeRateSample(counts: Pick<BucketCounters, 'completed' | 'completedOnTime'>): RateSample {
  return { successes: counts.completedOnTime, trials: counts.completed };
}

export function sampleForMetric(
  metric: TargetMetric,
  counts: Pick<BucketCounters, 'received' | 'receivedOnline' | 'completed' | 'completedOnTime'>,
): RateSample {
  return metric === 'onlineRate' ? onlineRateSample(counts) : onTimeRateSample(counts);
}

/** Everything wrong with a policy, for configuration validation; empty when it is valid. */
export function alertPolicyProblems(policy: AlertPolicy): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(policy.minimumDossiers) || policy.minimumDossiers < 1) {
    problems.push('minimumDossiers must be a whole number of at least 1');
  }
  if (typeof policy.resolveMargin !== 'number' || !(policy.resolveMargin >= 0 && policy.resolveMargin < 1)) {
    problems.push('resolveMargin must be a number in [0, 1)');
  }
  return problems;
}

/** Fire, resolve or stay, with the numbers that explain the decision. Throws on an impossible sample. */
export function decideAlert({ sample, threshold, state, policy = DEFAULT_ALERT_POLICY }: AlertDecisionInput): AlertDecision {
  assertValidSample(sample);
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
  const problems = alertPolicyProblems(policy);
  if (problems.length > 0) throw new RangeError(`invalid alert policy: ${problems.join('; ')}`);

  const { successes, trials } = sample;
  const evidence: AlertEvidence = {
    successes,
    trials,
    rate: rate(successes, trials),
    interval: wilsonInterval(successes, trials),
    threshold,
    resolveMargin: policy.resolveMargin,
    resolveAt: resolveLine(threshold, policy.resolveMargin),
    minimumDossiers: policy.minimumDossiers,
  };
  const enoughDossiers = trials >= policy.minimumDossiers;
  const decide = (action: AlertAction, reason: AlertDecisionReason, nextState: AlertState): AlertDecision => ({
    action,
    reason,
    nextState,
    evidence,
  });

  if (state === 'none') {
    if (!enoughDossiers) return decide('stay', 'tooFewDossiers', 'none');
    return evidence.interval![1] < threshold
      ? decide('fire', 'belowTarget', 'firing')
      : decide('stay', 'notClearlyBelowTarget', 'none');
  }
  if (!enoughDossiers) return decide('stay', 'tooFewDossiersToJudgeRecovery', state);
  return evidence.rate! >= evidence.resolveAt
    ? decide('resolve', 'recovered', 'none')
    : decide('stay', 'notYetRecovered', state);
}

/**
 * Warning and critical are separate rules, so a scope can have both open. What the people responsible
 * should hear about is the scope's highest open severity and how it changed; notifying "critical opened"
 * while "warning" is open is a severity raise, not a second alert.
 */
export type ScopeSeverityChange = 'opened' | 'severityRaised' | 'severityLowered' | 'resolved' | 'unchanged';

export interface RuleAlertTransition {
  severity: AlertSeverity;
  stateBefore: AlertState;
  stateAfter: AlertState;
}

export interface ScopeSeverityTransition {
  before: AlertSeverity | null;
  after: AlertSeverity | null;
  change: ScopeSeverityChange;
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { warning: 1, critical: 2 };

/** The highest severity among open (firing or acknowledged) alerts; `null` when none is open. */
export function highestOpenSeverity(alerts: ReadonlyArray<{ severity: AlertSeverity; state: AlertState }>): AlertSeverity | null {
  let highest: AlertSeverity | null = null;
  for (const { severity, state } of alerts) {
    if (state === 'none') continue;
    if (highest === null || SEVERITY_RANK[severity] > SEVERITY_RANK[highest]) highest = severity;
  }
  return highest;
}

/** How the scope's highest open severity moved, over the per-rule transitions of one evaluation. */
export function scopeSeverityTransition(transitions: readonly RuleAlertTransition[]): ScopeSeverityTransition {
  const before = highestOpenSeverity(transitions.map((t) => ({ severity: t.severity, state: t.stateBefore })));
  const after = highestOpenSeverity(transitions.map((t) => ({ severity: t.severity, state: t.stateAfter })));
  return { before, after, change: severityChange(before, after) };
}

function severityChange(before: AlertSeverity | null, after: AlertSeverity | null): ScopeSeverityChange {
  if (before === after) return 'unchanged';
  if (before === null) return 'opened';
  if (after === null) return 'resolved';
  return SEVERITY_RANK[after] > SEVERITY_RANK[before] ? 'severityRaised' : 'severityLowered';
}

/**
 * threshold + margin, capped at 1 (a 100% target resolves at 100%). Both are decimal settings, so the sum
 * is rounded to 12 places: in binary 0.1 + 0.05 is 0.15000000000000002, and 15 of 100 must resolve it.
 */
function resolveLine(threshold: number, margin: number): number {
  return Math.min(1, Math.round((threshold + margin) * 1e12) / 1e12);
}

function assertValidSample({ successes, trials }: RateSample): void {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`impossible sample: ${successes} of ${trials}`);
  }
}

import { TARGET_METRICS } from '@dvc/domain';
import type { TargetMetric, TargetRule } from '@dvc/domain';
import type { Counts } from './sweep-plan';

/**
 * Which agency × procedure pairs a sweep must carry into JavaScript. Most pairs of a province can change
 * nothing: without an open alert, a pair matters only if some rule could fire on it or the zero-uptake
 * detector could open on it. A rule fires only when the Wilson upper bound of the pair's rate is below its
 * threshold, with at least `minimumDossiers` trials (`decideAlert`); the upper bound is never below the
 * rate itself, so a pair whose rate is at or above the highest enabled threshold of a metric (its
 * `ceiling`) cannot fire for that metric whatever rule applies to it. The repository applies the same test
 * in SQL (`sweepPairFilterSql`), with the same floating-point operations; `pairMayChange` is it in
 * JavaScript, for the tests.
 *
 * `CEILING_MARGIN` keeps pairs within 1e-9 of a ceiling: the Wilson bound computed in floating point may
 * round a hair below a rate that equals the threshold, so those are decided in JavaScript as before.
 */
export interface SweepPairFilter {
  /** `ALERT_MIN_DOSSIERS`: fewer trials never fire. */
  minimumDossiers: number;
  /** Per metric, the highest threshold of an enabled rule; null when no enabled rule has that metric. */
  ceilings: Record<TargetMetric, number | null>;
  /** `ALERT_ZERO_UPTAKE_MIN_DOSSIERS` when that detector is on (it opens on 0 online of at least that many). */
  zeroUptakeMinimum: number | null;
}

export const CEILING_MARGIN = 1e-9;

export function sweepPairFilter(rules: readonly TargetRule[], minimumDossiers: number, zeroUptakeMinimum: number | null): SweepPairFilter {
  const ceilings = Object.fromEntries(TARGET_METRICS.map((metric) => [metric, null])) as Record<TargetMetric, number | null>;
  for (const rule of rules) {
    if (rule.enabled === false) continue;
    const current = ceilings[rule.metric];
    ceilings[rule.metric] = current === null ? rule.threshold : Math.max(current, rule.threshold);
  }
  return { minimumDossiers, ceilings, zeroUptakeMinimum };
}

/** A pair without an open alert: could a rule fire on these counts, or zero uptake open? */
export function pairMayChange(counts: Counts, filter: SweepPairFilter): boolean {
  const online = filter.ceilings.onlineRate;
  const onTime = filter.ceilings.onTimeRate;
  return (
    (online !== null && counts.received >= filter.minimumDossiers && counts.receivedOnline < (online + CEILING_MARGIN) * counts.received) ||
    (onTime !== null && counts.completed >= filter.minimumDossiers && counts.completedOnTime < (onTime + CEILING_MARGIN) * counts.completed) ||
    (filter.zeroUptakeMinimum !== null && counts.received >= filter.zeroUptakeMinimum && counts.receivedOnline === 0)
  );
}

/**
 * `pairMayChange` as a SQL boolean over four float8 column expressions; the filter's numbers go in as
 * parameters through `param` (which returns the placeholder).
 */
export function sweepPairFilterSql(
  columns: { received: string; receivedOnline: string; completed: string; completedOnTime: string },
  filter: SweepPairFilter,
  param: (value: number) => string,
): string {
  const parts: string[] = [];
  // Pushed only when used: a parameter the statement never names is an error in PostgreSQL.
  let minimumParam: string | null = null;
  const minimum = () => (minimumParam ??= param(filter.minimumDossiers));
  if (filter.ceilings.onlineRate !== null) {
    parts.push(`(${columns.received} >= ${minimum()} AND ${columns.receivedOnline} < ${param(filter.ceilings.onlineRate + CEILING_MARGIN)}::float8 * ${columns.received})`);
  }
  if (filter.ceilings.onTimeRate !== null) {
    parts.push(`(${columns.completed} >= ${minimum()} AND ${columns.completedOnTime} < ${param(filter.ceilings.onTimeRate + CEILING_MARGIN)}::float8 * ${columns.completed})`);
  }
  if (filter.zeroUptakeMinimum !== null) {
    parts.push(`(${columns.received} >= ${param(filter.zeroUptakeMinimum)} AND ${columns.receivedOnline} = 0)`);
  }
  return parts.length === 0 ? 'false' : `(${parts.join(' OR ')})`;
}

import type { OnlineLevel } from '@dvc/contracts';
import type { RateSample } from './alert-rules';
import { rate } from './wilson';

/**
 * What an alert says besides its own numbers: which procedures pull the agency's rate down most, and
 * how the rate moved against the previous comparable period.
 *
 * The agency's gap to a target t is t × Σtrials − Σsuccesses = Σ (t × trialsᵢ − successesᵢ): each
 * procedure's term is exactly its contribution to the gap (received × (target − rate) for the online
 * rate). Procedures are ranked by that contribution, so a big procedure a little below target can
 * outrank a tiny one at zero — it is the one whose improvement moves the agency most.
 */

export interface ProcedureSample extends RateSample {
  procedureCode: string;
}

export interface ProcedureShortfall {
  procedureCode: string;
  successes: number;
  trials: number;
  rate: number;
  /** target × trials − successes: this procedure's exact contribution to the agency's gap, > 0. */
  shortfall: number;
  /** Whole dossiers more (online, or on time) that would have put this procedure at the target. */
  missingToReachTarget: number;
  /** Share of the summed shortfall of all below-target procedures (not only the ones listed), 0..1. */
  shareOfShortfall: number;
  /** The agency's rate had this procedure had `missingToReachTarget` more, the others unchanged. */
  agencyRateIfAtTarget: number;
}

export const DEFAULT_TOP_CONTRIBUTORS = 5;

/**
 * The `limit` procedures below `target` that contribute most to the agency's shortfall, largest first;
 * ties go to the procedure with more dossiers, then to the smaller code (a stable order for e-mails).
 * Procedures without dossiers, or at or above the target, are not listed.
 */
export function rankShortfallContributors(
  procedures: readonly ProcedureSample[],
  target: number,
  limit = DEFAULT_TOP_CONTRIBUTORS,
): ProcedureShortfall[] {
  let agencySuccesses = 0;
  let agencyTrials = 0;
  for (const { successes, trials } of procedures) {
    agencySuccesses += successes;
    agencyTrials += trials;
  }
  const below = procedures
    .filter((procedure) => procedure.trials > 0 && procedure.successes / procedure.trials < target)
    .map((procedure) => ({ procedure, shortfall: target * procedure.trials - procedure.successes }));
  const totalShortfall = below.reduce((sum, { shortfall }) => sum + shortfall, 0);
  return below
    .sort(
      (a, b) =>
        b.shortfall - a.shortfall ||
        b.procedure.trials - a.procedure.trials ||
        compareStrings(a.procedure.procedureCode, b.procedure.procedureCode),
    )
    .slice(0, Math.max(0, limit))
    .map(({ procedure, shortfall }) => {
      const missingToReachTarget = missingToReach(target, procedure);
      return {
        procedureCode: procedure.procedureCode,
        successes: procedure.successes,
        trials: procedure.trials,
        rate: procedure.successes / procedure.trials,
        shortfall,
        missingToReachTarget,
        shareOfShortfall: shortfall / totalShortfall,
        agencyRateIfAtTarget: (agencySuccesses + missingToReachTarget) / agencyTrials,
      };
    });
}

/**
 * ⌈target × trials⌉ − successes, never below 0. The product is nudged down by a relative 1e-12 first,
 * because in binary floating point 0.07 × 100 = 7.000000000000001, and 7% of 100 is 7 dossiers, not 8.
 */
export function missingToReach(target: number, { successes, trials }: RateSample): number {
  const needed = target * trials;
  return Math.max(0, Math.ceil(needed - Math.max(1, needed) * 1e-12) - successes);
}

export type TrendDirection = 'up' | 'down' | 'unchanged';

export interface RateTrend {
  currentRate: number | null;
  previousRate: number | null;
  /** currentRate − previousRate; `null` when either period had no dossiers. */
  change: number | null;
  direction: TrendDirection | null;
}

/** The rate now against the previous comparable period; null-safe when either has no dossiers. */
export function rateTrend(current: RateSample, previous: RateSample): RateTrend {
  const currentRate = rate(current.successes, current.trials);
  const previousRate = rate(previous.successes, previous.trials);
  if (currentRate === null || previousRate === null) return { currentRate, previousRate, change: null, direction: null };
  // Compare the rates themselves, not the difference: equal ratios (1/3, 2/6) are equal doubles.
  const direction: TrendDirection = currentRate > previousRate ? 'up' : currentRate < previousRate ? 'down' : 'unchanged';
  return { currentRate, previousRate, change: currentRate - previousRate, direction };
}

export interface ProcedureOffer {
  procedureCode: string;
  onlineLevel: OnlineLevel;
  received: number;
  receivedOnline: number;
}

/**
 * Zero uptake: procedures offered online (`full` or `partial`) that received dossiers in the period but
 * not one online. Most dossiers first, then by code.
 */
export function zeroUptakeProcedures<T extends ProcedureOffer>(procedures: readonly T[]): T[] {
  return procedures
    .filter((p) => p.onlineLevel !== 'none' && p.received > 0 && p.receivedOnline === 0)
    .sort((a, b) => b.received - a.received || compareStrings(a.procedureCode, b.procedureCode));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import { createHash } from 'node:crypto';
import type { DayWindow, TargetRule } from '@dvc/domain';
import type { AgencyInfo, ProcedureInfo } from './sweep-plan';

/**
 * Full or incremental: what a periodic sweep evaluates.
 *
 * A sweep's decisions are a function of the bucket counts in its windows, the windows' days, the target
 * rules, the agencies (level, parent) and procedures (online level), the open alerts and the policy (fixed
 * for the process). Between two sweeps:
 * - counts change only through the aggregator, which names the agencies whose buckets it changed in
 *   `alert_sweep_pending`, in the same transaction (migration AlertSweepPending1765700000000);
 * - open alerts change only through evaluations (this sweep's code, or the rate-change path, both under the
 *   PostgreSQL advisory lock and decided from the counts) and through acknowledgements, which do not change
 *   a decision (`decideAlert` treats acknowledged like firing).
 * So while the windows, rules and reference data are what they were at this process's last full sweep, an
 * incremental sweep that evaluates only the pending agencies decides exactly what a full sweep would. Any
 * of them changed, or no full sweep yet in this process, or the last one `fullIntervalMs` ago: a full sweep.
 * The interval is a safety net (and bounds the work after a missed case); it is not needed for exactness.
 */
export type SweepMode =
  | { mode: 'full'; reason: 'first' | 'windowsMoved' | 'rulesChanged' | 'referenceDataChanged' | 'interval' }
  | { mode: 'incremental' };

/** Digests of what a sweep's decisions depend on besides the counts and the open alerts. */
export interface SweepInputsDigest {
  windows: string;
  rules: string;
  referenceData: string;
}

/** The last full sweep this process committed. */
export interface FullSweepRecord {
  digest: SweepInputsDigest;
  atMs: number;
}

export function sweepInputsDigest(input: {
  windows: ReadonlyArray<{ kind: string; window: DayWindow }>;
  rules: readonly TargetRule[];
  agencies: ReadonlyMap<string, AgencyInfo>;
  procedures: ReadonlyMap<string, ProcedureInfo>;
}): SweepInputsDigest {
  const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
  const sorted = <T>(values: Iterable<T>, key: (value: T) => string) => [...values].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    windows: digest(input.windows.map((w) => [w.kind, w.window.firstDay, w.window.lastDay])),
    rules: digest(sorted(input.rules, (rule) => rule.id)),
    // Names too: they are written into the explanations of the alerts that open or resolve.
    referenceData: digest([
      sorted(input.agencies.values(), (a) => a.code).map((a) => [a.code, a.name, a.level, a.parentCode]),
      sorted(input.procedures.values(), (p) => p.code).map((p) => [p.code, p.name, p.onlineLevel]),
    ]),
  };
}

/** `fullIntervalMs` 0: every sweep is full. */
export function chooseSweepMode(last: FullSweepRecord | null, current: SweepInputsDigest, nowMs: number, fullIntervalMs: number): SweepMode {
  if (last === null) return { mode: 'full', reason: 'first' };
  if (last.digest.windows !== current.windows) return { mode: 'full', reason: 'windowsMoved' };
  if (last.digest.rules !== current.rules) return { mode: 'full', reason: 'rulesChanged' };
  if (last.digest.referenceData !== current.referenceData) return { mode: 'full', reason: 'referenceDataChanged' };
  if (nowMs - last.atMs >= fullIntervalMs) return { mode: 'full', reason: 'interval' };
  return { mode: 'incremental' };
}

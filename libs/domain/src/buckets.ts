import { DossierState, isCompletedOnTime } from './dossier-state';
import { vietnamDay } from './vietnam-time';

export interface BucketKey {
  /** Vietnam's calendar day, `YYYY-MM-DD`. */
  day: string;
  agencyCode: string;
  procedureCode: string;
}

export interface BucketCounters {
  received: number;
  receivedOnline: number;
  completed: number;
  completedOnTime: number;
  paid: number;
  paidOnline: number;
  withdrawn: number;
}

export const COUNTER_NAMES: ReadonlyArray<keyof BucketCounters> = [
  'received',
  'receivedOnline',
  'completed',
  'completedOnTime',
  'paid',
  'paidOnline',
  'withdrawn',
];

export type BucketDelta = BucketKey & BucketCounters;

const ZERO: BucketCounters = {
  received: 0,
  receivedOnline: 0,
  completed: 0,
  completedOnTime: 0,
  paid: 0,
  paidOnline: 0,
  withdrawn: 0,
};

/** What one dossier in `state` adds to the day buckets. */
export function contributionsOf(state: DossierState): BucketDelta[] {
  const contributions: BucketDelta[] = [];
  const { received, completed, firstPayment, withdrawn } = state;
  if (received) {
    contributions.push({
      ...ZERO,
      day: vietnamDay(received.receivedAt),
      agencyCode: received.agencyCode,
      procedureCode: received.procedureCode,
      received: 1,
      receivedOnline: received.channel === 'online' ? 1 : 0,
    });
  }
  if (completed) {
    contributions.push({
      ...ZERO,
      day: vietnamDay(completed.completedAt),
      agencyCode: completed.agencyCode,
      procedureCode: completed.procedureCode,
      completed: 1,
      completedOnTime: isCompletedOnTime(state) ? 1 : 0,
    });
  }
  if (firstPayment) {
    contributions.push({
      ...ZERO,
      day: vietnamDay(firstPayment.paidAt),
      agencyCode: firstPayment.agencyCode,
      procedureCode: firstPayment.procedureCode,
      paid: 1,
      paidOnline: state.paidOnline ? 1 : 0,
    });
  }
  if (withdrawn) {
    contributions.push({
      ...ZERO,
      day: vietnamDay(withdrawn.withdrawnAt),
      agencyCode: withdrawn.agencyCode,
      procedureCode: withdrawn.procedureCode,
      withdrawn: 1,
    });
  }
  return contributions;
}

/**
 * Sums the change a batch makes to the buckets: each dossier's contributions before (subtracted) and
 * after (added). Buckets whose counters all net to zero are dropped.
 */
export class BucketDeltas {
  private readonly byKey = new Map<string, BucketDelta>();

  /** Records a dossier moving from `before` to `after`. */
  addTransition(before: DossierState, after: DossierState): void {
    for (const contribution of contributionsOf(before)) this.add(contribution, -1);
    for (const contribution of contributionsOf(after)) this.add(contribution, +1);
  }

  /** Non-zero deltas in a stable order, so concurrent writers lock bucket rows in the same order. */
  toSortedList(): BucketDelta[] {
    return [...this.byKey.values()]
      .filter((delta) => COUNTER_NAMES.some((name) => delta[name] !== 0))
      .sort(compareBucketKeys);
  }

  private add(contribution: BucketDelta, sign: 1 | -1): void {
    const key = JSON.stringify([contribution.day, contribution.agencyCode, contribution.procedureCode]);
    let delta = this.byKey.get(key);
    if (!delta) {
      delta = { ...ZERO, day: contribution.day, agencyCode: contribution.agencyCode, procedureCode: contribution.procedureCode };
      this.byKey.set(key, delta);
    }
    for (const name of COUNTER_NAMES) delta[name] += sign * contribution[name];
  }
}

export function compareBucketKeys(a: BucketKey, b: BucketKey): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  if (a.agencyCode !== b.agencyCode) return a.agencyCode < b.agencyCode ? -1 : 1;
  if (a.procedureCode !== b.procedureCode) return a.procedureCode < b.procedureCode ? -1 : 1;
  return 0;
}

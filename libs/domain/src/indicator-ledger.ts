import { instantToEpochMillis } from '@dvc/contracts';
import { DossierState } from './dossier-state';
import { vietnamDay } from './vietnam-time';

/**
 * What the national indicators need beyond the rate buckets, kept exact the same way: every changed dossier's
 * contribution before is subtracted and after is added, in the aggregator's transaction.
 *
 * - Indicator buckets, per Vietnam day × agency × procedure: dossiers received that day which have a payment and
 *   which were paid online (3.6, by reception day, so the rate's parts never exceed its whole), and dossiers
 *   completed that day whose reception is known, with their total resolution time in seconds (2.2).
 * - Dossier spans: dossiers counted by (reception day, due day, closing day). A dossier is in progress at the end
 *   of day D when it was received by D and closed after D; within its deadline when due after D (2.1). Open
 *   dossiers and dossiers without a due time carry `OPEN_DAY`.
 */

/** The closing or due day of a dossier that has none: later than any real day, so "after D" holds for it. */
export const OPEN_DAY = '9999-12-31';

export interface IndicatorBucketDelta {
  day: string;
  agencyCode: string;
  procedureCode: string;
  receivedWithPayment: number;
  receivedPaidOnline: number;
  resolved: number;
  resolutionSeconds: number;
}

export interface DossierSpanDelta {
  agencyCode: string;
  procedureCode: string;
  receivedDay: string;
  dueDay: string;
  closedDay: string;
  dossiers: number;
}

/** Whole seconds from reception to completion; a completion stamped before the reception counts as 0. */
export function resolutionSecondsOf(state: DossierState): number | null {
  if (!state.received || !state.completed) return null;
  const millis = instantToEpochMillis(state.completed.completedAt) - instantToEpochMillis(state.received.receivedAt);
  return Math.max(0, Math.floor(millis / 1000));
}

function indicatorContributions(state: DossierState, visit: (row: IndicatorBucketDelta) => void): void {
  const { received, completed } = state;
  if (received) {
    visit({
      day: vietnamDay(received.receivedAt),
      agencyCode: received.agencyCode,
      procedureCode: received.procedureCode,
      receivedWithPayment: state.firstPayment ? 1 : 0,
      receivedPaidOnline: state.firstPayment && state.paidOnline ? 1 : 0,
      resolved: 0,
      resolutionSeconds: 0,
    });
  }
  const seconds = resolutionSecondsOf(state);
  if (completed && seconds !== null) {
    visit({
      day: vietnamDay(completed.completedAt),
      agencyCode: completed.agencyCode,
      procedureCode: completed.procedureCode,
      receivedWithPayment: 0,
      receivedPaidOnline: 0,
      resolved: 1,
      resolutionSeconds: seconds,
    });
  }
}

/** The one span a dossier occupies, or none before its reception is known. */
export function dossierSpanOf(state: DossierState): Omit<DossierSpanDelta, 'dossiers'> | null {
  const { received, completed, withdrawn } = state;
  if (!received) return null;
  const completedDay = completed ? vietnamDay(completed.completedAt) : OPEN_DAY;
  const withdrawnDay = withdrawn ? vietnamDay(withdrawn.withdrawnAt) : OPEN_DAY;
  return {
    agencyCode: received.agencyCode,
    procedureCode: received.procedureCode,
    receivedDay: vietnamDay(received.receivedAt),
    dueDay: received.dueAt ? vietnamDay(received.dueAt) : OPEN_DAY,
    closedDay: completedDay < withdrawnDay ? completedDay : withdrawnDay,
  };
}

const isNonZeroBucket = (row: IndicatorBucketDelta) =>
  row.receivedWithPayment !== 0 || row.receivedPaidOnline !== 0 || row.resolved !== 0 || row.resolutionSeconds !== 0;

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sums what a batch changes in the indicator buckets and the dossier spans; rows netting to zero are dropped. */
export class IndicatorLedgerDeltas {
  private readonly buckets = new Map<string, IndicatorBucketDelta>();
  private readonly spans = new Map<string, DossierSpanDelta>();

  addTransition(before: DossierState, after: DossierState): void {
    indicatorContributions(before, (row) => this.addBucket(row, -1));
    indicatorContributions(after, (row) => this.addBucket(row, +1));
    const spanBefore = dossierSpanOf(before);
    const spanAfter = dossierSpanOf(after);
    if (spanBefore) this.addSpan(spanBefore, -1);
    if (spanAfter) this.addSpan(spanAfter, +1);
  }

  /** Sorted by key, so that concurrent writers lock rows in the same order. */
  bucketList(): IndicatorBucketDelta[] {
    return [...this.buckets.values()]
      .filter(isNonZeroBucket)
      .sort((a, b) => compareText(a.day, b.day) || compareText(a.agencyCode, b.agencyCode) || compareText(a.procedureCode, b.procedureCode));
  }

  spanList(): DossierSpanDelta[] {
    return [...this.spans.values()]
      .filter((row) => row.dossiers !== 0)
      .sort(
        (a, b) =>
          compareText(a.agencyCode, b.agencyCode) ||
          compareText(a.procedureCode, b.procedureCode) ||
          compareText(a.receivedDay, b.receivedDay) ||
          compareText(a.dueDay, b.dueDay) ||
          compareText(a.closedDay, b.closedDay),
      );
  }

  private addBucket(row: IndicatorBucketDelta, sign: 1 | -1): void {
    // As in BucketDeltas: the day is 10 characters and the agency code's length makes the rest unambiguous
    // (this runs twice per changed dossier in the aggregator).
    const key = `${row.day}${row.agencyCode.length}:${row.agencyCode}${row.procedureCode}`;
    let total = this.buckets.get(key);
    if (!total) {
      // Literals of one shape rather than spreads (a spread copy costs several times the rest of this method).
      total = { day: row.day, agencyCode: row.agencyCode, procedureCode: row.procedureCode, receivedWithPayment: 0, receivedPaidOnline: 0, resolved: 0, resolutionSeconds: 0 };
      this.buckets.set(key, total);
    }
    // Branches rather than `sign * x`: `-1 * 0` is `-0`, which turns the counters into doubles (see BucketDeltas).
    if (sign > 0) {
      total.receivedWithPayment += row.receivedWithPayment;
      total.receivedPaidOnline += row.receivedPaidOnline;
      total.resolved += row.resolved;
      total.resolutionSeconds += row.resolutionSeconds;
    } else {
      total.receivedWithPayment -= row.receivedWithPayment;
      total.receivedPaidOnline -= row.receivedPaidOnline;
      total.resolved -= row.resolved;
      total.resolutionSeconds -= row.resolutionSeconds;
    }
  }

  private addSpan(span: Omit<DossierSpanDelta, 'dossiers'>, sign: 1 | -1): void {
    // Three days of 10 characters, then the codes, the agency's made unambiguous by its length.
    const key = `${span.receivedDay}${span.dueDay}${span.closedDay}${span.agencyCode.length}:${span.agencyCode}${span.procedureCode}`;
    let total = this.spans.get(key);
    if (!total) {
      total = { agencyCode: span.agencyCode, procedureCode: span.procedureCode, receivedDay: span.receivedDay, dueDay: span.dueDay, closedDay: span.closedDay, dossiers: 0 };
      this.spans.set(key, total);
    }
    total.dossiers += sign;
  }
}

/** In progress at the end of `day`, by whether the deadline had passed: what 2.1 adds to the completed dossiers. */
export function inProgressAtEndOf(day: string, spans: Iterable<DossierSpanDelta>): { withinDeadline: number; overdue: number } {
  let withinDeadline = 0;
  let overdue = 0;
  for (const span of spans) {
    if (span.receivedDay > day || span.closedDay <= day) continue;
    if (span.dueDay > day) withinDeadline += span.dossiers;
    else overdue += span.dossiers;
  }
  return { withinDeadline, overdue };
}

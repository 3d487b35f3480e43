import { BucketDelta, compareBucketKeys } from './buckets';
import type { IndicatorBucketDelta } from './indicator-ledger';
import { daysInMonth } from './vietnam-time';

/**
 * Month roll-ups of the day buckets: `monthly_buckets` and `monthly_indicator_buckets` hold, per Vietnam month ×
 * agency × procedure, the sums of the day rows of that month; `monthly_agency_buckets` the rate counters per
 * month × agency over all its procedures. The aggregator adds a batch's day deltas folded by
 * month in the same transaction as the day deltas themselves, so a roll-up row always equals the sum of its days.
 * Reads over whole months (a month, a quarter, a year) take a thirtieth of the rows from them.
 */

/** The first day of `day`'s month (`YYYY-MM-DD` → `YYYY-MM-01`): the key of its roll-up row. */
export function monthStartOf(day: string): string {
  return `${day.slice(0, 8)}01`;
}

/** Whether `[fromDay, toDay]` (either open when null) starts on a month's first day and ends on a month's last. */
export function coversWholeMonths(fromDay: string | null, toDay: string | null): boolean {
  if (fromDay !== null && !fromDay.endsWith('-01')) return false;
  if (toDay === null) return true;
  const year = Number(toDay.slice(0, 4));
  const month = Number(toDay.slice(5, 7));
  return Number(toDay.slice(8, 10)) === daysInMonth(year, month);
}

/**
 * A day window as the roll-ups can read it: the whole months inside it (`firstMonth`…`lastMonth`, their first
 * days, both inclusive; null when none) read from the month rows, and the days before and after them read
 * from the day rows. The parts do not overlap and together are exactly the window, so their sums equal the
 * window's day sums. 2025-01-15…2025-04-10 → days 2025-01-15…2025-01-31, months 2025-02…2025-03, days 2025-04-01…2025-04-10.
 */
export interface WindowByRollUps {
  months: { firstMonth: string; lastMonth: string } | null;
  dayRanges: Array<{ firstDay: string; lastDay: string }>;
}

export function splitWindowByMonths(firstDay: string, lastDay: string): WindowByRollUps {
  if (firstDay > lastDay) return { months: null, dayRanges: [] };
  // The first whole month starts at or after firstDay; the last whole month ends at or before lastDay.
  const firstMonth = firstDay.endsWith('-01') ? firstDay : shiftMonth(monthStartOf(firstDay), 1);
  const lastMonth = coversWholeMonths(null, lastDay) ? monthStartOf(lastDay) : shiftMonth(monthStartOf(lastDay), -1);
  if (firstMonth > lastMonth) return { months: null, dayRanges: [{ firstDay, lastDay }] };
  const dayRanges: Array<{ firstDay: string; lastDay: string }> = [];
  if (firstDay < firstMonth) dayRanges.push({ firstDay, lastDay: lastDayOfMonth(monthStartOf(firstDay)) });
  const afterLastMonth = shiftMonth(lastMonth, 1);
  if (afterLastMonth <= lastDay) dayRanges.push({ firstDay: afterLastMonth, lastDay });
  return { months: { firstMonth, lastMonth }, dayRanges };
}

/** `YYYY-MM-01` moved by `months` months. */
function shiftMonth(monthStart: string, months: number): string {
  const index = Number(monthStart.slice(0, 4)) * 12 + Number(monthStart.slice(5, 7)) - 1 + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

function lastDayOfMonth(monthStart: string): string {
  const days = daysInMonth(Number(monthStart.slice(0, 4)), Number(monthStart.slice(5, 7)));
  return `${monthStart.slice(0, 8)}${String(days).padStart(2, '0')}`;
}

/** A batch's day deltas of the rate buckets, summed per month (`day` = the month's first day); zero sums dropped, lock order kept. */
export function rollUpBucketsByMonth(deltas: readonly BucketDelta[]): BucketDelta[] {
  return sumBucketsByMonth(deltas, true);
}

/** The same summed over the procedures too, per month × agency (`procedureCode` is ''): the rows of `monthly_agency_buckets`. */
export function rollUpBucketsByAgencyMonth(deltas: readonly BucketDelta[]): BucketDelta[] {
  return sumBucketsByMonth(deltas, false);
}

function sumBucketsByMonth(deltas: readonly BucketDelta[], byProcedure: boolean): BucketDelta[] {
  const byKey = new Map<string, BucketDelta>();
  for (const delta of deltas) {
    const month = monthStartOf(delta.day);
    const procedureCode = byProcedure ? delta.procedureCode : '';
    const key = `${month}${delta.agencyCode.length}:${delta.agencyCode}${procedureCode}`;
    const sum = byKey.get(key);
    if (!sum) {
      byKey.set(key, {
        day: month,
        agencyCode: delta.agencyCode,
        procedureCode,
        received: delta.received,
        receivedOnline: delta.receivedOnline,
        completed: delta.completed,
        completedOnTime: delta.completedOnTime,
        paid: delta.paid,
        paidOnline: delta.paidOnline,
        withdrawn: delta.withdrawn,
      });
      continue;
    }
    sum.received += delta.received;
    sum.receivedOnline += delta.receivedOnline;
    sum.completed += delta.completed;
    sum.completedOnTime += delta.completedOnTime;
    sum.paid += delta.paid;
    sum.paidOnline += delta.paidOnline;
    sum.withdrawn += delta.withdrawn;
  }
  return [...byKey.values()]
    .filter((sum) => sum.received !== 0 || sum.receivedOnline !== 0 || sum.completed !== 0 || sum.completedOnTime !== 0 || sum.paid !== 0 || sum.paidOnline !== 0 || sum.withdrawn !== 0)
    .sort(compareBucketKeys);
}

/** The same for the indicator buckets. */
export function rollUpIndicatorBucketsByMonth(deltas: readonly IndicatorBucketDelta[]): IndicatorBucketDelta[] {
  const byKey = new Map<string, IndicatorBucketDelta>();
  for (const delta of deltas) {
    const month = monthStartOf(delta.day);
    const key = `${month}${delta.agencyCode.length}:${delta.agencyCode}${delta.procedureCode}`;
    const sum = byKey.get(key);
    if (!sum) {
      byKey.set(key, {
        day: month,
        agencyCode: delta.agencyCode,
        procedureCode: delta.procedureCode,
        receivedWithPayment: delta.receivedWithPayment,
        receivedPaidOnline: delta.receivedPaidOnline,
        resolved: delta.resolved,
        resolutionSeconds: delta.resolutionSeconds,
      });
      continue;
    }
    sum.receivedWithPayment += delta.receivedWithPayment;
    sum.receivedPaidOnline += delta.receivedPaidOnline;
    sum.resolved += delta.resolved;
    sum.resolutionSeconds += delta.resolutionSeconds;
  }
  return [...byKey.values()]
    .filter((sum) => sum.receivedWithPayment !== 0 || sum.receivedPaidOnline !== 0 || sum.resolved !== 0 || sum.resolutionSeconds !== 0)
    .sort(compareBucketKeys);
}

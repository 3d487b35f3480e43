import { parsePeriodLabel, rate, round4, wilsonInterval } from '@dvc/domain';
import type { GroupKey } from '../dtos/rates-query.dto';
import type { RateItemDto } from '../dtos/rate-item.dto';
import type { RateTotals } from '../repositories/rates.repository';

/** The item the API publishes for one period × group: its keys, counters and rates (null on 0 denominators). */
export function toRateItem(totals: RateTotals, groupBy: readonly GroupKey[]): RateItemDto {
  const keys: Pick<RateItemDto, 'agencyCode' | 'procedureCode' | 'sector'> = {};
  if (groupBy.includes('agency')) keys.agencyCode = totals.agencyCode;
  if (groupBy.includes('procedure')) keys.procedureCode = totals.procedureCode;
  // '' is what the query yields for a procedure missing from the catalogue.
  if (groupBy.includes('sector')) keys.sector = totals.sector === '' ? null : totals.sector;
  const ci95 = wilsonInterval(totals.receivedOnline, totals.received);
  return {
    period: totals.period,
    ...keys,
    received: totals.received,
    receivedOnline: totals.receivedOnline,
    onlineRate: rounded(rate(totals.receivedOnline, totals.received)),
    onlineRateCi95: ci95 && [round4(ci95[0]), round4(ci95[1])],
    completed: totals.completed,
    completedOnTime: totals.completedOnTime,
    onTimeRate: rounded(rate(totals.completedOnTime, totals.completed)),
    paid: totals.paid,
    paidOnline: totals.paidOnline,
    paidOnlineRate: rounded(rate(totals.paidOnline, totals.paid)),
    withdrawn: totals.withdrawn,
  };
}

/** The sort key a cursor carries: the period, then the value of each group key (in canonical order). */
export function rateSortKey(totals: RateTotals, groupBy: readonly GroupKey[]): string[] {
  const values: Record<GroupKey, string> = { agency: totals.agencyCode, procedure: totals.procedureCode, sector: totals.sector };
  return [totals.period, ...groupBy.map((key) => values[key])];
}

/**
 * Turns a cursor's sort key (validated: its label is of the query's period kind) into the
 * repository's `[first day of the period, agency, procedure, sector]`.
 */
export function fullSortKey(sortKey: readonly string[], groupBy: readonly GroupKey[]): [string, string, string, string] {
  const valueOf = (key: GroupKey) => (groupBy.includes(key) ? sortKey[1 + groupBy.indexOf(key)] : '');
  const period = parsePeriodLabel(sortKey[0]);
  if (!period) throw new RangeError(`not a period label: ${sortKey[0]}`);
  return [period.firstDay, valueOf('agency'), valueOf('procedure'), valueOf('sector')];
}

function rounded(value: number | null): number | null {
  return value === null ? null : round4(value);
}

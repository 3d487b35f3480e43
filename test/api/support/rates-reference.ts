import { wilsonInterval } from '@dvc/domain';
import { AGENCIES, BUCKETS, BucketFixture, PROCEDURES, PROVINCE } from './rates-fixtures';

/**
 * What `GET /v1/rates` must answer, computed straight from the fixture rows in plain TypeScript, as a
 * check on the SQL that is independent of it.
 */
export interface ReferenceQuery {
  period: 'day' | 'month' | 'quarter' | 'year';
  groupBy?: Array<'agency' | 'procedure' | 'sector'>;
  agencies?: Set<string>;
  procedure?: string;
  fromDay?: string;
  toDay?: string;
}

const COUNTERS = ['received', 'receivedOnline', 'completed', 'completedOnTime', 'paid', 'paidOnline', 'withdrawn'] as const;

function label(day: string, period: ReferenceQuery['period']): string {
  const month = Number(day.slice(5, 7));
  if (period === 'day') return day;
  if (period === 'month') return day.slice(0, 7);
  if (period === 'quarter') return `${day.slice(0, 4)}-Q${Math.ceil(month / 3)}`;
  return day.slice(0, 4);
}

const sectorOf = (procedure: string): string | null => PROCEDURES.find((p) => p.code === procedure)?.sector ?? null;
const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;

export function expectedRates(query: ReferenceQuery): Array<Record<string, unknown>> {
  const groupBy = ['agency', 'procedure', 'sector'].filter((key) => query.groupBy?.includes(key as never));
  const groups = new Map<string, { keys: Record<string, unknown>; sums: Record<string, number> }>();
  for (const row of BUCKETS.filter((b) => matches(b, query))) {
    const keys: Record<string, unknown> = { period: label(row.day, query.period) };
    if (groupBy.includes('agency')) keys.agencyCode = row.agency;
    if (groupBy.includes('procedure')) keys.procedureCode = row.procedure;
    if (groupBy.includes('sector')) keys.sector = sectorOf(row.procedure);
    const id = JSON.stringify(Object.values(keys));
    const group = groups.get(id) ?? { keys, sums: Object.fromEntries(COUNTERS.map((c) => [c, 0])) };
    for (const counter of COUNTERS) group.sums[counter] += row[counter];
    groups.set(id, group);
  }
  return [...groups.values()]
    .filter(({ sums }) => COUNTERS.some((counter) => sums[counter] !== 0))
    .sort((a, b) => compareKeys(Object.values(a.keys), Object.values(b.keys)))
    .map(({ keys, sums }) => {
      const ci = wilsonInterval(sums.receivedOnline, sums.received);
      return {
        ...keys,
        ...sums,
        onlineRate: ratio(sums.receivedOnline, sums.received),
        onlineRateCi95: ci && ci.map((bound) => Math.round(bound * 10_000) / 10_000),
        onTimeRate: ratio(sums.completedOnTime, sums.completed),
        paidOnlineRate: ratio(sums.paidOnline, sums.paid),
      };
    });
}

function matches(row: BucketFixture, query: ReferenceQuery): boolean {
  return (
    (!query.agencies || query.agencies.has(row.agency)) &&
    (!query.procedure || row.procedure === query.procedure) &&
    (!query.fromDay || row.day >= query.fromDay) &&
    (!query.toDay || row.day <= query.toDay)
  );
}

/** Byte order, as the API sorts ("C" collation); a missing sector sorts first. */
function compareKeys(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const left = String(a[i] ?? '');
    const right = String(b[i] ?? '');
    if (left !== right) return Buffer.compare(Buffer.from(left), Buffer.from(right));
  }
  return 0;
}

/** The agency and all its descendants, walking `parentCode` with a visited set. */
export function subtreeOf(root: string): Set<string> {
  const found = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const agency of AGENCIES) {
      if (agency.parentCode && found.has(agency.parentCode) && !found.has(agency.code)) {
        found.add(agency.code);
        grew = true;
      }
    }
  }
  return found;
}

/**
 * The province operator's scope (demo user `operator`, agencies [000.00.00.H31]), as agency_subtree computes it:
 * the parent loop of the fixtures hangs under no root, so only a token naming one of its agencies would see it.
 */
export const OPERATOR_SCOPE = subtreeOf(PROVINCE);

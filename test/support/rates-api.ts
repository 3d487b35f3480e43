import type { ExpectedCounts } from './ground-truth';
import { passwordToken } from './keycloak';
import type { ServiceProcess } from './service-process';

export interface RateItem extends ExpectedCounts {
  period: string;
  agencyCode?: string;
  procedureCode?: string;
  onlineRate: number | null;
  onlineRateCi95: [number, number] | null;
}

/** Every page of `GET /v1/rates?<query>`, as the province operator (whose scope sees the scenario's agencies). */
export async function allRates(api: ServiceProcess, query: string): Promise<RateItem[]> {
  const items: RateItem[] = [];
  let cursor: string | null = null;
  const headers = { authorization: `Bearer ${await passwordToken('operator')}` };
  do {
    const url: string = `${api.url}/v1/rates?${query}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { items: RateItem[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export const COUNTERS: Array<keyof ExpectedCounts> = ['received', 'receivedOnline', 'completed', 'completedOnTime', 'paid', 'paidOnline', 'withdrawn'];
export const countsOf = (item: ExpectedCounts) => Object.fromEntries(COUNTERS.map((name) => [name, item[name]]));

/**
 * What the API reports per (month, agency, procedure) over 2025, and what the ground truth says it should
 * (its non-empty buckets), each as a sorted object: `expect(actual).toEqual(wanted)`.
 */
export async function apiMonthlyRatesAndTruth(api: ServiceProcess, expected: Map<string, ExpectedCounts>) {
  const items = await allRates(api, 'period=month&groupBy=agency,procedure&from=2025-01&to=2025-12');
  const actual = new Map(items.map((item) => [`${item.period}|${item.agencyCode}|${item.procedureCode}`, countsOf(item)]));
  const wanted = new Map([...expected].filter(([, counts]) => COUNTERS.some((name) => counts[name] !== 0)).map(([key, counts]) => [key, countsOf(counts)]));
  return { items, actual: Object.fromEntries([...actual].sort()), wanted: Object.fromEntries([...wanted].sort()) };
}

import {
  BIRTH,
  BUILDING_PERMIT,
  COMMUNE_1,
  COMMUNE_2,
  CONSTRUCTION_DEPARTMENT,
  DISTRICT,
  JUSTICE_DEPARTMENT,
  LOOP_A,
  MARRIAGE,
  PROVINCE,
  UNCATALOGUED,
} from './rates-fixtures';
import { ALICE, BOB, useSignedInApi } from './signed-in-api';

/**
 * The shared world of the alerts API specs (test/api/alerts-listing, alerts-acknowledge, recipients-api and
 * zero-uptake-api): the API in-process on a fresh database of the spec's own, two signed-in province
 * operators, the alerts A1…A8 with their history, and monthly buckets for zero uptake. Each spec file calls
 * useAlertsApi once, in its top-level describe, with its own database name.
 */

export { ALICE, BOB } from './signed-in-api';

export const SWEEPER = 'alerting';
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';
/** A target that has been deleted since its alert opened. */
export const DELETED_TARGET = '0d0d0d0d-0000-4000-8000-000000000000';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// Alert ids sort in the order of their names, so ties on opened_at (A5, A6, A8) have a known order.
export const A1 = 'a1000000-0000-4000-8000-000000000000'; // district as a whole, firing, critical
export const A2 = 'a2000000-0000-4000-8000-000000000000'; // commune 1 × birth, firing, rolling30d
export const A3 = 'a3000000-0000-4000-8000-000000000000'; // justice × marriage, acknowledged, onTimeRate, rule deleted
export const A4 = 'a4000000-0000-4000-8000-000000000000'; // province, resolved, opened on 28 Feb (Vietnam)
export const A5 = 'a5000000-0000-4000-8000-000000000000'; // commune 2 × birth, firing, critical
export const A6 = 'a6000000-0000-4000-8000-000000000000'; // loop A, firing (same opened_at as A5)
export const A7 = 'a7000000-0000-4000-8000-000000000000'; // district × birth, resolved, opened on 1 Mar (Vietnam)
// A6's twin inside the province (A6's loop hangs under no root, so no signed-in operator sees A6), opened with A5.
export const A8 = 'a8000000-0000-4000-8000-000000000000'; // construction department, firing (same opened_at as A5)

interface AlertSeed {
  id: string;
  target: 'critical' | 'warning' | 'deleted';
  agency: string;
  procedure: string | null;
  window: string;
  metric: 'onlineRate' | 'onTimeRate';
  severity: 'critical' | 'warning';
  status: 'firing' | 'acknowledged' | 'resolved';
  openedAt: string;
  acknowledged?: { at: string; by: string; comment: string };
  resolved?: { at: string; reason: string };
}

export const SEEDS: AlertSeed[] = [
  { id: A1, target: 'critical', agency: DISTRICT, procedure: null, window: 'monthToDate', metric: 'onlineRate', severity: 'critical', status: 'firing', openedAt: '2025-03-10T02:00:00Z' },
  { id: A2, target: 'warning', agency: COMMUNE_1, procedure: BIRTH, window: 'rolling30d', metric: 'onlineRate', severity: 'warning', status: 'firing', openedAt: '2025-03-11T02:00:00Z' },
  {
    id: A3, target: 'deleted', agency: JUSTICE_DEPARTMENT, procedure: MARRIAGE, window: 'monthToDate', metric: 'onTimeRate', severity: 'warning', status: 'acknowledged',
    openedAt: '2025-03-05T02:00:00Z', acknowledged: { at: '2025-03-05T03:00:00Z', by: BOB, comment: 'Đang xử lý' },
  },
  {
    id: A4, target: 'warning', agency: PROVINCE, procedure: null, window: 'monthToDate', metric: 'onlineRate', severity: 'warning', status: 'resolved',
    openedAt: '2025-02-28T16:59:59.999Z', resolved: { at: '2025-03-02T01:00:00Z', reason: 'recovered' },
  },
  { id: A5, target: 'critical', agency: COMMUNE_2, procedure: BIRTH, window: 'monthToDate', metric: 'onlineRate', severity: 'critical', status: 'firing', openedAt: '2025-03-12T02:00:00Z' },
  { id: A6, target: 'warning', agency: LOOP_A, procedure: null, window: 'monthToDate', metric: 'onlineRate', severity: 'warning', status: 'firing', openedAt: '2025-03-12T02:00:00Z' },
  { id: A8, target: 'warning', agency: CONSTRUCTION_DEPARTMENT, procedure: null, window: 'monthToDate', metric: 'onlineRate', severity: 'warning', status: 'firing', openedAt: '2025-03-12T02:00:00Z' },
  {
    id: A7, target: 'warning', agency: DISTRICT, procedure: BIRTH, window: 'monthToDate', metric: 'onlineRate', severity: 'warning', status: 'resolved',
    openedAt: '2025-02-28T17:00:00Z', resolved: { at: '2025-03-20T01:00:00Z', reason: 'ruleNoLongerApplies' },
  },
];

/** What the alerting service stores as last_evaluation (numbers chosen by hand). */
export function evaluationOf(seed: AlertSeed, threshold: number): Json {
  return {
    successes: 5,
    trials: 120,
    rate: 0.0417,
    interval: [0.018, 0.0941],
    threshold,
    resolveMargin: 0.05,
    resolveAt: threshold + 0.05,
    minimumDossiers: 30,
    windowKind: seed.window,
    window: { firstDay: '2025-03-01', lastDay: seed.openedAt.slice(0, 10) },
    reason: 'belowTarget',
  };
}

export function explanationOf(seed: AlertSeed, threshold: number, targetId: string): Json {
  return {
    agencyName: seed.agency,
    procedureName: seed.procedure,
    window: { firstDay: '2025-03-01', lastDay: seed.openedAt.slice(0, 10) },
    previousWindow: { firstDay: '2025-02-01', lastDay: '2025-02-10' },
    trend: { currentRate: 0.0417, previousRate: 0.08, change: -0.0383, direction: 'down' },
    previous: { successes: 8, trials: 100 },
    target: { ruleId: targetId, scope: { kind: 'all' }, matchedBy: { kind: 'all' }, threshold, severity: seed.severity, metric: seed.metric },
    topProcedures:
      seed.procedure === null
        ? [{ procedureCode: BIRTH, procedureName: 'Đăng ký khai sinh', successes: 5, trials: 120, rate: 0.0417, shortfall: 7, missingToReachTarget: 7, shareOfShortfall: 1, agencyRateIfAtTarget: 0.1 }]
        : [],
  };
}

/** Monthly buckets of our own around September 2025 for zero uptake (the shared fixtures add March). */
const ZERO_UPTAKE_BUCKETS: Array<[string, string, string, number, number, number, number]> = [
  // day, agency, procedure, received, received_online, completed, withdrawn
  ['2025-08-31', COMMUNE_1, MARRIAGE, 1, 1, 0, 0],
  ['2025-09-01', COMMUNE_1, MARRIAGE, 5, 0, 2, 1],
  ['2025-09-15', COMMUNE_1, MARRIAGE, 3, 0, 1, 0],
  ['2025-09-02', COMMUNE_2, BIRTH, 8, 0, 0, 0],
  ['2025-09-03', DISTRICT, BIRTH, 20, 0, 4, 0],
  ['2025-09-30', DISTRICT, BIRTH, 1, 1, 0, 0],
  ['2025-09-04', JUSTICE_DEPARTMENT, BIRTH, 3, 0, 3, 0],
  // Not offered online: never listed, however many dossiers.
  ['2025-09-05', CONSTRUCTION_DEPARTMENT, BUILDING_PERMIT, 50, 0, 0, 0],
  // Not in the catalogue: online level unknown, never listed.
  ['2025-09-06', PROVINCE, UNCATALOGUED, 9, 0, 0, 0],
  // Nothing received: not listed.
  ['2025-09-07', COMMUNE_2, MARRIAGE, 0, 0, 3, 0],
  ['2025-10-01', COMMUNE_2, BIRTH, 2, 0, 0, 0],
];

/**
 * Registers the spec's beforeAll (the API, both operators signed in, the seeds below) and afterAll; returns
 * the database client and the request helpers.
 */
export function useAlertsApi(database: string) {
  const targetIds: Record<'critical' | 'warning' | 'deleted', string> = { critical: '', warning: '', deleted: DELETED_TARGET };
  const thresholds = { critical: 0.1, warning: 0.5 };
  const api = useSignedInApi(database, async (db) => {
    const defaults = await db.query(`SELECT id, severity FROM targets WHERE scope_kind = 'all' AND metric = 'onlineRate'`);
    for (const row of defaults.rows) targetIds[row.severity as 'critical' | 'warning'] = row.id;
    expect(targetIds.critical).not.toBe('');
    expect(targetIds.warning).not.toBe('');

    for (const seed of SEEDS) {
      const threshold = thresholds[seed.severity];
      const targetId = targetIds[seed.target];
      await db.query(
        `INSERT INTO alerts (id, target_id, agency_code, procedure_code, window_kind, metric, severity, threshold, status, opened_at,
                             acknowledged_at, acknowledged_by, acknowledge_comment, resolved_at, resolve_reason, last_evaluated_at, last_evaluation, explanation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $10::timestamptz + interval '5 minutes', $16, $17)`,
        [
          seed.id, targetId, seed.agency, seed.procedure, seed.window, seed.metric, seed.severity, threshold, seed.status, seed.openedAt,
          seed.acknowledged?.at ?? null, seed.acknowledged?.by ?? null, seed.acknowledged?.comment ?? null,
          seed.resolved?.at ?? null, seed.resolved?.reason ?? null,
          JSON.stringify(evaluationOf(seed, threshold)), JSON.stringify(explanationOf(seed, threshold, targetId)),
        ],
      );
      await db.query(
        `INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, details) VALUES ($1, $2, NULL, 'firing', $3, $4)`,
        [seed.id, seed.openedAt, SWEEPER, JSON.stringify({ reason: 'belowTarget' })],
      );
      if (seed.acknowledged) {
        await db.query(
          `INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, comment) VALUES ($1, $2, 'firing', 'acknowledged', $3, $4)`,
          [seed.id, seed.acknowledged.at, seed.acknowledged.by, seed.acknowledged.comment],
        );
      }
      if (seed.resolved) {
        await db.query(
          `INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, details) VALUES ($1, $2, 'firing', 'resolved', $3, $4)`,
          [seed.id, seed.resolved.at, SWEEPER, JSON.stringify({ reason: seed.resolved.reason })],
        );
      }
    }
    for (const [day, agency, procedure, received, receivedOnline, completed, withdrawn] of ZERO_UPTAKE_BUCKETS) {
      await db.query(
        `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, withdrawn) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [day, agency, procedure, received, receivedOnline, completed, withdrawn],
      );
    }
  });
  const { db, as, get } = api;
  const acknowledge = (id: string, body: unknown, actor: string | null = ALICE) => as(actor).post(`/v1/alerts/${id}/acknowledge`).send(body as object);
  const count = async (table: string) => Number((await db.query(`SELECT count(*) FROM ${table}`)).rows[0].count);

  async function ids(query: Record<string, string>): Promise<string[]> {
    const response = await get('/v1/alerts', query);
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    return response.body.items.map((item: Json) => item.id);
  }

  async function allPages(path: string, query: Record<string, string>): Promise<{ items: Json[]; pages: number }> {
    const items: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(path, { ...query, ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(Number(query.limit ?? 100));
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    return { items, pages };
  }

  return { ...api, targetIds, acknowledge, count, ids, allPages };
}

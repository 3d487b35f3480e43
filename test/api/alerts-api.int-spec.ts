import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { setupOpenApi } from '../../services/api/src/openapi';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { DEMO_USERS, signedIn, signIn } from './support/signed-in';
import {
  BIRTH,
  BUILDING_PERMIT,
  COMMUNE_1,
  COMMUNE_2,
  CONSTRUCTION_DEPARTMENT,
  DISTRICT,
  JUSTICE_DEPARTMENT,
  LOOP_A,
  LOOP_B,
  MARRIAGE,
  PROVINCE,
  UNCATALOGUED,
} from './support/rates-fixtures';

const DATABASE = 'dvc_monitor_api_alerts_test';
const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** Two province operators of the demo realm (real Keycloak tokens): changes are recorded with the token's name. */
const ALICE = DEMO_USERS.operator.name;
const BOB = DEMO_USERS.operator2.name;
const SWEEPER = 'alerting';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
/** A target that has been deleted since its alert opened. */
const DELETED_TARGET = '0d0d0d0d-0000-4000-8000-000000000000';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// Alert ids sort in the order of their names, so ties on opened_at (A5, A6, A8) have a known order.
const A1 = 'a1000000-0000-4000-8000-000000000000'; // district as a whole, firing, critical
const A2 = 'a2000000-0000-4000-8000-000000000000'; // commune 1 × birth, firing, rolling30d
const A3 = 'a3000000-0000-4000-8000-000000000000'; // justice × marriage, acknowledged, onTimeRate, rule deleted
const A4 = 'a4000000-0000-4000-8000-000000000000'; // province, resolved, opened on 28 Feb (Vietnam)
const A5 = 'a5000000-0000-4000-8000-000000000000'; // commune 2 × birth, firing, critical
const A6 = 'a6000000-0000-4000-8000-000000000000'; // loop A, firing (same opened_at as A5)
const A7 = 'a7000000-0000-4000-8000-000000000000'; // district × birth, resolved, opened on 1 Mar (Vietnam)
// A6's twin inside the province (A6's loop hangs under no root, so no signed-in operator sees A6), opened with A5.
const A8 = 'a8000000-0000-4000-8000-000000000000'; // construction department, firing (same opened_at as A5)

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

const SEEDS: AlertSeed[] = [
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
function evaluationOf(seed: AlertSeed, threshold: number): Json {
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

function explanationOf(seed: AlertSeed, threshold: number, targetId: string): Json {
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

describe('alerts, recipients and zero-uptake API (real PostgreSQL)', () => {
  let app: INestApplication;
  let db: Client;
  const targetIds: Record<'critical' | 'warning' | 'deleted', string> = { critical: '', warning: '', deleted: DELETED_TARGET };
  const thresholds = { critical: 0.1, warning: 0.5 };
  const tokens = new Map<string, string>();
  const subjects = new Map<string, string>();

  beforeAll(async () => {
    app = await startApiOnFreshDatabase(DATABASE, setupOpenApi);
    for (const [name, user] of [[ALICE, 'operator'], [BOB, 'operator2']] as const) {
      const { token, subject } = await signIn(user);
      tokens.set(name, token);
      subjects.set(name, subject);
    }
    db = new Client({ connectionString: `${SERVER_URL}/${DATABASE}` });
    await db.connect();
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

  afterAll(async () => {
    await db?.end();
    await stopApi(app, DATABASE);
  });

  const server = () => app.getHttpServer();
  /** Signed in as the operator named `actor` (ALICE or BOB), or with no token at all (`null`). */
  const as = (actor: string | null) => (actor === null ? request(server()) : signedIn(app, tokens.get(actor)!));
  const get = (path: string, query: Record<string, string> = {}) => as(ALICE).get(path).query(query);
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

  describe('GET /v1/alerts', () => {
    it('lists the open alerts by default, newest first, ties by id descending', async () => {
      expect(await ids({})).toEqual([A8, A5, A2, A1, A3]);
      expect(await ids({ status: 'open' })).toEqual([A8, A5, A2, A1, A3]);
      expect(await ids({ status: 'all' })).toEqual([A8, A5, A2, A1, A3, A7, A4]);
    });

    it('shows each alert with its numbers, as stored', async () => {
      const response = await get('/v1/alerts', { agency: DISTRICT });
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([
        {
          id: A1,
          kind: 'belowTarget',
          status: 'firing',
          severity: 'critical',
          metric: 'onlineRate',
          threshold: 0.1,
          agencyCode: DISTRICT,
          agencyName: 'UBND huyện Văn Lâm',
          procedureCode: null,
          procedureName: null,
          windowKind: 'monthToDate',
          targetId: targetIds.critical,
          sourceUri: null,
          openedAt: '2025-03-10T02:00:00.000Z',
          lastEvaluatedAt: '2025-03-10T02:05:00.000Z',
          evaluation: evaluationOf(SEEDS[0], 0.1),
          acknowledgedAt: null,
          acknowledgedBy: null,
          acknowledgeComment: null,
          resolvedAt: null,
          resolveReason: null,
          escalatedAt: null,
          reminderCount: 0,
          lastRemindedAt: null,
        },
      ]);
      const [resolved] = (await get('/v1/alerts', { status: 'resolved', agency: PROVINCE })).body.items;
      expect(resolved).toMatchObject({ id: A4, status: 'resolved', resolvedAt: '2025-03-02T01:00:00.000Z', resolveReason: 'recovered', procedureName: null });
    });

    it('filters by status, severity, metric, procedure and window', async () => {
      expect(await ids({ status: 'resolved' })).toEqual([A7, A4]);
      expect(await ids({ status: 'firing,resolved' })).toEqual([A8, A5, A2, A1, A7, A4]);
      expect(await ids({ status: 'acknowledged' })).toEqual([A3]);
      expect(await ids({ severity: 'critical' })).toEqual([A5, A1]);
      expect(await ids({ severity: 'warning', status: 'all' })).toEqual([A8, A2, A3, A7, A4]);
      expect(await ids({ metric: 'onTimeRate' })).toEqual([A3]);
      expect(await ids({ procedure: BIRTH })).toEqual([A5, A2]);
      expect(await ids({ procedure: BIRTH, status: 'all' })).toEqual([A5, A2, A7]);
      expect(await ids({ window: 'rolling30d' })).toEqual([A2]);
      expect(await ids({ window: 'rolling7d' })).toEqual([]);
      expect(await ids({ severity: 'critical', procedure: BIRTH, agency: COMMUNE_2 })).toEqual([A5]);
    });

    it('filters by agency, or by agency with its subtree, within the caller’s scope', async () => {
      expect(await ids({ agency: DISTRICT })).toEqual([A1]);
      expect(await ids({ agency: DISTRICT, subtree: 'false' })).toEqual([A1]);
      expect(await ids({ agency: DISTRICT, subtree: 'true' })).toEqual([A5, A2, A1]);
      expect(await ids({ agency: DISTRICT, subtree: 'true', status: 'all' })).toEqual([A5, A2, A1, A7]);
      expect(await ids({ agency: PROVINCE, subtree: 'true', status: 'all' })).toEqual([A8, A5, A2, A1, A3, A7, A4]);
      expect(await ids({ agency: COMMUNE_1, subtree: 'true' })).toEqual([A2]);
      // The loop hangs under no root: outside the operator's scope, its alert A6 is listed by no filter.
      expect(await ids({ agency: LOOP_B, subtree: 'true' })).toEqual([]);
      expect(await ids({ agency: LOOP_A })).toEqual([]);
      expect((await get(`/v1/alerts/${A6}`)).status).toBe(404);
      expect(await ids({ agency: 'UNKNOWN', subtree: 'true' })).toEqual([]);
    });

    it('filters by opening time: days in Asia/Ho_Chi_Minh, both bounds inclusive, or instants', async () => {
      // A4 opened at 23:59:59.999 on 28 Feb in Vietnam, A7 at 00:00 on 1 March.
      expect(await ids({ status: 'all', openedFrom: '2025-03-01' })).toEqual([A8, A5, A2, A1, A3, A7]);
      expect(await ids({ status: 'all', openedTo: '2025-02-28' })).toEqual([A4]);
      expect(await ids({ status: 'all', openedFrom: '2025-03-01', openedTo: '2025-03-01' })).toEqual([A7]);
      expect(await ids({ status: 'all', openedFrom: '2025-03-10T09:00:00+07:00', openedTo: '2025-03-11T02:00:00Z' })).toEqual([A2, A1]);
      expect(await ids({ status: 'all', openedFrom: '2025-03-10T09:00:00.001+07:00' })).toEqual([A8, A5, A2]);
    });

    it('pages through every alert exactly once, in order', async () => {
      const { items, pages } = await allPages('/v1/alerts', { status: 'all', limit: '2' });
      expect(pages).toBe(4);
      expect(items.map((item) => item.id)).toEqual([A8, A5, A2, A1, A3, A7, A4]);
      // A page boundary between the two alerts opened at the same instant.
      const first = await get('/v1/alerts', { limit: '1' });
      expect(first.body.items.map((item: Json) => item.id)).toEqual([A8]);
      const second = await get('/v1/alerts', { limit: '1', cursor: first.body.nextCursor });
      expect(second.body.items.map((item: Json) => item.id)).toEqual([A5]);
      const last = await get('/v1/alerts', { limit: '5' });
      expect(last.body.items).toHaveLength(5);
      expect(last.body.nextCursor).toBeNull();
    });

    it.each([
      [{ status: 'closed' }, /^status: "closed" is not a status/],
      [{ severity: 'info' }, /^severity: "info" is not allowed; use one of critical, warning$/],
      [{ metric: 'paidRate' }, /^metric: "paidRate" is not allowed/],
      [{ subtree: 'true' }, /^subtree: needs agency/],
      [{ window: '30d' }, /^window: "30d" is not a window/],
      [{ openedFrom: 'yesterday' }, /^openedFrom: "yesterday" is not a day/],
      [{ openedFrom: '2025-03-02', openedTo: '2025-03-01' }, /^openedFrom: is after openedTo/],
      [{ cursor: 'garbage' }, /^cursor: is not a cursor/],
      [{ limit: '0' }, /^limit: "0" is not allowed/],
      [{ sort: 'asc' }, /^sort: unknown parameter/],
    ])('answers 400 to %j, naming the parameter', async (query, message) => {
      const response = await get('/v1/alerts', query);
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
    });
  });

  describe('GET /v1/alerts/:id', () => {
    it('shows the numbers, the rule as it is now, the explanation and the history', async () => {
      const rule = await get(`/v1/targets/${targetIds.critical}`);
      expect(rule.status).toBe(200);
      const response = await get(`/v1/alerts/${A1}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: A1, status: 'firing', evaluation: evaluationOf(SEEDS[0], 0.1) });
      expect(response.body.rule).toEqual(rule.body);
      expect(response.body.explanation).toEqual(explanationOf(SEEDS[0], 0.1, targetIds.critical));
      expect(response.body.explanation.topProcedures).toHaveLength(1);
      expect(response.body.history).toEqual([
        { id: expect.stringMatching(/^\d+$/), at: '2025-03-10T02:00:00.000Z', fromStatus: null, toStatus: 'firing', actor: SWEEPER, actorSubject: null, comment: null, details: { reason: 'belowTarget' } },
      ]);
    });

    it('keeps the history in order and shows a deleted rule as null', async () => {
      const acknowledged = await get(`/v1/alerts/${A3}`);
      expect(acknowledged.status).toBe(200);
      expect(acknowledged.body).toMatchObject({ status: 'acknowledged', acknowledgedAt: '2025-03-05T03:00:00.000Z', acknowledgedBy: BOB, acknowledgeComment: 'Đang xử lý', rule: null });
      expect(acknowledged.body.explanation.target.ruleId).toBe(DELETED_TARGET);
      expect(acknowledged.body.history.map((h: Json) => [h.fromStatus, h.toStatus, h.actor, h.comment])).toEqual([
        [null, 'firing', SWEEPER, null],
        ['firing', 'acknowledged', BOB, 'Đang xử lý'],
      ]);
      const resolved = await get(`/v1/alerts/${A7}`);
      expect(resolved.body.history.map((h: Json) => [h.toStatus, h.at, h.details])).toEqual([
        ['firing', '2025-02-28T17:00:00.000Z', { reason: 'belowTarget' }],
        ['resolved', '2025-03-20T01:00:00.000Z', { reason: 'ruleNoLongerApplies' }],
      ]);
    });

    it('answers 404 for an unknown id, also one that is not a UUID', async () => {
      for (const id of [MISSING_ID, 'not-a-uuid']) {
        const response = await get(`/v1/alerts/${id}`);
        expect(response.status).toBe(404);
        expect(response.body.message).toBe(`alert ${JSON.stringify(id)} does not exist`);
      }
    });
  });

  describe('POST /v1/alerts/:id/acknowledge', () => {
    it('acknowledges a firing alert with who, when and the comment, in the alert and its history, enqueuing nothing', async () => {
      const outboxBefore = await count('notification_outbox');
      const response = await acknowledge(A2, { comment: '  Đã giao UBND xã rà soát  ' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: A2,
        status: 'acknowledged',
        acknowledgedAt: expect.stringMatching(ISO),
        acknowledgedBy: ALICE,
        acknowledgeComment: 'Đã giao UBND xã rà soát',
        resolvedAt: null,
      });
      expect(Date.now() - Date.parse(response.body.acknowledgedAt)).toBeLessThan(60_000);
      expect(response.body.history).toHaveLength(2);
      expect(response.body.history[1]).toEqual({
        id: expect.stringMatching(/^\d+$/),
        at: response.body.acknowledgedAt,
        fromStatus: 'firing',
        toStatus: 'acknowledged',
        actor: ALICE,
        actorSubject: subjects.get(ALICE),
        comment: 'Đã giao UBND xã rà soát',
        details: { source: 'api' },
      });
      // What the alerting service reads.
      const row = (await db.query(`SELECT status, acknowledged_by, acknowledge_comment FROM alerts WHERE id = $1`, [A2])).rows[0];
      expect(row).toEqual({ status: 'acknowledged', acknowledged_by: ALICE, acknowledge_comment: 'Đã giao UBND xã rà soát' });
      expect(await count('notification_outbox')).toBe(outboxBefore);
      expect(await ids({ status: 'acknowledged' })).toEqual([A2, A3]);
      expect(await ids({ status: 'firing' })).toEqual([A8, A5, A1]);
      expect(await ids({})).toEqual([A8, A5, A2, A1, A3]);
    });

    it('answers 409 to a second acknowledgement, naming who acknowledged, and changes nothing', async () => {
      const historyBefore = await count('alert_history');
      const response = await acknowledge(A2, { comment: 'lần nữa' }, BOB);
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(new RegExp(`^status: alert ${A2} is already acknowledged \\(by ${ALICE} at \\d{4}-.*Z\\); only a firing alert can be acknowledged$`));
      expect(await count('alert_history')).toBe(historyBefore);
      const row = (await db.query(`SELECT acknowledged_by, acknowledge_comment FROM alerts WHERE id = $1`, [A2])).rows[0];
      expect(row).toEqual({ acknowledged_by: ALICE, acknowledge_comment: 'Đã giao UBND xã rà soát' });
    });

    it('answers 409 for a resolved alert', async () => {
      const response = await acknowledge(A4, { comment: 'muộn' });
      expect(response.status).toBe(409);
      expect(response.body.message).toBe(`status: alert ${A4} is resolved (at 2025-03-02T01:00:00.000Z); only a firing alert can be acknowledged`);
      expect((await db.query(`SELECT status, acknowledged_by FROM alerts WHERE id = $1`, [A4])).rows[0]).toEqual({ status: 'resolved', acknowledged_by: null });
    });

    it('answers 404 for an unknown alert', async () => {
      for (const id of [MISSING_ID, 'nope']) {
        const response = await acknowledge(id, { comment: 'x' });
        expect(response.status).toBe(404);
        expect(response.body.message).toBe(`alert ${JSON.stringify(id)} does not exist`);
      }
    });

    it('answers 401 without a token, 400 without a comment, and changes nothing', async () => {
      const historyBefore = await count('alert_history');
      for (const unauthenticated of [
        await acknowledge(A5, { comment: 'x' }, null),
        await request(server()).post(`/v1/alerts/${A5}/acknowledge`).set('X-Actor', 'alice@hungyen.gov.vn').send({ comment: 'x' }),
      ]) {
        expect(unauthenticated.status).toBe(401);
      }
      const cases: Array<[unknown, string | null, RegExp]> = [
        [{}, ALICE, /^comment: is required/],
        [{ comment: '  ' }, ALICE, /^comment: must not be empty or blank/],
        [{ comment: 'x', status: 'resolved' }, ALICE, /^status: unknown property; an acknowledgement has comment$/],
      ];
      for (const [body, actor, message] of cases) {
        const response = await acknowledge(A5, body, actor);
        expect(response.status).toBe(400);
        expect(response.body.message).toMatch(message);
      }
      expect(await count('alert_history')).toBe(historyBefore);
      expect((await db.query(`SELECT status FROM alerts WHERE id = $1`, [A5])).rows[0].status).toBe('firing');
    });

    it('lets exactly one of two simultaneous acknowledgements through', async () => {
      const responses = await Promise.all([acknowledge(A5, { comment: 'một' }, ALICE), acknowledge(A5, { comment: 'hai' }, BOB)]);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
      const history = (await db.query(`SELECT to_status FROM alert_history WHERE alert_id = $1 ORDER BY id`, [A5])).rows;
      expect(history.map((h) => h.to_status)).toEqual(['firing', 'acknowledged']);
    });
  });

  describe('recipients', () => {
    const post = (body: unknown, actor: string | null = ALICE) => as(actor).post('/v1/recipients').send(body as object);
    const del = (id: string, actor: string | null = ALICE) => as(actor).delete(`/v1/recipients/${id}`);

    it('registers, lists, refuses duplicates per agency regardless of case, and removes', async () => {
      const created = await post({ agencyCode: ` ${DISTRICT} `, email: ' Nguyen.Van.A@HungYen.gov.vn ', name: 'Nguyễn Văn A' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^\d+$/),
        agencyCode: DISTRICT,
        email: 'Nguyen.Van.A@HungYen.gov.vn',
        name: 'Nguyễn Văn A',
        createdAt: expect.stringMatching(ISO),
        createdBy: ALICE,
      });
      expect((await db.query(`SELECT created_by FROM alert_recipients WHERE id = $1`, [created.body.id])).rows[0].created_by).toBe(ALICE);

      const duplicate = await post({ agencyCode: DISTRICT, email: 'nguyen.van.a@hungyen.gov.vn' }, BOB);
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.message).toBe(
        `email: "nguyen.van.a@hungyen.gov.vn" already receives the alerts of agency ${DISTRICT} (recipient ${created.body.id}, as "Nguyen.Van.A@HungYen.gov.vn"); addresses are compared without regard to case`,
      );
      // The same address for another agency is another registration.
      const other = await post({ agencyCode: COMMUNE_1, email: 'nguyen.van.a@hungyen.gov.vn' }, BOB);
      expect(other.status).toBe(201);
      expect(other.body).toMatchObject({ agencyCode: COMMUNE_1, name: null, createdBy: BOB });

      const listed = await get('/v1/recipients', { agency: DISTRICT });
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({ items: [created.body], nextCursor: null });

      const removed = await del(created.body.id);
      expect(removed.status).toBe(204);
      expect((await get('/v1/recipients', { agency: DISTRICT })).body.items).toEqual([]);
      const again = await del(created.body.id);
      expect(again.status).toBe(404);
      expect(again.body.message).toBe(`recipient "${created.body.id}" does not exist`);
      // Once removed, the address can be registered again.
      expect((await post({ agencyCode: DISTRICT, email: 'NGUYEN.van.a@hungyen.gov.vn' })).status).toBe(201);
    });

    it('pages by agency, then address without regard to case', async () => {
      await db.query('DELETE FROM alert_recipients');
      const registrations: Array<[string, string]> = [
        [PROVINCE, 'b@hungyen.gov.vn'],
        [PROVINCE, 'A@hungyen.gov.vn'],
        [COMMUNE_2, 'c@hungyen.gov.vn'],
        [DISTRICT, 'z@hungyen.gov.vn'],
        [PROVINCE, 'c@hungyen.gov.vn'],
      ];
      for (const [agencyCode, email] of registrations) expect((await post({ agencyCode, email })).status).toBe(201);
      const { items, pages } = await allPages('/v1/recipients', { limit: '2' });
      expect(pages).toBe(3);
      expect(items.map((r) => [r.agencyCode, r.email])).toEqual([
        [PROVINCE, 'A@hungyen.gov.vn'],
        [PROVINCE, 'b@hungyen.gov.vn'],
        [PROVINCE, 'c@hungyen.gov.vn'],
        [DISTRICT, 'z@hungyen.gov.vn'],
        [COMMUNE_2, 'c@hungyen.gov.vn'],
      ]);
      expect((await get('/v1/recipients', { agency: PROVINCE })).body.items.map((r: Json) => r.email)).toEqual([
        'A@hungyen.gov.vn',
        'b@hungyen.gov.vn',
        'c@hungyen.gov.vn',
      ]);
    });

    it('answers 400 to bad bodies and 401 to writes without a token, writing nothing', async () => {
      const before = await count('alert_recipients');
      const cases: Array<[unknown, string | null, RegExp]> = [
        [{ agencyCode: DISTRICT, email: 'not-an-address' }, ALICE, /^email: "not-an-address" is not an e-mail address/],
        [{ agencyCode: DISTRICT, email: 'a@b' }, ALICE, /^email: "a@b" is not an e-mail address/],
        [{ agencyCode: DISTRICT }, ALICE, /^email: is required/],
        [{ email: 'x@hungyen.gov.vn' }, ALICE, /^agencyCode: is required/],
        [{ agencyCode: '  ', email: 'x@hungyen.gov.vn' }, ALICE, /^agencyCode: must not be empty or blank/],
        [{ agencyCode: DISTRICT, email: 'x@hungyen.gov.vn', role: 'admin' }, ALICE, /^role: unknown property; a recipient has agencyCode, email, name$/],
      ];
      for (const [body, actor, message] of cases) {
        const response = await post(body, actor);
        expect(response.status).toBe(400);
        expect(response.body.message).toMatch(message);
      }
      expect((await post({ agencyCode: DISTRICT, email: 'x@hungyen.gov.vn' }, null)).status).toBe(401);
      const [someone] = (await get('/v1/recipients')).body.items;
      const unauthenticated = await del(someone.id, null);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(await count('alert_recipients')).toBe(before);
      expect((await del('abc')).status).toBe(404);
      expect((await get('/v1/recipients', { cursor: 'x' })).status).toBe(400);
      expect((await get('/v1/recipients', { agencyCode: DISTRICT })).body.message).toBe('agencyCode: unknown parameter; allowed: agency, limit, cursor');
    });
  });

  describe('GET /v1/zero-uptake', () => {
    const c1Marriage = {
      period: '2025-09',
      agencyCode: COMMUNE_1,
      agencyName: 'UBND xã Lạc Đạo',
      procedureCode: MARRIAGE,
      procedureName: 'Đăng ký kết hôn',
      sector: 'Hộ tịch',
      onlineLevel: 'partial',
      received: 8,
      receivedOnline: 0,
      completed: 3,
      withdrawn: 1,
    };
    const c2Birth = {
      period: '2025-09',
      agencyCode: COMMUNE_2,
      agencyName: 'UBND xã Chỉ Đạo',
      procedureCode: BIRTH,
      procedureName: 'Đăng ký khai sinh',
      sector: 'Hộ tịch',
      onlineLevel: 'full',
      received: 8,
      receivedOnline: 0,
      completed: 0,
      withdrawn: 0,
    };
    const justiceBirth = { ...c2Birth, agencyCode: JUSTICE_DEPARTMENT, agencyName: 'Sở Tư pháp', received: 3, completed: 3 };
    const key = (item: Json) => `${item.period} ${item.agencyCode} ${item.procedureCode} ${item.received}`;

    async function zeroUptake(query: Record<string, string>): Promise<Json[]> {
      const response = await get('/v1/zero-uptake', query);
      expect(response.status).toBe(200);
      expect(response.body.nextCursor).toBeNull();
      return response.body.items;
    }

    it('lists the pairs offered online with dossiers but none online, most dossiers first', async () => {
      // By hand: in September, commune 1 × marriage 5 + 3 = 8, commune 2 × birth 8 (a tie: agency code decides),
      // justice × birth 3; district × birth has 1 online of 21; building permits are not offered online;
      // the uncatalogued procedure has no known level; commune 2 × marriage received nothing.
      expect(await zeroUptake({ from: '2025-09', to: '2025-09' })).toEqual([c1Marriage, c2Birth, justiceBirth]);
      expect(await zeroUptake({ period: 'month', from: '2025-09', to: '2025-09', minReceived: '4' })).toEqual([c1Marriage, c2Birth]);
      expect(await zeroUptake({ from: '2025-09', to: '2025-09', minReceived: '9' })).toEqual([]);
    });

    it('aggregates over each period like /v1/rates', async () => {
      // Every month: ours. (The fixtures' loop B × marriage in March hangs under no root: outside the operator's scope.)
      expect((await zeroUptake({})).map(key)).toEqual([
        `2025-09 ${COMMUNE_1} ${MARRIAGE} 8`,
        `2025-09 ${COMMUNE_2} ${BIRTH} 8`,
        `2025-09 ${JUSTICE_DEPARTMENT} ${BIRTH} 3`,
        `2025-10 ${COMMUNE_2} ${BIRTH} 2`,
      ]);
      // Days: the district's 20 at the counter on 3 September are zero uptake that day, not that month.
      expect((await zeroUptake({ period: 'day', from: '2025-09-01', to: '2025-09-30' })).map(key)).toEqual([
        `2025-09-01 ${COMMUNE_1} ${MARRIAGE} 5`,
        `2025-09-02 ${COMMUNE_2} ${BIRTH} 8`,
        `2025-09-03 ${DISTRICT} ${BIRTH} 20`,
        `2025-09-04 ${JUSTICE_DEPARTMENT} ${BIRTH} 3`,
        `2025-09-15 ${COMMUNE_1} ${MARRIAGE} 3`,
      ]);
      // Quarters: commune 1 × marriage had one online in August, so not in Q3.
      expect((await zeroUptake({ period: 'quarter', from: '2025-Q3', to: '2025-12' })).map(key)).toEqual([
        `2025-Q3 ${COMMUNE_2} ${BIRTH} 8`,
        `2025-Q3 ${JUSTICE_DEPARTMENT} ${BIRTH} 3`,
        `2025-Q4 ${COMMUNE_2} ${BIRTH} 2`,
      ]);
      expect((await zeroUptake({ period: 'year', from: '2025' })).map(key)).toEqual([
        `2025 ${COMMUNE_2} ${BIRTH} 10`,
        `2025 ${JUSTICE_DEPARTMENT} ${BIRTH} 3`,
      ]);
    });

    it('filters by agency, or by agency with its subtree, within the caller’s scope', async () => {
      const september = { from: '2025-09', to: '2025-09' };
      expect(await zeroUptake({ ...september, agency: DISTRICT, subtree: 'true' })).toEqual([c1Marriage, c2Birth]);
      expect(await zeroUptake({ ...september, agency: DISTRICT })).toEqual([]);
      expect(await zeroUptake({ ...september, agency: COMMUNE_2, subtree: 'false' })).toEqual([c2Birth]);
      expect(await zeroUptake({ ...september, agency: PROVINCE, subtree: 'true' })).toEqual([c1Marriage, c2Birth, justiceBirth]);
      expect(await zeroUptake({ agency: LOOP_A, subtree: 'true' })).toEqual([]);
    });

    it('pages through every item exactly once, in order', async () => {
      const everything = await zeroUptake({ period: 'day' });
      expect(everything.length).toBe(6);
      const { items, pages } = await allPages('/v1/zero-uptake', { period: 'day', limit: '2' });
      expect(pages).toBe(3);
      expect(items).toEqual(everything);
      // Across the tie on received within a period.
      const tie = await allPages('/v1/zero-uptake', { from: '2025-09', to: '2025-09', limit: '1' });
      expect(tie.items).toEqual([c1Marriage, c2Birth, justiceBirth]);
    });

    it.each([
      [{ period: 'week' }, /^period: "week" is not allowed/],
      [{ from: '2025-13' }, /^from: "2025-13" is not a period label/],
      [{ from: '2025-10', to: '2025-09' }, /^from: starts \(2025-10-01\) after to ends \(2025-09-30\)/],
      [{ subtree: 'true' }, /^subtree: needs agency/],
      [{ minReceived: '0' }, /^minReceived: "0" is not allowed/],
      [{ minReceived: 'many' }, /^minReceived: "many" is not allowed/],
      [{ cursor: 'garbage' }, /^cursor: is not a cursor/],
      [{ procedure: BIRTH }, /^procedure: unknown parameter/],
    ])('answers 400 to %j, naming the parameter', async (query, message) => {
      const response = await get('/v1/zero-uptake', query);
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
    });

    it('refuses a cursor of another period kind', async () => {
      const first = await get('/v1/zero-uptake', { period: 'month', limit: '1' });
      expect(first.body.nextCursor).not.toBeNull();
      const response = await get('/v1/zero-uptake', { period: 'day', cursor: first.body.nextCursor });
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/^cursor: is not a cursor/);
    });
  });

  describe('alerts of every kind (zeroUptake, silentSource)', () => {
    // Seeded last, so that the lists above stay as they are; opened after every belowTarget alert.
    const Z1 = 'b1000000-0000-4000-8000-000000000000'; // zeroUptake, commune 1 × marriage, firing, reminded twice, escalated
    const Z2 = 'b2000000-0000-4000-8000-000000000000'; // zeroUptake, district × birth, resolved (onlineUptake)
    const S1 = 'c1000000-0000-4000-8000-000000000000'; // silentSource, firing
    const SOURCE = 'urn:dvc:motcua:hung-yen';
    const zeroEvaluation = { received: 12, receivedOnline: 0, minimumDossiers: 10, window: { firstDay: '2025-04-01', lastDay: '2025-04-10' } };
    const zeroExplanation = { agencyName: 'UBND xã 1', procedureName: 'Đăng ký kết hôn', onlineLevel: 'full', window: zeroEvaluation.window };
    const silentEvaluation = { lastEventAt: '2025-04-10T01:00:00.000Z', workingTimeSilentMs: 14_400_000, thresholdMs: 7_200_000, at: '2025-04-10T08:00:00.000Z' };
    const silentExplanation = { sourceUri: SOURCE, schedule: 'working time, Asia/Ho_Chi_Minh' };

    beforeAll(async () => {
      await db.query(
        `INSERT INTO alerts (id, kind, agency_code, procedure_code, window_kind, metric, severity, status, opened_at, last_evaluated_at,
                             last_evaluation, explanation, reminder_count, last_reminded_at, escalated_at)
         VALUES ($1, 'zeroUptake', $2, $3, 'monthToDate', 'onlineRate', 'warning', 'firing', '2025-04-10T02:00:00Z', '2025-04-10T03:00:00Z',
                 $4, $5, 2, '2025-04-12T02:00:00Z', '2025-04-11T02:00:00Z')`,
        [Z1, COMMUNE_1, MARRIAGE, JSON.stringify(zeroEvaluation), JSON.stringify(zeroExplanation)],
      );
      await db.query(
        `INSERT INTO alerts (id, kind, agency_code, procedure_code, window_kind, metric, severity, status, opened_at, last_evaluated_at,
                             resolved_at, resolve_reason, last_evaluation, explanation)
         VALUES ($1, 'zeroUptake', $2, $3, 'rolling30d', 'onlineRate', 'warning', 'resolved', '2025-04-09T02:00:00Z', '2025-04-09T05:00:00Z',
                 '2025-04-09T05:00:00Z', 'onlineUptake', $4, $5)`,
        [Z2, DISTRICT, BIRTH, JSON.stringify({ ...zeroEvaluation, receivedOnline: 1 }), JSON.stringify(zeroExplanation)],
      );
      await db.query(
        `INSERT INTO alerts (id, kind, source_uri, severity, status, opened_at, last_evaluated_at, last_evaluation, explanation)
         VALUES ($1, 'silentSource', $2, 'critical', 'firing', '2025-04-10T08:00:00Z', '2025-04-10T08:00:00Z', $3, $4)`,
        [S1, SOURCE, JSON.stringify(silentEvaluation), JSON.stringify(silentExplanation)],
      );
      for (const id of [Z1, Z2, S1]) {
        await db.query(`INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, details) SELECT id, opened_at, NULL, 'firing', $2, '{}' FROM alerts WHERE id = $1`, [id, SWEEPER]);
      }
    });

    it('lists them with their kind and the null fields of their kind, filtered by kind', async () => {
      expect(await ids({ kind: 'zeroUptake', status: 'all' })).toEqual([Z1, Z2]);
      expect(await ids({ kind: 'zeroUptake' })).toEqual([Z1]);
      expect(await ids({ kind: 'silentSource' })).toEqual([S1]);
      expect(await ids({ kind: 'belowTarget', status: 'all' })).toEqual([A8, A5, A2, A1, A3, A7, A4]);
      expect((await ids({ status: 'all' })).slice(0, 3)).toEqual([S1, Z1, Z2]);
      // An agency filter never matches an operator alert about no agency; other filters combine with kind.
      expect(await ids({ agency: COMMUNE_1, subtree: 'true', status: 'all' })).toEqual([Z1, A2]);
      expect(await ids({ severity: 'critical', kind: 'silentSource' })).toEqual([S1]);
      expect(await ids({ metric: 'onlineRate', kind: 'silentSource' })).toEqual([]);
      expect(await ids({ window: 'rolling30d', kind: 'zeroUptake', status: 'resolved' })).toEqual([Z2]);

      const silent = (await get('/v1/alerts', { kind: 'silentSource' })).body.items[0];
      expect(silent).toEqual({
        id: S1,
        kind: 'silentSource',
        status: 'firing',
        severity: 'critical',
        metric: null,
        threshold: null,
        agencyCode: null,
        agencyName: null,
        procedureCode: null,
        procedureName: null,
        windowKind: null,
        targetId: null,
        sourceUri: SOURCE,
        openedAt: '2025-04-10T08:00:00.000Z',
        lastEvaluatedAt: '2025-04-10T08:00:00.000Z',
        evaluation: silentEvaluation,
        acknowledgedAt: null,
        acknowledgedBy: null,
        acknowledgeComment: null,
        resolvedAt: null,
        resolveReason: null,
        escalatedAt: null,
        reminderCount: 0,
        lastRemindedAt: null,
      });
      const zero = (await get('/v1/alerts', { kind: 'zeroUptake' })).body.items[0];
      expect(zero).toMatchObject({
        id: Z1,
        kind: 'zeroUptake',
        metric: 'onlineRate',
        threshold: null,
        targetId: null,
        sourceUri: null,
        agencyCode: COMMUNE_1,
        procedureCode: MARRIAGE,
        windowKind: 'monthToDate',
        evaluation: zeroEvaluation,
        reminderCount: 2,
        lastRemindedAt: '2025-04-12T02:00:00.000Z',
        escalatedAt: '2025-04-11T02:00:00.000Z',
      });
    });

    it('answers 400 to an unknown kind', async () => {
      const response = await get('/v1/alerts', { kind: 'silent' });
      expect(response.status).toBe(400);
      expect(response.body.message).toBe('kind: "silent" is not allowed; use one of belowTarget, zeroUptake, silentSource');
    });

    it('shows each in detail, without a rule', async () => {
      const zero = await get(`/v1/alerts/${Z1}`);
      expect(zero.status).toBe(200);
      expect(zero.body).toMatchObject({ id: Z1, kind: 'zeroUptake', rule: null, explanation: zeroExplanation, reminderCount: 2 });
      expect(zero.body.history).toHaveLength(1);
      const silent = await get(`/v1/alerts/${S1}`);
      expect(silent.status).toBe(200);
      expect(silent.body).toMatchObject({ id: S1, kind: 'silentSource', sourceUri: SOURCE, agencyCode: null, rule: null, explanation: silentExplanation });
      expect(silent.body.history.map((h: Json) => [h.fromStatus, h.toStatus, h.actor])).toEqual([[null, 'firing', SWEEPER]]);
    });

    it('acknowledges every kind alike, and refuses a resolved one', async () => {
      for (const id of [Z1, S1]) {
        const response = await acknowledge(id, { comment: 'Đã liên hệ đơn vị vận hành' }, BOB);
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ id, status: 'acknowledged', acknowledgedBy: BOB, acknowledgeComment: 'Đã liên hệ đơn vị vận hành' });
        expect(response.body.history.map((h: Json) => h.toStatus)).toEqual(['firing', 'acknowledged']);
        expect((await db.query(`SELECT status, acknowledged_by FROM alerts WHERE id = $1`, [id])).rows[0]).toEqual({ status: 'acknowledged', acknowledged_by: BOB });
        expect((await acknowledge(id, { comment: 'lần nữa' })).status).toBe(409);
      }
      expect((await acknowledge(Z2, { comment: 'muộn' })).status).toBe(409);
      expect(await ids({ kind: 'silentSource', status: 'acknowledged' })).toEqual([S1]);
    });
  });

  describe('OpenAPI', () => {
    it('documents the alerts, recipients and zero-uptake endpoints, their bearer token and 4xx answers', async () => {
      const response = await get('/docs-json');
      expect(response.status).toBe(200);
      const paths = response.body.paths;
      expect(Object.keys(paths)).toEqual(
        expect.arrayContaining(['/v1/alerts', '/v1/alerts/{id}', '/v1/alerts/{id}/acknowledge', '/v1/recipients', '/v1/recipients/{id}', '/v1/zero-uptake']),
      );
      const ack = paths['/v1/alerts/{id}/acknowledge'].post;
      for (const write of [ack, paths['/v1/recipients'].post, paths['/v1/recipients/{id}'].delete]) {
        expect(write.security).toEqual([{ bearer: [] }]);
        expect(Object.keys(write.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(Object.keys(ack.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409']));
      expect(Object.keys(paths['/v1/recipients'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '409']));
      expect(Object.keys(paths['/v1/recipients/{id}'].delete.responses)).toEqual(expect.arrayContaining(['204', '404']));
      expect(Object.keys(paths['/v1/zero-uptake'].get.responses)).toEqual(expect.arrayContaining(['200', '400']));
      const alertsQuery = paths['/v1/alerts'].get.parameters.map((p: Json) => p.name);
      expect(alertsQuery).toEqual(
        expect.arrayContaining(['status', 'kind', 'severity', 'metric', 'agency', 'subtree', 'procedure', 'window', 'openedFrom', 'openedTo', 'limit', 'cursor']),
      );
      const schemas = response.body.components.schemas;
      expect(schemas.AcknowledgeAlertDto.required).toContain('comment');
      expect(schemas.AlertDetailDto).toBeDefined();
      expect(schemas.AlertItemDto.properties.kind.enum).toEqual(['belowTarget', 'zeroUptake', 'silentSource']);
      expect(schemas.AlertItemDto.required).toEqual(expect.arrayContaining(['kind', 'sourceUri', 'reminderCount', 'lastRemindedAt', 'escalatedAt']));
      expect(schemas.AlertItemDto.properties.agencyCode.nullable).toBe(true);
      expect(schemas.SilentSourceEvaluationDto).toBeDefined();
      expect(schemas.CreateRecipientDto.required).toEqual(expect.arrayContaining(['agencyCode', 'email']));
    });
  });
});

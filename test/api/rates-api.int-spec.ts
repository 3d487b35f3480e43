import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { BIRTH, BUCKETS, CONSTRUCTION_DEPARTMENT, DISTRICT, LOOP_A, LOOP_B, MARRIAGE, PROVINCE } from './support/rates-fixtures';
import { OPERATOR_SCOPE, ReferenceQuery, expectedRates, subtreeOf } from './support/rates-reference';
import { signedIn, signIn } from './support/signed-in';

const DATABASE = 'dvc_monitor_api_test';

describe('GET /v1/rates (real PostgreSQL)', () => {
  let app: INestApplication;
  let token: string;

  beforeAll(async () => {
    app = await startApiOnFreshDatabase(DATABASE);
    token = (await signIn('operator')).token;
  });

  const get = (path: string) => signedIn(app, token).get(path);

  afterAll(async () => {
    await stopApi(app, DATABASE);
  });

  async function rates(query: Record<string, string>) {
    const response = await get('/v1/rates').query({ limit: '1000', ...query });
    expect(response.status).toBe(200);
    return response.body as { items: Array<Record<string, unknown>>; nextCursor: string | null };
  }

  async function expectRates(query: Record<string, string>, reference: ReferenceQuery) {
    const body = await rates(query);
    expect(body.nextCursor).toBeNull();
    // Signed in as the province operator: whatever the filters, only the province's subtree is summed.
    const agencies = new Set([...(reference.agencies ?? OPERATOR_SCOPE)].filter((code) => OPERATOR_SCOPE.has(code)));
    expect(body.items).toEqual(expectedRates({ ...reference, agencies }));
    return body.items;
  }

  it.each(['day', 'month', 'quarter', 'year'] as const)('sums every %s across the boundaries', async (period) => {
    const items = await expectRates({ period }, { period });
    expect(items.length).toBeGreaterThan(1);
  });

  it('defaults to months, and labels each period kind as the contract does', async () => {
    expect((await rates({})).items.map((i) => i.period)).toEqual(['2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-06', '2025-07']);
    expect((await rates({ period: 'quarter' })).items.map((i) => i.period)).toEqual(['2024-Q4', '2025-Q1', '2025-Q2', '2025-Q3']);
    expect((await rates({ period: 'year' })).items.map((i) => i.period)).toEqual(['2024', '2025']);
  });

  it('sums a year literally', async () => {
    const received2025 = BUCKETS.filter((b) => b.day.startsWith('2025') && OPERATOR_SCOPE.has(b.agency)).reduce((sum, b) => sum + b.received, 0);
    const [, year2025] = (await rates({ period: 'year' })).items;
    expect(year2025).toMatchObject({ period: '2025', received: received2025 });
    expect(typeof year2025.received).toBe('number');
  });

  it.each(['agency', 'procedure', 'sector', 'agency,procedure', 'agency,sector', 'procedure,sector', 'agency,procedure,sector'])(
    'groups by %s',
    async (groupBy) => {
      const keys = groupBy.split(',') as ReferenceQuery['groupBy'];
      const items = await expectRates({ period: 'quarter', groupBy }, { period: 'quarter', groupBy: keys });
      expect(items.length).toBeGreaterThan(4);
    },
  );

  it('sorts by period then the group keys whatever order groupBy lists them in', async () => {
    const listedBackwards = await rates({ groupBy: 'sector,agency' });
    expect(listedBackwards.items).toEqual((await rates({ groupBy: 'agency,sector' })).items);
  });

  it('gives the sector of an uncatalogued procedure as null', async () => {
    const items = await expectRates({ period: 'year', groupBy: 'sector' }, { period: 'year', groupBy: ['sector'] });
    expect(items.find((i) => i.period === '2025' && i.sector === null)).toMatchObject({ received: 2 });
  });

  it('filters by agency alone, or with its subtree', async () => {
    await expectRates({ agency: DISTRICT, groupBy: 'agency' }, { period: 'month', groupBy: ['agency'], agencies: new Set([DISTRICT]) });
    await expectRates({ agency: DISTRICT, subtree: 'false' }, { period: 'month', agencies: new Set([DISTRICT]) });
    const districtTree = await expectRates({ agency: DISTRICT, subtree: 'true', groupBy: 'agency' }, { period: 'month', groupBy: ['agency'], agencies: subtreeOf(DISTRICT) });
    expect(new Set(districtTree.map((i) => i.agencyCode)).size).toBe(3);
    const provinceTree = await expectRates({ agency: PROVINCE, subtree: 'true', period: 'year' }, { period: 'year', agencies: subtreeOf(PROVINCE) });
    expect(subtreeOf(PROVINCE).size).toBe(6);
    // The operator's whole view is the province's subtree: asking for it changes nothing.
    expect(provinceTree).toEqual((await rates({ period: 'year' })).items);
  });

  it('survives a cycle in the agency hierarchy, which lies outside every province scope', async () => {
    // The loop hangs under no root: the operator sees none of it, with or without subtree.
    expect((await rates({ agency: LOOP_A, subtree: 'true', groupBy: 'agency' })).items).toEqual([]);
    expect((await rates({ agency: LOOP_A })).items).toEqual([]);
    expect(BUCKETS.some((bucket) => bucket.agency === LOOP_A)).toBe(true);
    // The scope function itself ends the loop: a token naming LOOP.A would see both agencies of it.
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT agency_subtree(ARRAY[$1]) AS code ORDER BY 1`, [LOOP_A]);
      expect(rows.map((row) => row.code)).toEqual([LOOP_A, LOOP_B]);
    } finally {
      await db.end();
    }
  });

  it('gives an agency administrator only their subtree: none of these agencies is in 000.00.03.H31', async () => {
    const admin = signedIn(app, (await signIn('adminTuPhap')).token);
    for (const query of [{}, { agency: DISTRICT }, { agency: PROVINCE, subtree: 'true' }, { groupBy: 'agency' }]) {
      const response = await admin.get('/v1/rates').query(query);
      expect({ query, status: response.status, body: response.body }).toEqual({ query, status: 200, body: { items: [], nextCursor: null } });
    }
    expect((await rates({})).items.length).toBeGreaterThan(0);
  });

  it('filters by procedure, combined with an agency subtree', async () => {
    await expectRates({ procedure: MARRIAGE, period: 'day' }, { period: 'day', procedure: MARRIAGE });
    await expectRates({ procedure: BIRTH, agency: DISTRICT, subtree: 'true' }, { period: 'month', procedure: BIRTH, agencies: subtreeOf(DISTRICT) });
  });

  it('takes from and to as the first and last day of any label form', async () => {
    await expectRates({ from: '2025-01', to: '2025-03' }, { period: 'month', fromDay: '2025-01-01', toDay: '2025-03-31' });
    await expectRates({ period: 'quarter', from: '2025-Q1', to: '2025-Q2' }, { period: 'quarter', fromDay: '2025-01-01', toDay: '2025-06-30' });
    await expectRates({ period: 'day', from: '2024-12-31', to: '2025-01-01' }, { period: 'day', fromDay: '2024-12-31', toDay: '2025-01-01' });
    await expectRates({ period: 'year', from: '2025' }, { period: 'year', fromDay: '2025-01-01' });
    await expectRates({ from: '2025-03-16', to: '2025-Q2' }, { period: 'month', fromDay: '2025-03-16', toDay: '2025-06-30' });
  });

  it('publishes the contract example with the Wilson interval of 14 of 120', async () => {
    const { items } = await rates({ from: '2025-03', to: '2025-03', agency: DISTRICT, procedure: BIRTH, groupBy: 'agency,procedure' });
    expect(items).toEqual([
      {
        period: '2025-03',
        agencyCode: DISTRICT,
        procedureCode: BIRTH,
        received: 120,
        receivedOnline: 14,
        onlineRate: 0.1167,
        onlineRateCi95: [0.0708, 0.1863],
        completed: 98,
        completedOnTime: 91,
        onTimeRate: 0.9286,
        paid: 0,
        paidOnline: 0,
        paidOnlineRate: null,
        withdrawn: 0,
      },
    ]);
  });

  it('gives null rates, never 0, on empty denominators, and no item without activity', async () => {
    const { items } = await rates({ from: '2025-04', to: '2025-05', agency: CONSTRUCTION_DEPARTMENT, groupBy: 'agency' });
    expect(items).toEqual([
      expect.objectContaining({ period: '2025-04', received: 0, withdrawn: 2, onlineRate: null, onlineRateCi95: null, onTimeRate: null, paidOnlineRate: null }),
    ]);
    expect((await rates({ period: 'month', from: '2025-05', to: '2025-05' })).items).toEqual([]);
  });

  it.each([
    [{ limit: '1' }],
    [{ limit: '3' }],
    [{ limit: '4', period: 'day', groupBy: 'agency,procedure,sector' }],
    [{ limit: '2', period: 'quarter', groupBy: 'sector', agency: PROVINCE, subtree: 'true' }],
  ])('pages through every item exactly once with %j', async (query) => {
    const all = (await rates({ ...query, limit: '1000' })).items;
    const seen: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await rates({ ...query, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(Number(query.limit));
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages <= all.length);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.max(1, Math.ceil(all.length / Number(query.limit))));
  });
  it.each([
    [{ period: 'week' }, 'period: "week" is not allowed; use one of day, month, quarter, year'],
    [{ from: '2025-02-30' }, 'from: "2025-02-30" is not a period label; use a day 2025-03-01, a month 2025-03, a quarter 2025-Q1 or a year 2025'],
    [{ from: '2025-Q2', to: '2025-03' }, 'from: starts (2025-04-01) after to ends (2025-03-31); from must not be after to'],
    [{ groupBy: 'agency,province' }, 'groupBy: "province" is not a grouping; allowed: a comma list of agency, procedure, sector, or empty for one total per period'],
    [{ groupBy: 'sector,sector' }, 'groupBy: "sector" is listed twice; allowed: a comma list of agency, procedure, sector, or empty for one total per period'],
    [{ limit: '0' }, 'limit: "0" is not allowed; give an integer from 1 to 1000 (default 100)'],
    [{ cursor: 'eyJub3QiOiJhIGN1cnNvciJ9' }, 'cursor: is not a cursor this endpoint returned for these parameters; start again without cursor'],
    [{ agencyCode: DISTRICT }, 'agencyCode: unknown parameter; allowed: period, from, to, groupBy, agency, subtree, procedure, limit, cursor'],
    [{ subtree: 'true' }, 'subtree: needs agency, the root of the subtree; give agency or leave subtree out'],
  ])('answers 400 to %j', async (query, message) => {
    const response = await get('/v1/rates').query(query);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
  });

  it('answers 400 to a tampered cursor', async () => {
    const { nextCursor } = await rates({ limit: '1', groupBy: 'agency' });
    const tampered = `${nextCursor!.slice(0, -2)}${nextCursor!.endsWith('A') ? 'B' : 'A'}`;
    for (const cursor of [tampered, nextCursor!.slice(1), `${nextCursor}x`]) {
      const response = await get('/v1/rates').query({ groupBy: 'agency', cursor });
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/^cursor: /);
    }
    const otherGrouping = await get('/v1/rates').query({ groupBy: 'agency,procedure', cursor: nextCursor! });
    expect(otherGrouping.status).toBe(400);
  });
});

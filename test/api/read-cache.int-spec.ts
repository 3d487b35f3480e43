import type { INestApplication } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import { Client } from 'pg';
import request from 'supertest';
import type { Counter } from 'prom-client';
import { READ_CACHE_METRIC } from '../../services/api/src/cache/read-cache.interceptor';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { BIRTH, DISTRICT } from './support/rates-fixtures';
import { signedIn, signIn } from './support/signed-in';

const DATABASE = 'dvc_monitor_api_read_cache_test';
const TTL_MS = 3_000;
const STALE_MS = 3_000;
const YEAR_BY_AGENCY = '/v1/rates?period=year&groupBy=agency&from=2025&to=2025';

describe('the read cache of /v1/rates and the indicators (real PostgreSQL, real tokens)', () => {
  let app: INestApplication;
  let db: Client;

  beforeAll(async () => {
    // Long enough that nothing below outlives an entry by accident; the expiry case waits it out.
    process.env.API_READ_CACHE_TTL_MS = String(TTL_MS);
    process.env.API_READ_CACHE_STALE_MS = String(STALE_MS);
    app = await startApiOnFreshDatabase(DATABASE);
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await stopApi(app, DATABASE);
  });

  const outcomes = async () => {
    const counter = app.get<Counter<'outcome'>>(getToken(READ_CACHE_METRIC));
    const { values } = await counter.get();
    return Object.fromEntries(values.map((value) => [String(value.labels.outcome), value.value]));
  };
  const read = async (user: Parameters<typeof signIn>[0], path: string) => {
    const response = await signedIn(app, (await signIn(user)).token).get(path);
    expect(response.status).toBe(200);
    return response.body as { items: Array<{ agencyCode: string; received: number }> };
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // What the aggregator would commit for one more dossier of the district on 1 January: its day row and the month roll-ups.
  const addOneDistrictDossier = async () => {
    await db.query(`UPDATE daily_buckets SET received = received + 1 WHERE day = '2025-01-01' AND agency_code = $1 AND procedure_code = $2`, [DISTRICT, BIRTH]);
    await db.query(`UPDATE monthly_buckets SET received = received + 1 WHERE month = '2025-01-01' AND agency_code = $1 AND procedure_code = $2`, [DISTRICT, BIRTH]);
    await db.query(`UPDATE monthly_agency_buckets SET received = received + 1 WHERE month = '2025-01-01' AND agency_code = $1`, [DISTRICT]);
  };
  const districtReceived = (body: { items: Array<{ agencyCode: string; received: number }> }) => body.items.find((item) => item.agencyCode === DISTRICT)?.received;

  it('never hands one scope the answer cached for another, nor one role the answer of another', async () => {
    const province = await read('operator', YEAR_BY_AGENCY);
    expect(province.items.length).toBeGreaterThan(2);
    // admin-tu-phap's scope (000.00.03.H31) holds none of the fixture's agencies: the same URL gives nothing.
    expect((await read('adminTuPhap', YEAR_BY_AGENCY)).items).toEqual([]);
    // The inspector (a viewer of the same root) gets its own entry with the same figures.
    const before = await outcomes();
    expect(await read('inspector', YEAR_BY_AGENCY)).toEqual(province);
    expect((await outcomes()).miss).toBe((before.miss ?? 0) + 1);
    // A second province operator shares the operator's entry.
    expect(await read('operator2', YEAR_BY_AGENCY)).toEqual(province);
    expect((await outcomes()).hit).toBe((before.hit ?? 0) + 1);
  });

  it('answers identical requests in flight with one computation', async () => {
    const path = '/v1/rates?period=month&groupBy=agency,procedure&from=2025-01&to=2025-06';
    const token = (await signIn('operator')).token;
    const before = await outcomes();
    const answers = await Promise.all(Array.from({ length: 12 }, () => signedIn(app, token).get(path)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    const after = await outcomes();
    expect((after.miss ?? 0) - (before.miss ?? 0)).toBe(1);
    expect((after.coalesced ?? 0) - (before.coalesced ?? 0) + (after.hit ?? 0) - (before.hit ?? 0)).toBe(11);
  });

  it('serves a figure at most the TTL old; then, while one refresh runs, the previous one; then the database again', async () => {
    const path = '/v1/rates?period=year&groupBy=agency&from=2025&to=2025&agency=000.00.17.H31';
    const first = districtReceived(await read('operator', path));
    expect(first).toBeGreaterThan(0);
    await addOneDistrictDossier();
    expect(districtReceived(await read('operator', path))).toBe(first);
    await sleep(TTL_MS + 200);
    // Past the TTL, within the stale allowance: this read gets the previous answer and starts the refresh.
    const before = await outcomes();
    expect(districtReceived(await read('operator', path))).toBe(first);
    expect((await outcomes()).stale).toBe((before.stale ?? 0) + 1);
    // Reads after that get the previous answer until the refresh has stored the new one, then only the new one.
    const seen: Array<number | undefined> = [];
    while (seen.at(-1) !== first! + 1 && seen.length < 100) {
      seen.push(districtReceived(await read('operator', path)));
      if (seen.at(-1) !== first! + 1) await sleep(20);
    }
    expect(seen.at(-1)).toBe(first! + 1);
    expect(seen.every((received) => received === first || received === first! + 1)).toBe(true);
    // Older than TTL + stale allowance: never served; the read waits for the database.
    await addOneDistrictDossier();
    await sleep(TTL_MS + STALE_MS + 200);
    const beforeExpired = await outcomes();
    expect(districtReceived(await read('operator', path))).toBe(first! + 2);
    expect((await outcomes()).stale ?? 0).toBe(beforeExpired.stale ?? 0);
  });

  it('sends the same answer gzipped to clients that accept it, plain to others, and 304 for a matching ETag', async () => {
    const path = '/v1/rates?period=month&groupBy=agency&from=2025-01&to=2025-03';
    const token = (await signIn('operator')).token;
    const gzipped = await signedIn(app, token).get(path).set('Accept-Encoding', 'gzip');
    const plain = await signedIn(app, token).get(path).set('Accept-Encoding', 'identity');
    expect([gzipped.status, plain.status]).toEqual([200, 200]);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const answer of [gzipped, plain]) {
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.headers.vary).toMatch(/Accept-Encoding/i);
    }
    expect(Number(plain.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(plain.body)));
    expect(gzipped.body).toEqual(plain.body);
    expect((gzipped.body as { items: unknown[] }).items.length).toBeGreaterThan(0);
    expect(gzipped.headers.etag).toBe(plain.headers.etag);
    const revalidated = await signedIn(app, token).get(path).set('If-None-Match', String(plain.headers.etag));
    expect(revalidated.status).toBe(304);
    expect(revalidated.text ?? '').toBe('');
    const head = await request(app.getHttpServer()).head(path).set('Authorization', `Bearer ${token}`).set('Accept-Encoding', 'identity');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(plain.headers['content-length']);
  });

  it('keeps no refusal: a ranking refused for an unknown parent answers as soon as the agency exists', async () => {
    const path = '/v1/rankings?period=2025&parent=000.00.99.H31';
    const token = (await signIn('operator')).token;
    expect((await signedIn(app, token).get(path)).status).toBe(404);
    await db.query(
      `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES ('000.00.99.H31', 'Sở thử', 'department', '000.00.00.H31', '2025-01-01T00:00:00Z', 'fixture')`,
    );
    // Well within the TTL: a cached 404 would still be served here.
    expect((await signedIn(app, token).get(path)).status).toBe(200);
  });
});

import type { INestApplication } from '@nestjs/common';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { signedIn, signIn } from './support/signed-in';
import { AGENCIES, BIRTH, COMMUNE_1, COMMUNE_2, DISTRICT, LOOP_A, PROCEDURES, PROVINCE } from './support/rates-fixtures';
import { OPERATOR_SCOPE } from './support/rates-reference';

const DATABASE = 'dvc_monitor_api_catalogue_test';

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const expectedAgency = (code: string) => {
  const agency = AGENCIES.find((a) => a.code === code)!;
  return { ...agency, childCount: AGENCIES.filter((a) => a.parentCode === code).length };
};

describe('GET /v1/agencies and /v1/procedures (real PostgreSQL)', () => {
  let app: INestApplication;
  let token: string;

  beforeAll(async () => {
    app = await startApiOnFreshDatabase(DATABASE);
    token = (await signIn('operator')).token;
  });

  afterAll(async () => {
    await stopApi(app, DATABASE);
  });

  const get = (path: string, query: Record<string, string> = {}) => signedIn(app, token).get(path).query(query);

  async function allPages(path: string, query: Record<string, string>) {
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const response = await get(path, { ...query, ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
    } while (cursor);
    return items;
  }

  it('lists agencies by code with parent and child count', async () => {
    const response = await get('/v1/agencies');
    expect(response.status).toBe(200);
    // The operator's scope is the province's subtree: the parent loop of the fixtures hangs under no root.
    const codes = AGENCIES.map((a) => a.code).filter((code) => OPERATOR_SCOPE.has(code)).sort(byteOrder);
    expect(codes).not.toContain(LOOP_A);
    expect(response.body).toEqual({ items: codes.map(expectedAgency), nextCursor: null });
    expect(response.body.items[0]).toEqual({ code: PROVINCE, name: 'UBND tỉnh Hưng Yên', level: 'province', parentCode: null, childCount: 3 });
  });

  it('filters agencies by level and parent, and pages through them once each', async () => {
    const departments = await get('/v1/agencies', { level: 'department' });
    expect(departments.body.items.map((a: { code: string }) => a.code)).toEqual(AGENCIES.filter((a) => a.level === 'department').map((a) => a.code).sort(byteOrder));
    const communes = await get('/v1/agencies', { parentCode: DISTRICT });
    expect(communes.body.items.map((a: { code: string }) => a.code)).toEqual([COMMUNE_1, COMMUNE_2]);
    expect(await allPages('/v1/agencies', { limit: '3' })).toEqual((await get('/v1/agencies')).body.items);
  });

  it('shows an agency administrator only their own subtree: none of these agencies is in 000.00.03.H31', async () => {
    const admin = signedIn(app, (await signIn('adminTuPhap')).token);
    expect((await admin.get('/v1/agencies')).body).toEqual({ items: [], nextCursor: null });
    const district = await admin.get(`/v1/agencies/${encodeURIComponent(DISTRICT)}`);
    expect(district.status).toBe(404);
    expect((await get(`/v1/agencies/${encodeURIComponent(LOOP_A)}`)).status).toBe(404);
    // The catalogue of procedures is reference data, the same for everyone.
    expect((await admin.get('/v1/procedures')).body).toEqual((await get('/v1/procedures')).body);
  });

  it('shows one agency, or 404', async () => {
    const district = await get(`/v1/agencies/${encodeURIComponent(DISTRICT)}`);
    expect(district.status).toBe(200);
    expect(district.body).toEqual({ ...expectedAgency(DISTRICT), parentCode: PROVINCE, childCount: 2 });
    const unknown = await get('/v1/agencies/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'agency "nope" is not known' });
  });

  it('refuses bad agency queries precisely', async () => {
    const badLevel = await get('/v1/agencies', { level: 'village' });
    expect(badLevel.status).toBe(400);
    expect(badLevel.body.message).toBe('level: "village" is not allowed; use one of ministry, province, department, district, commune, other');
    expect((await get('/v1/agencies', { limit: '1001' })).status).toBe(400);
    expect((await get('/v1/agencies', { cursor: 'x' })).body.message).toMatch(/^cursor: /);
  });

  it('lists procedures, filtered by sector and online level, paged', async () => {
    const all = await get('/v1/procedures');
    expect(all.body).toEqual({ items: [...PROCEDURES].sort((a, b) => byteOrder(a.code, b.code)), nextCursor: null });
    const civilStatus = await get('/v1/procedures', { sector: 'Hộ tịch' });
    expect(civilStatus.body.items.map((p: { code: string }) => p.code).sort(byteOrder)).toEqual(
      PROCEDURES.filter((p) => p.sector === 'Hộ tịch').map((p) => p.code).sort(byteOrder),
    );
    const full = await get('/v1/procedures', { onlineLevel: 'full' });
    expect(full.body.items).toEqual([PROCEDURES.find((p) => p.onlineLevel === 'full')]);
    expect(await allPages('/v1/procedures', { limit: '1' })).toEqual(all.body.items);
  });

  it('shows one procedure, or 404', async () => {
    const birth = await get(`/v1/procedures/${BIRTH}`);
    expect(birth.body).toEqual(PROCEDURES.find((p) => p.code === BIRTH));
    expect((await get('/v1/procedures/0.000000')).status).toBe(404);
    const badLevel = await get('/v1/procedures', { onlineLevel: 'level4' });
    expect(badLevel.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'onlineLevel: "level4" is not allowed; use one of full, partial, none' });
  });
});

import { PROVINCE } from './rates-fixtures';
import { ALICE, useSignedInApi } from './signed-in-api';

/**
 * The shared world of the targets API specs (test/api/targets-crud, targets-refusals and targets-effective): the
 * API in-process on a fresh database of the spec's own, two signed-in province operators, and a hierarchy of
 * agencies and procedures for the resolution tests. Each spec file calls useTargetsApi once, in its top-level
 * describe, with its own database name.
 */

export { ALICE, BOB } from './signed-in-api';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

// A hierarchy of its own for the resolution tests (seeded with SQL): province → district → commune,
// a commune whose parent has never been seen, and procedures at each online level.
export const EFF_PROVINCE = 'EFF.P';
export const EFF_DISTRICT = 'EFF.D';
export const EFF_COMMUNE = 'EFF.C';
export const EFF_ORPHAN = 'EFF.X';
export const EFF_UNSEEN_PARENT = 'EFF.UNSEEN';
export const EFF_FULL = 'EFF.1';
export const EFF_PARTIAL = 'EFF.2';
export const EFF_NONE = 'EFF.3';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Registers the spec's beforeAll (the API, both operators signed in, the seeds below) and afterAll; returns
 * the database client and the request helpers.
 */
export function useTargetsApi(database: string) {
  const api = useSignedInApi(database, async (db) => {
    // Hung under the province root of the fixtures, so that the operator's scope (000.00.00.H31) holds them.
    const agencies: Array<[string, string, string | null]> = [
      [EFF_PROVINCE, 'province', PROVINCE],
      [EFF_DISTRICT, 'district', EFF_PROVINCE],
      [EFF_COMMUNE, 'commune', EFF_DISTRICT],
      [EFF_ORPHAN, 'commune', EFF_UNSEEN_PARENT],
    ];
    for (const [code, level, parent] of agencies) {
      await db.query(
        `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES ($1, $1, $2, $3, '2025-01-01T00:00:00Z', 'seed')`,
        [code, level, parent],
      );
    }
    for (const [code, onlineLevel] of [[EFF_FULL, 'full'], [EFF_PARTIAL, 'partial'], [EFF_NONE, 'none']]) {
      await db.query(
        `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id) VALUES ($1, $1, 'Thử', $2, '2025-01-01T00:00:00Z', 'seed')`,
        [code, onlineLevel],
      );
    }
  });
  const { db, as, get } = api;
  const post = (body: unknown, actor: string | null = ALICE) => as(actor).post('/v1/targets').send(body as object);
  const patch = (id: string, body: unknown, actor: string | null = ALICE) => as(actor).patch(`/v1/targets/${id}`).send(body as object);
  const del = (id: string, actor: string | null = ALICE, query: Record<string, string> = {}) => as(actor).delete(`/v1/targets/${id}`).query(query);
  const auditCount = async () => Number((await db.query('SELECT count(*) FROM target_audit')).rows[0].count);
  const targetCount = async () => Number((await db.query('SELECT count(*) FROM targets')).rows[0].count);

  async function create(body: Json, actor = ALICE): Promise<Json> {
    const response = await post(body, actor);
    expect(response.status).toBe(201);
    return response.body;
  }

  async function allPages(path: string, query: Record<string, string>): Promise<Json[]> {
    const items: Json[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(path, { ...query, ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
    } while (cursor);
    return items;
  }

  return { ...api, post, patch, del, auditCount, targetCount, create, allPages };
}

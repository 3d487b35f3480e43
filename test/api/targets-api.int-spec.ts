import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { setupOpenApi } from '../../services/api/src/openapi';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { COMMUNE_2, LOOP_A, PROVINCE } from './support/rates-fixtures';
import { DEMO_USERS, signedIn, signIn } from './support/signed-in';

const DATABASE = 'dvc_monitor_api_targets_test';
const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** Two province operators of the demo realm (real Keycloak tokens): changes are audited with the token's name. */
const ALICE = DEMO_USERS.operator.name;
const BOB = DEMO_USERS.operator2.name;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

// A hierarchy of its own for the resolution tests (seeded with SQL): province → district → commune,
// a commune whose parent has never been seen, and procedures at each online level.
const EFF_PROVINCE = 'EFF.P';
const EFF_DISTRICT = 'EFF.D';
const EFF_COMMUNE = 'EFF.C';
const EFF_ORPHAN = 'EFF.X';
const EFF_UNSEEN_PARENT = 'EFF.UNSEEN';
const EFF_FULL = 'EFF.1';
const EFF_PARTIAL = 'EFF.2';
const EFF_NONE = 'EFF.3';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('targets API (real PostgreSQL)', () => {
  let app: INestApplication;
  let db: Client;
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

  afterAll(async () => {
    await db?.end();
    await stopApi(app, DATABASE);
  });

  const server = () => app.getHttpServer();
  /** Signed in as the operator named `actor` (ALICE or BOB), or with no token at all (`null`). */
  const as = (actor: string | null) => (actor === null ? request(server()) : signedIn(app, tokens.get(actor)!));
  const get = (path: string, query: Record<string, string> = {}) => as(ALICE).get(path).query(query);
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

  describe('shipped defaults', () => {
    it('are present after the migration, audited as created by the migration', async () => {
      const response = await get('/v1/targets');
      expect(response.status).toBe(200);
      expect(response.body.nextCursor).toBeNull();
      const defaults = response.body.items;
      expect(defaults).toHaveLength(2);
      const bySeverity = Object.fromEntries(defaults.map((t: Json) => [t.severity, t]));
      for (const [severity, threshold] of [['critical', 0.1], ['warning', 0.5]] as const) {
        expect(bySeverity[severity]).toEqual({
          id: expect.stringMatching(UUID),
          scope: { kind: 'all' },
          metric: 'onlineRate',
          threshold,
          severity,
          enabled: true,
          note: expect.stringContaining(severity === 'critical' ? '10%' : '50%'),
          version: 1,
          createdAt: expect.stringMatching(ISO),
          createdBy: 'system (migration)',
          updatedAt: expect.stringMatching(ISO),
          updatedBy: 'system (migration)',
        });
        const audit = await get(`/v1/targets/${bySeverity[severity].id}/audit`);
        expect(audit.status).toBe(200);
        expect(audit.body.items).toEqual([
          {
            id: expect.stringMatching(/^\d+$/),
            targetId: bySeverity[severity].id,
            action: 'create',
            actor: 'system (migration)',
            actorSubject: null,
            at: bySeverity[severity].createdAt,
            before: null,
            after: bySeverity[severity],
          },
        ]);
      }
    });
  });

  describe('CRUD and audit', () => {
    it('creates, reads, changes and deletes a target, keeping who did what and when', async () => {
      const scope = { kind: 'agency', agencyCode: '  000.00.17.H31 ', includeSubtree: true };
      const created = await create({ scope, metric: 'onlineRate', threshold: 0.3, severity: 'warning', note: 'Huyện Văn Lâm' });
      expect(created).toEqual({
        id: expect.stringMatching(UUID),
        scope: { kind: 'agency', agencyCode: '000.00.17.H31', includeSubtree: true },
        metric: 'onlineRate',
        threshold: 0.3,
        severity: 'warning',
        enabled: true,
        note: 'Huyện Văn Lâm',
        version: 1,
        createdAt: expect.stringMatching(ISO),
        createdBy: ALICE,
        updatedAt: created.createdAt,
        updatedBy: ALICE,
      });
      expect(Object.keys(created)).toEqual([
        'id', 'scope', 'metric', 'threshold', 'severity', 'enabled', 'note', 'version', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy',
      ]);
      expect((await get(`/v1/targets/${created.id}`)).body).toEqual(created);

      const changed = await patch(created.id, { version: 1, threshold: 0.35, enabled: false, note: null }, BOB);
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ ...created, threshold: 0.35, enabled: false, note: null, version: 2, updatedBy: BOB, updatedAt: expect.stringMatching(ISO) });
      expect(Date.parse(changed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
      expect((await get(`/v1/targets/${created.id}`)).body).toEqual(changed.body);

      const deleted = await del(created.id, ALICE, { version: '2' });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await get(`/v1/targets/${created.id}`)).status).toBe(404);

      // The history outlives the target: newest first, with the target before and after each change.
      const history = await get(`/v1/targets/${created.id}/audit`);
      expect(history.status).toBe(200);
      expect(history.body.items.map((e: Json) => [e.action, e.actor, e.actorSubject])).toEqual([
        ['delete', ALICE, subjects.get(ALICE)],
        ['update', BOB, subjects.get(BOB)],
        ['create', ALICE, subjects.get(ALICE)],
      ]);
      expect(subjects.get(ALICE)).not.toBe(subjects.get(BOB));
      const [deletion, update, creation] = history.body.items;
      expect(creation).toMatchObject({ targetId: created.id, before: null, after: created, at: created.createdAt });
      expect(update).toMatchObject({ targetId: created.id, before: created, after: changed.body, at: changed.body.updatedAt });
      expect(deletion).toMatchObject({ targetId: created.id, before: changed.body, after: null, at: expect.stringMatching(ISO) });
      expect(Number(deletion.id)).toBeGreaterThan(Number(update.id));

      // The global trail, filtered.
      const bobs = await get('/v1/targets/audit', { actor: BOB });
      expect(bobs.body.items.map((e: Json) => e.id)).toEqual([update.id]);
      const deletions = await get('/v1/targets/audit', { action: 'delete', targetId: created.id });
      expect(deletions.body.items).toEqual([deletion]);
    });

    it('lists with filters and pages through every target once', async () => {
      const procedure = await create({ scope: { kind: 'procedure', procedureCode: '1.001612' }, metric: 'onTimeRate', threshold: 0.9, severity: 'critical' });
      const pair = await create({
        scope: { kind: 'agencyProcedure', agencyCode: COMMUNE_2, procedureCode: '1.001612' },
        metric: 'onlineRate',
        threshold: 0.2,
        severity: 'critical',
      });
      const level = await create({ scope: { kind: 'agencyLevel', agencyLevel: 'commune' }, metric: 'onlineRate', threshold: 0.25, severity: 'critical' });
      const ids = (response: request.Response) => response.body.items.map((t: Json) => t.id);

      expect(ids(await get('/v1/targets', { procedure: '1.001612' }))).toEqual([procedure.id, pair.id]);
      expect(ids(await get('/v1/targets', { agency: COMMUNE_2 }))).toEqual([pair.id]);
      expect(ids(await get('/v1/targets', { scopeKind: 'agencyLevel' }))).toEqual([level.id]);
      expect(ids(await get('/v1/targets', { metric: 'onTimeRate' }))).toEqual([procedure.id]);
      expect(ids(await get('/v1/targets', { procedure: '1.001612', metric: 'onlineRate' }))).toEqual([pair.id]);

      const all = await get('/v1/targets');
      expect(all.body.items.length).toBe(await targetCount());
      expect(all.body.items.slice(-3).map((t: Json) => t.id)).toEqual([procedure.id, pair.id, level.id]);
      const paged = await allPages('/v1/targets', { limit: '2' });
      expect(paged).toEqual(all.body.items);

      const trail = await get('/v1/targets/audit');
      const pagedTrail = await allPages('/v1/targets/audit', { limit: '3' });
      expect(pagedTrail).toEqual(trail.body.items);
      expect(pagedTrail.length).toBe(await auditCount());
      expect(pagedTrail.map((e) => Number(e.id))).toEqual([...pagedTrail.map((e) => Number(e.id))].sort((a, b) => b - a));

      for (const target of [procedure, pair, level]) expect((await del(target.id)).status).toBe(204);
    });

    it('changes nothing, and audits nothing, when a change changes nothing', async () => {
      const target = await create({ scope: { kind: 'procedure', procedureCode: 'NOOP' }, metric: 'onlineRate', threshold: 0.4, severity: 'warning' });
      const before = await auditCount();
      const response = await patch(target.id, { version: 1, threshold: 0.4, enabled: true }, BOB);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(target);
      expect(await auditCount()).toBe(before);
      expect((await del(target.id)).status).toBe(204);
    });
  });

  describe('bad requests', () => {
    const valid = { scope: { kind: 'all' }, metric: 'onTimeRate', threshold: 0.5, severity: 'warning' };

    it.each([
      ['a threshold above 1', { ...valid, threshold: 1.5 }, 'threshold: must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)'],
      ['a negative threshold', { ...valid, threshold: -0.1 }, 'threshold: must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)'],
      ['a threshold as a string', { ...valid, threshold: '0.5' }, 'threshold: "0.5" is not a number; give a ratio from 0 to 1, e.g. 0.5'],
      ['a field of another scope kind', { ...valid, scope: { kind: 'all', agencyCode: 'A' } }, 'scope.agencyCode: unknown property; an "all" scope has kind'],
      ['a missing field of the scope kind', { ...valid, scope: { kind: 'agencyProcedure', agencyCode: 'A' } }, 'scope.procedureCode: is required; give the exact code'],
      ['includeSubtree outside an agency scope', { ...valid, scope: { kind: 'procedure', procedureCode: 'P', includeSubtree: true } }, 'scope.includeSubtree: unknown property; a "procedure" scope has kind, procedureCode'],
      ['a blank code', { ...valid, scope: { kind: 'agency', agencyCode: '   ' } }, 'scope.agencyCode: must not be empty or blank; give the exact code'],
      ['an online level that cannot be targeted', { ...valid, scope: { kind: 'onlineLevel', onlineLevel: 'none' } }, 'scope.onlineLevel: "none" is not allowed; use one of full, partial'],
      ['an unknown scope kind', { ...valid, scope: { kind: 'sector' } }, 'scope.kind: "sector" is not allowed; use one of all, agencyLevel, onlineLevel, agency, procedure, agencyProcedure'],
      ['an unknown field', { ...valid, treshold: 0.4 }, 'treshold: unknown property; a target has scope, metric, threshold, severity, enabled, note'],
      ['an unknown metric', { ...valid, metric: 'paidOnlineRate' }, 'metric: "paidOnlineRate" is not allowed; use one of onlineRate, onTimeRate'],
    ])('refuses %s on create, and writes nothing', async (_what, body, message) => {
      const [targets, audit] = [await targetCount(), await auditCount()];
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
      expect([await targetCount(), await auditCount()]).toEqual([targets, audit]);
    });

    it('refuses malformed JSON', async () => {
      const response = await as(ALICE).post('/v1/targets').set('Content-Type', 'application/json').send('{"scope":');
      expect(response.status).toBe(400);
    });

    it('refuses every change without a token (401), believes no X-Actor header, and writes nothing', async () => {
      const target = await create({ ...valid, scope: { kind: 'procedure', procedureCode: 'ACTOR' } });
      const [targets, audit] = [await targetCount(), await auditCount()];
      for (const response of [
        await post({ ...valid, scope: { kind: 'procedure', procedureCode: 'ACTOR.2' } }, null),
        await request(server()).post('/v1/targets').set('X-Actor', 'alice@hungyen.gov.vn').send({ ...valid, scope: { kind: 'procedure', procedureCode: 'ACTOR.2' } }),
        await patch(target.id, { version: 1, threshold: 0.1 }, null),
        await del(target.id, null),
      ]) {
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
      expect([await targetCount(), await auditCount()]).toEqual([targets, audit]);
      expect((await get(`/v1/targets/${target.id}`)).body).toEqual(target);
      expect((await del(target.id)).status).toBe(204);
    });

    it('refuses bad updates and queries precisely', async () => {
      const target = await create({ ...valid, scope: { kind: 'procedure', procedureCode: 'BAD.UPDATE' } });
      const cases: Array<[request.Response, string]> = [
        [await patch(target.id, { threshold: 0.2 }), 'version: is required: the version you read (GET), so that a change made meanwhile is not overwritten'],
        [await patch(target.id, { version: 1 }), 'body: nothing to change; give at least one of threshold, severity, enabled, note'],
        [await patch(target.id, { version: 1, threshold: 2 }), 'threshold: must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)'],
        [await patch(target.id, { version: 1, metric: 'onlineRate', threshold: 0.2 }), 'metric: unknown property; a target update has version, threshold, severity, enabled, note'],
        [await get('/v1/targets', { scopeKind: 'sector' }), 'scopeKind: "sector" is not allowed; use one of all, agencyLevel, onlineLevel, agency, procedure, agencyProcedure'],
        [await get('/v1/targets', { colour: 'red' }), 'colour: unknown parameter; allowed: scopeKind, metric, agency, procedure, limit, cursor'],
        [await get('/v1/targets/audit', { targetId: 'nope' }), 'targetId: "nope" is not a target id (a UUID)'],
        [await del(target.id, ALICE, { version: 'x' }), 'version: must be the integer version you read'],
      ];
      for (const [response, message] of cases) {
        expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
      }
      expect((await get('/v1/targets', { cursor: 'abc' })).body.message).toMatch(/^cursor: /);
      expect((await get(`/v1/targets/${target.id}`)).body.version).toBe(1);
      expect((await del(target.id)).status).toBe(204);
    });
  });

  describe('not found', () => {
    it('answers 404 for a target that does not exist, whatever the method', async () => {
      const missing = { statusCode: 404, error: 'Not Found', message: `target "${MISSING_ID}" does not exist` };
      expect((await get(`/v1/targets/${MISSING_ID}`)).body).toEqual(missing);
      expect((await patch(MISSING_ID, { version: 1, threshold: 0.2 })).body).toEqual(missing);
      expect((await del(MISSING_ID)).body).toEqual(missing);
      expect((await get('/v1/targets/not-a-uuid')).status).toBe(404);
      expect((await del('not-a-uuid')).status).toBe(404);
      const history = await get(`/v1/targets/${MISSING_ID}/audit`);
      expect(history.body).toEqual({ statusCode: 404, error: 'Not Found', message: `target "${MISSING_ID}" never existed` });
    });
  });

  describe('conflicts', () => {
    it('refuses a second rule for the same scope × metric × severity, naming the first', async () => {
      const scope = { kind: 'agency', agencyCode: EFF_DISTRICT, includeSubtree: false };
      const first = await create({ scope, metric: 'onlineRate', threshold: 0.3, severity: 'critical' });
      const audit = await auditCount();
      const duplicate = await post({ scope: { ...scope, agencyCode: ` ${EFF_DISTRICT}` }, metric: 'onlineRate', threshold: 0.4, severity: 'critical' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.message).toBe(
        `a critical onlineRate target for this scope already exists (id ${first.id}, version 1); change it with PATCH /v1/targets/${first.id} instead`,
      );
      // includeSubtree absent means false: the same scope.
      expect((await post({ scope: { kind: 'agency', agencyCode: EFF_DISTRICT }, metric: 'onlineRate', threshold: 0.4, severity: 'critical' })).status).toBe(409);
      expect(await auditCount()).toBe(audit);
      // The subtree, another severity or another metric are other rules.
      const subtree = await create({ scope: { ...scope, includeSubtree: true }, metric: 'onlineRate', threshold: 0.3, severity: 'critical' });
      const warning = await create({ scope, metric: 'onlineRate', threshold: 0.3, severity: 'warning' });
      const onTime = await create({ scope, metric: 'onTimeRate', threshold: 0.3, severity: 'critical' });
      // Changing severity onto an existing rule collides too.
      const collision = await patch(warning.id, { version: 1, severity: 'critical' });
      expect(collision.status).toBe(409);
      expect(collision.body.message).toMatch(/^severity: /);
      expect((await get(`/v1/targets/${warning.id}`)).body).toEqual(warning);
      for (const target of [first, subtree, warning, onTime]) expect((await del(target.id)).status).toBe(204);
    });

    it('refuses a change based on a stale version, and keeps the other one', async () => {
      const target = await create({ scope: { kind: 'procedure', procedureCode: 'STALE' }, metric: 'onlineRate', threshold: 0.3, severity: 'warning' });
      const first = await patch(target.id, { version: 1, threshold: 0.4 }, ALICE);
      expect(first.status).toBe(200);
      expect(first.body.version).toBe(2);
      const audit = await auditCount();
      const second = await patch(target.id, { version: 1, threshold: 0.6 }, BOB);
      expect(second.status).toBe(409);
      expect(second.body.message).toBe(
        `version: target ${target.id} is at version 2, not 1: it was changed meanwhile (last by ${ALICE} at ${first.body.updatedAt}); ` +
          'read it again and re-apply your change',
      );
      expect((await get(`/v1/targets/${target.id}`)).body).toEqual(first.body);
      expect(await auditCount()).toBe(audit);
      expect((await del(target.id, BOB, { version: '1' })).status).toBe(409);
      expect((await get(`/v1/targets/${target.id}`)).status).toBe(200);
      const third = await patch(target.id, { version: 2, threshold: 0.6 }, BOB);
      expect(third.body).toMatchObject({ version: 3, threshold: 0.6, updatedBy: BOB });
      expect((await del(target.id, BOB, { version: '3' })).status).toBe(204);
    });

    it('lets only one of two simultaneous changes of the same version through', async () => {
      const target = await create({ scope: { kind: 'procedure', procedureCode: 'RACE' }, metric: 'onlineRate', threshold: 0.3, severity: 'warning' });
      const responses = await Promise.all([0.1, 0.2, 0.4, 0.6].map((threshold) => patch(target.id, { version: 1, threshold })));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
      const history = await get(`/v1/targets/${target.id}/audit`);
      expect(history.body.items.map((e: Json) => e.action)).toEqual(['update', 'create']);
      expect((await del(target.id)).status).toBe(204);
    });
  });

  describe('effective targets', () => {
    const effective = async (query: Record<string, string>) => {
      const response = await get('/v1/targets/effective', query);
      expect(response.status).toBe(200);
      return response.body;
    };
    /** metric/severity → [threshold, matchedBy.kind, rule id]. */
    const summary = (body: Json) =>
      Object.fromEntries(body.targets.map((t: Json) => [`${t.metric}/${t.severity}`, [t.threshold, t.matchedBy.kind, t.rule.id]]));
    let defaults: { critical: Json; warning: Json };
    const rule = (scope: Json, threshold: number, severity = 'warning', metric = 'onlineRate') => create({ scope, metric, threshold, severity });

    beforeAll(async () => {
      const items = (await get('/v1/targets', { scopeKind: 'all' })).body.items;
      defaults = { critical: items.find((t: Json) => t.severity === 'critical'), warning: items.find((t: Json) => t.severity === 'warning') };
    });

    it('resolves the most specific rule across the hierarchy, and says why', async () => {
      const commune = { agency: EFF_COMMUNE };
      const communeBirth = { agency: EFF_COMMUNE, procedure: EFF_FULL };

      // Only the shipped defaults.
      const start = await effective(commune);
      expect(start.subject).toEqual({
        agencyCode: EFF_COMMUNE,
        agencyLevel: 'commune',
        agencyAncestry: [EFF_DISTRICT, EFF_PROVINCE, PROVINCE],
        procedureCode: null,
        procedureOnlineLevel: null,
      });
      expect(summary(start)).toEqual({
        'onlineRate/critical': [0.1, 'all', defaults.critical.id],
        'onlineRate/warning': [0.5, 'all', defaults.warning.id],
      });
      expect(start.targets[0]).toEqual({
        metric: 'onlineRate',
        severity: 'critical',
        threshold: 0.1,
        rule: defaults.critical,
        matchedBy: { kind: 'all' },
        reason: `rule for everything (scope all): the most specific enabled critical onlineRate rule for agency ${EFF_COMMUNE} as a whole`,
        reasonVi: `quy tắc chung cho tất cả: quy tắc tỷ lệ hồ sơ trực tuyến mức nghiêm trọng cụ thể nhất đang bật cho toàn cơ quan ${EFF_COMMUNE}`,
        overridden: [],
      });

      const level = await rule({ kind: 'agencyLevel', agencyLevel: 'commune' }, 0.4);
      expect(summary(await effective(commune))['onlineRate/warning']).toEqual([0.4, 'agencyLevel', level.id]);
      expect(summary(await effective({ agency: EFF_DISTRICT }))['onlineRate/warning']).toEqual([0.5, 'all', defaults.warning.id]);

      // An online-level rule applies to procedures, not to the agency as a whole.
      const full = await rule({ kind: 'onlineLevel', onlineLevel: 'full' }, 0.45);
      expect(summary(await effective(communeBirth))['onlineRate/warning']).toEqual([0.45, 'onlineLevel', full.id]);
      expect(summary(await effective(commune))['onlineRate/warning']).toEqual([0.4, 'agencyLevel', level.id]);
      expect(summary(await effective({ agency: EFF_COMMUNE, procedure: EFF_PARTIAL }))['onlineRate/warning']).toEqual([0.4, 'agencyLevel', level.id]);

      // Subtree rules: the nearer ancestor wins.
      const provinceTree = await rule({ kind: 'agency', agencyCode: EFF_PROVINCE, includeSubtree: true }, 0.6);
      expect(summary(await effective(communeBirth))['onlineRate/warning']).toEqual([0.6, 'agencySubtree', provinceTree.id]);
      const districtTree = await rule({ kind: 'agency', agencyCode: EFF_DISTRICT, includeSubtree: true }, 0.55);
      const nearer = (await effective(communeBirth)).targets.find((t: Json) => t.severity === 'warning');
      expect(nearer).toMatchObject({
        threshold: 0.55,
        rule: { id: districtTree.id },
        matchedBy: { kind: 'agencySubtree', subtreeRoot: { agencyCode: EFF_DISTRICT, distance: 1 } },
        reason: expect.stringMatching(new RegExp(`^rule for the subtree of agency ${EFF_DISTRICT}, 1 level above: .*takes precedence over 4 other matching rules$`)),
        reasonVi: expect.stringMatching(new RegExp(`^quy tắc cho các đơn vị thuộc cơ quan ${EFF_DISTRICT}, trên 1 cấp: .*được ưu tiên hơn 4 quy tắc khác cũng khớp$`)),
      });
      expect(nearer.overridden.map((o: Json) => [o.rule.id, o.matchedBy.kind, o.matchedBy.subtreeRoot?.distance])).toEqual([
        [provinceTree.id, 'agencySubtree', 2],
        [full.id, 'onlineLevel', undefined],
        [level.id, 'agencyLevel', undefined],
        [defaults.warning.id, 'all', undefined],
      ]);
      // The subtree rule also covers the agency it names (distance 0), and not its parent.
      expect((await effective({ agency: EFF_DISTRICT })).targets[1].matchedBy).toEqual({
        kind: 'agencySubtree',
        subtreeRoot: { agencyCode: EFF_DISTRICT, distance: 0 },
      });
      expect(summary(await effective({ agency: EFF_PROVINCE }))['onlineRate/warning']).toEqual([0.6, 'agencySubtree', provinceTree.id]);

      // The agency's own rule beats any subtree rule, even with a lower threshold.
      const exact = await rule({ kind: 'agency', agencyCode: EFF_COMMUNE }, 0.35);
      expect(summary(await effective(communeBirth))['onlineRate/warning']).toEqual([0.35, 'agency', exact.id]);

      // A procedure rule beats agency rules for that procedure, and is ignored for the agency as a whole.
      const birth = await rule({ kind: 'procedure', procedureCode: EFF_FULL }, 0.7);
      expect(summary(await effective(communeBirth))['onlineRate/warning']).toEqual([0.7, 'procedure', birth.id]);
      expect(summary(await effective(commune))['onlineRate/warning']).toEqual([0.35, 'agency', exact.id]);

      // The pair rule beats everything, for that pair only.
      const pair = await rule({ kind: 'agencyProcedure', agencyCode: EFF_COMMUNE, procedureCode: EFF_FULL }, 0.2);
      const pairResult = await effective(communeBirth);
      expect(summary(pairResult)['onlineRate/warning']).toEqual([0.2, 'agencyProcedure', pair.id]);
      expect(pairResult.targets.find((t: Json) => t.severity === 'warning').reason).toMatch(
        new RegExp(`^rule for procedure ${EFF_FULL} at agency ${EFF_COMMUNE}: the most specific enabled warning onlineRate rule for procedure ${EFF_FULL} at agency ${EFF_COMMUNE}`),
      );
      expect(summary(await effective({ agency: EFF_DISTRICT, procedure: EFF_FULL }))['onlineRate/warning']).toEqual([0.7, 'procedure', birth.id]);
      // Critical is resolved on its own: still the default.
      expect(summary(pairResult)['onlineRate/critical']).toEqual([0.1, 'all', defaults.critical.id]);

      // A disabled rule overrides nothing.
      expect((await patch(pair.id, { version: 1, enabled: false })).status).toBe(200);
      expect(summary(await effective(communeBirth))['onlineRate/warning']).toEqual([0.7, 'procedure', birth.id]);

      for (const target of [level, full, provinceTree, districtTree, exact, birth, pair]) expect((await del(target.id)).status).toBe(204);
      expect(summary(await effective(communeBirth))['onlineRate/warning']).toEqual([0.5, 'all', defaults.warning.id]);
    });

    it('resolves each metric on its own, and filters by metric', async () => {
      const onTime = await rule({ kind: 'agency', agencyCode: EFF_DISTRICT, includeSubtree: true }, 0.8, 'critical', 'onTimeRate');
      const all = await effective({ agency: EFF_COMMUNE });
      expect(summary(all)).toEqual({
        'onlineRate/critical': [0.1, 'all', defaults.critical.id],
        'onlineRate/warning': [0.5, 'all', defaults.warning.id],
        'onTimeRate/critical': [0.8, 'agencySubtree', onTime.id],
      });
      expect(summary(await effective({ agency: EFF_COMMUNE, metric: 'onTimeRate' }))).toEqual({
        'onTimeRate/critical': [0.8, 'agencySubtree', onTime.id],
      });
      expect((await effective({ agency: EFF_COMMUNE, metric: 'onlineRate' })).targets.map((t: Json) => t.metric)).toEqual(['onlineRate', 'onlineRate']);
      expect((await del(onTime.id)).status).toBe(204);
    });

    it('holds a procedure not offered online to no online-rate target unless a rule names it', async () => {
      const none = { agency: EFF_COMMUNE, procedure: EFF_NONE };
      const body = await effective(none);
      expect(body.subject).toMatchObject({ procedureCode: EFF_NONE, procedureOnlineLevel: 'none' });
      expect(body.targets).toEqual([]);
      const named = await rule({ kind: 'procedure', procedureCode: EFF_NONE }, 0.05, 'critical');
      expect(summary(await effective(none))).toEqual({ 'onlineRate/critical': [0.05, 'procedure', named.id] });
      expect((await del(named.id)).status).toBe(204);
    });

    it('keeps an agency under a never-catalogued parent, and a cycle, outside the province operator’s scope', async () => {
      // Neither hangs under 000.00.00.H31: to the operator they do not exist (404, no existence leak), and no rule
      // may be written for them. (Their resolution would need a token naming them; the demo realm has none.)
      for (const agency of [EFF_ORPHAN, LOOP_A]) {
        const response = await get('/v1/targets/effective', { agency });
        expect({ agency, status: response.status }).toEqual({ agency, status: 404 });
      }
      const outside = await post({ scope: { kind: 'agency', agencyCode: EFF_UNSEEN_PARENT, includeSubtree: true }, metric: 'onlineRate', threshold: 0.3, severity: 'critical' });
      expect(outside.status).toBe(403);
    });

    it('answers 404 for an agency or procedure not seen yet, and 400 without an agency', async () => {
      const agency = await get('/v1/targets/effective', { agency: 'NEVER.SEEN' });
      expect(agency.status).toBe(404);
      expect(agency.body.message).toBe('agency "NEVER.SEEN" is not known: no event has named it yet, so its level and parents are unknown');
      const procedure = await get('/v1/targets/effective', { agency: EFF_COMMUNE, procedure: '9.NEVER' });
      expect(procedure.status).toBe(404);
      expect(procedure.body.message).toBe('procedure "9.NEVER" is not known: no event has named it yet, so its online level is unknown');
      const missing = await get('/v1/targets/effective', { procedure: EFF_FULL });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toBe('agency: is required: the agency whose targets to resolve');
    });
  });

  describe('OpenAPI', () => {
    it('documents the targets endpoints and their bearer token', async () => {
      const response = await get('/docs-json');
      expect(response.status).toBe(200);
      const paths = response.body.paths;
      expect(Object.keys(paths)).toEqual(
        expect.arrayContaining(['/v1/targets', '/v1/targets/{id}', '/v1/targets/{id}/audit', '/v1/targets/audit', '/v1/targets/effective']),
      );
      expect(Object.keys(paths['/v1/targets'])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(paths['/v1/targets/{id}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
      for (const write of [paths['/v1/targets'].post, paths['/v1/targets/{id}'].patch, paths['/v1/targets/{id}'].delete]) {
        expect(write.security).toEqual([{ bearer: [] }]);
        expect(Object.keys(write.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(Object.keys(paths['/v1/targets/{id}'].patch.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409']));
      expect(paths['/v1/targets'].post.responses).toHaveProperty('201');
      expect(paths['/v1/targets/{id}'].delete.responses).toHaveProperty('204');
      expect(response.body.info.description).not.toContain('X-Actor');
      expect(response.body.components.schemas.UpdateTargetDto.required).toContain('version');
    });
  });
});

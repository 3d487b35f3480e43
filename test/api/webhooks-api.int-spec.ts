import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { setupOpenApi } from '../../services/api/src/openapi';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { DISTRICT } from './support/rates-fixtures';
import { keyringOf, openSecret, parseEncryptionKey } from '@dvc/domain';
import { TEST_SECRETS_KEY } from '../support/infrastructure';
import { DEMO_USERS, signedIn, signIn } from './support/signed-in';

const DATABASE = 'dvc_monitor_api_webhooks_test';
const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** Every change here is made by the province operator (demo user `operator`); audit rows record the token's name and subject. */
const OPERATOR_NAME = DEMO_USERS.operator.name;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OWN_SECRET = 'my-own-secret-0123456789';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('webhook endpoints and source activity API (real PostgreSQL)', () => {
  let app: INestApplication;
  let db: Client;
  let token: string;
  let subject: string;

  beforeAll(async () => {
    // This file registers a plain-http receiver on a private address: allowed here, refused by default (see
    // test/security/webhook-egress.int-spec.ts).
    Object.assign(process.env, { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '10.0.0.0/8' });
    app = await startApiOnFreshDatabase(DATABASE, setupOpenApi);
    ({ token, subject } = await signIn('operator'));
    db = new Client({ connectionString: `${SERVER_URL}/${DATABASE}` });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await stopApi(app, DATABASE);
  });

  const server = () => app.getHttpServer();
  /** Signed in as the operator, or (`signed` false) with no token at all. */
  const client = (signed = true) => (signed ? signedIn(app, token) : request(server()));
  const get = (path: string, query: Record<string, string> = {}) => client().get(path).query(query);
  const post = (body: unknown, signed = true) => client(signed).post('/v1/webhooks').send(body as object);
  const patch = (id: string, body: unknown, signed = true) => client(signed).patch(`/v1/webhooks/${id}`).send(body as object);
  const del = (id: string, signed = true) => client(signed).delete(`/v1/webhooks/${id}`);
  /**
   * The secret the alerting service will sign with: sealed in the row (no plaintext column, no plaintext in the
   * sealed value), opened with the key the API was given.
   */
  const secretOf = async (id: string): Promise<string> => {
    const [row] = (await db.query(`SELECT secret, secret_sealed FROM webhook_endpoints WHERE id = $1`, [id])).rows;
    expect(row.secret).toBeNull();
    const opened = openSecret(keyringOf(parseEncryptionKey(TEST_SECRETS_KEY, 'the test key')), row.secret_sealed);
    expect(row.secret_sealed).not.toContain(opened);
    return opened;
  };
  const count = async () => Number((await db.query(`SELECT count(*) FROM webhook_endpoints`)).rows[0].count);

  /** No answer of a GET may carry a secret, under any name. */
  function expectNoSecret(body: unknown, ...secrets: string[]): void {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/"secret"/i);
    for (const secret of secrets) expect(text).not.toContain(secret);
  }

  describe('webhooks', () => {
    let generated: Json;
    let own: Json;

    it('registers an endpoint with a generated secret, shown once, stored as shown', async () => {
      const response = await post({ url: 'HTTPS://ioc.hungyen.gov.vn/hooks/dvc?x=1', name: '  IOC  ' });
      expect(response.status).toBe(201);
      generated = response.body;
      expect(generated).toEqual({
        id: expect.stringMatching(UUID),
        name: 'IOC',
        url: 'https://ioc.hungyen.gov.vn/hooks/dvc?x=1',
        agencyCode: null,
        enabled: true,
        createdAt: expect.stringMatching(ISO),
        createdBy: OPERATOR_NAME,
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
      });
      // What the alerting service signs with; who registered it, by the token's subject.
      expect(await secretOf(generated.id)).toBe(generated.secret);
      const audit = await db.query(`SELECT created_by, created_by_subject FROM webhook_endpoints WHERE id = $1`, [generated.id]);
      expect(audit.rows).toEqual([{ created_by: OPERATOR_NAME, created_by_subject: subject }]);
      const again = await post({ url: 'https://ioc.hungyen.gov.vn/other' });
      expect(again.status).toBe(201);
      expect(again.body.secret).not.toBe(generated.secret);
      expect((await del(again.body.id)).status).toBe(204);
    });

    it('registers an endpoint with a client-provided secret, scoped to an agency and disabled', async () => {
      const response = await post({ url: 'http://10.0.0.5:8080/alerts', secret: OWN_SECRET, agencyCode: ` ${DISTRICT} `, enabled: false });
      expect(response.status).toBe(201);
      own = response.body;
      expect(own).toMatchObject({ url: 'http://10.0.0.5:8080/alerts', agencyCode: DISTRICT, enabled: false, name: null, secret: OWN_SECRET });
      expect(await secretOf(own.id)).toBe(OWN_SECRET);
    });

    it('lists and shows endpoints without their secrets, oldest first, with filters and paging', async () => {
      const list = await get('/v1/webhooks');
      expect(list.status).toBe(200);
      const { secret: _g, ...generatedShown } = generated;
      const { secret: _o, ...ownShown } = own;
      expect(list.body).toEqual({ items: [generatedShown, ownShown], nextCursor: null });
      expectNoSecret(list.body, generated.secret, OWN_SECRET);

      const one = await get(`/v1/webhooks/${own.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(ownShown);
      expectNoSecret(one.body, OWN_SECRET);

      expect((await get('/v1/webhooks', { agency: DISTRICT })).body.items.map((w: Json) => w.id)).toEqual([own.id]);
      expect((await get('/v1/webhooks', { enabled: 'true' })).body.items.map((w: Json) => w.id)).toEqual([generated.id]);
      expect((await get('/v1/webhooks', { enabled: 'false' })).body.items.map((w: Json) => w.id)).toEqual([own.id]);

      const first = await get('/v1/webhooks', { limit: '1' });
      expect(first.body.items.map((w: Json) => w.id)).toEqual([generated.id]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await get('/v1/webhooks', { limit: '1', cursor: first.body.nextCursor });
      expect(second.body.items.map((w: Json) => w.id)).toEqual([own.id]);
      expect(second.body.nextCursor).toBeNull();
    });

    it('changes only what is given, and shows the secret only when it changed', async () => {
      const enabled = await patch(own.id, { enabled: true, name: 'Hệ thống IOC' });
      expect(enabled.status).toBe(200);
      expect(enabled.body).toEqual({ ...own, enabled: true, name: 'Hệ thống IOC', secret: undefined });
      expect(enabled.body).not.toHaveProperty('secret');
      expect(await secretOf(own.id)).toBe(OWN_SECRET);

      const moved = await patch(own.id, { url: 'https://ioc.example.vn/v2', agencyCode: null });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ url: 'https://ioc.example.vn/v2', agencyCode: null, enabled: true, name: 'Hệ thống IOC' });
      expect(moved.body).not.toHaveProperty('secret');

      const rotated = await patch(own.id, { rotateSecret: true });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(await secretOf(own.id)).toBe(rotated.body.secret);
      expectNoSecret((await get(`/v1/webhooks/${own.id}`)).body, rotated.body.secret);

      const replaced = await patch(own.id, { secret: 'another-secret-of-mine' });
      expect(replaced.status).toBe(200);
      expect(replaced.body.secret).toBe('another-secret-of-mine');
      expect(await secretOf(own.id)).toBe('another-secret-of-mine');
      expectNoSecret((await get('/v1/webhooks')).body, 'another-secret-of-mine', generated.secret);
    });

    it.each([
      [{}, /^url: is required/],
      [{ url: 'ftp://ioc.hungyen.gov.vn/x' }, /^url: "ftp:\/\/ioc.hungyen.gov.vn\/x" is not an http:\/\/ or https:\/\/ URL$/],
      [{ url: 'javascript:alert(1)' }, /^url: .* is not an http:\/\/ or https:\/\/ URL$/],
      [{ url: 'https://' }, /^url: "https:\/\/" is not an http:\/\/ or https:\/\/ URL$/],
      [{ url: 'ioc.hungyen.gov.vn/hooks' }, /^url: .* is not an http:\/\/ or https:\/\/ URL$/],
      [{ url: 'https://user:pw@ioc.hungyen.gov.vn/' }, /^url: .* must not carry a user name or password/],
      [{ url: 42 }, /^url: 42 is not allowed; give an http:\/\/ or https:\/\/ URL$/],
      [{ url: 'https://ioc.hungyen.gov.vn/', secret: 'short' }, /^secret: must be at least 16 characters/],
      [{ url: 'https://ioc.hungyen.gov.vn/', secret: 'has spaces in it, long enough' }, /^secret: must be 16–256 printable ASCII characters without spaces$/],
      [{ url: 'https://ioc.hungyen.gov.vn/', agencyCode: '  ' }, /^agencyCode: must not be empty or blank/],
      [{ url: 'https://ioc.hungyen.gov.vn/', enabled: 'yes' }, /^enabled: "yes" is not allowed; use true or false$/],
      [{ url: 'https://ioc.hungyen.gov.vn/', events: ['open'] }, /^events: unknown property; a webhook endpoint has url, secret, name, agencyCode, enabled$/],
    ])('answers 400 to POST %j, naming the property, and stores nothing', async (body, message) => {
      const before = await count();
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
      expect(await count()).toBe(before);
    });

    it('answers 400 to a PATCH that is empty, unknown or contradictory, and changes nothing', async () => {
      const before = (await db.query(`SELECT * FROM webhook_endpoints WHERE id = $1`, [generated.id])).rows[0];
      const cases: Array<[unknown, RegExp]> = [
        [{}, /^body: nothing to change; give at least one of url, name, agencyCode, enabled, secret, rotateSecret$/],
        [{ secret: 'another-secret-of-mine', rotateSecret: true }, /^rotateSecret: give either secret \(your own\) or rotateSecret/],
        [{ rotateSecret: false }, /^rotateSecret: false is not allowed/],
        [{ url: 'mailto:ops@hungyen.gov.vn' }, /^url: .* is not an http:\/\/ or https:\/\/ URL$/],
        [{ enabled: null }, /^enabled: null is not allowed/],
        [{ id: MISSING_ID }, /^id: unknown property/],
      ];
      for (const [body, message] of cases) {
        const response = await patch(generated.id, body);
        expect(response.status).toBe(400);
        expect(response.body.message).toMatch(message);
      }
      expect((await db.query(`SELECT * FROM webhook_endpoints WHERE id = $1`, [generated.id])).rows[0]).toEqual(before);
    });

    it('needs a token for every change (401), and believes no X-Actor header', async () => {
      const before = await count();
      for (const response of [await post({ url: 'https://a.example/' }, false), await patch(generated.id, { enabled: false }, false), await del(generated.id, false)]) {
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
      const claimed = await client(false).patch(`/v1/webhooks/${generated.id}`).set('X-Actor', 'alice@hungyen.gov.vn').send({ enabled: false });
      expect(claimed.status).toBe(401);
      expect(await count()).toBe(before);
      expect((await get(`/v1/webhooks/${generated.id}`)).body.enabled).toBe(true);
    });

    it('answers 404 for an unknown endpoint, also one that is not a UUID', async () => {
      for (const id of [MISSING_ID, 'not-a-uuid']) {
        const message = `webhook endpoint ${JSON.stringify(id)} does not exist`;
        for (const response of [await get(`/v1/webhooks/${id}`), await patch(id, { enabled: false }), await del(id)]) {
          expect(response.status).toBe(404);
          expect(response.body.message).toBe(message);
        }
      }
    });

    it('refuses URLs the alerting service would refuse to call: metadata, loopback, other private ranges', async () => {
      const before = await count();
      for (const [url, reason] of [
        ['http://169.254.169.254/latest/meta-data/', /^url: "http:\/\/169\.254\.169\.254\/latest\/meta-data\/" 169\.254\.169\.254 is in a link-local/],
        ['https://127.0.0.1:9200/', /127\.0\.0\.1 is in a loopback range; not called unless WEBHOOK_ALLOWED_CIDRS allows it$/],
        ['https://[::1]/', /::1 is in a loopback range/],
        ['https://192.168.1.10/', /192\.168\.1\.10 is in a private network range/],
      ] as const) {
        const response = await post({ url });
        expect({ url, status: response.status }).toEqual({ url, status: 400 });
        expect(response.body.message).toMatch(reason);
      }
      expect((await patch(generated.id, { url: 'https://169.254.169.254/' })).status).toBe(400);
      // 10.0.0.0/8 is allowlisted for this file.
      const inside = await post({ url: 'https://10.1.2.3/hooks', enabled: false });
      expect(inside.status).toBe(201);
      expect(await count()).toBe(before + 1);
      expect((await del(inside.body.id)).status).toBe(204);
    });

    it('answers 400 to bad list parameters', async () => {
      for (const [query, message] of [
        [{ enabled: 'yes' }, /^enabled: "yes" is not allowed; use one of true, false$/],
        [{ cursor: 'garbage' }, /^cursor: is not a cursor/],
        [{ limit: '0' }, /^limit: "0" is not allowed/],
        [{ secret: 'x' }, /^secret: unknown parameter/],
      ] as Array<[Record<string, string>, RegExp]>) {
        const response = await get('/v1/webhooks', query);
        expect(response.status).toBe(400);
        expect(response.body.message).toMatch(message);
      }
    });

    it('deletes an endpoint', async () => {
      expect((await del(own.id)).status).toBe(204);
      expect((await get(`/v1/webhooks/${own.id}`)).status).toBe(404);
      expect((await del(own.id)).status).toBe(404);
      expect((await get('/v1/webhooks')).body.items.map((w: Json) => w.id)).toEqual([generated.id]);
      expect(await count()).toBe(1);
    });
  });

  describe('GET /v1/sources/activity', () => {
    const SILENT = 'c2000000-0000-4000-8000-000000000000';

    beforeAll(async () => {
      await db.query(
        `INSERT INTO source_activity (source_uri, last_event_at, first_seen_at, updated_at) VALUES
           ('urn:dvc:motcua:hung-yen', '2025-04-10T01:00:00Z', '2025-03-01T00:00:00Z', '2025-04-10T01:00:05Z'),
           ('urn:dvc:motcua:bac-ninh', '2025-04-10T07:30:00Z', '2025-03-02T00:00:00Z', '2025-04-10T07:30:01Z'),
           ('https://motcua.thaibinh.gov.vn', '2025-04-09T09:00:00Z', '2025-03-03T00:00:00Z', '2025-04-09T09:00:02Z')`,
      );
      await db.query(
        `INSERT INTO alerts (id, kind, source_uri, severity, status, last_evaluation, explanation)
         VALUES ($1, 'silentSource', 'urn:dvc:motcua:hung-yen', 'critical', 'firing', '{}', '{}')`,
        [SILENT],
      );
      // A resolved one is not named.
      await db.query(
        `INSERT INTO alerts (kind, source_uri, severity, status, resolved_at, resolve_reason, last_evaluation, explanation)
         VALUES ('silentSource', 'urn:dvc:motcua:bac-ninh', 'critical', 'resolved', now(), 'eventsResumed', '{}', '{}')`,
      );
    });

    it('lists each source with its last event time and its open silent-source alert, by URI', async () => {
      const response = await get('/v1/sources/activity');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        items: [
          { sourceUri: 'https://motcua.thaibinh.gov.vn', lastEventAt: '2025-04-09T09:00:00.000Z', firstSeenAt: '2025-03-03T00:00:00.000Z', updatedAt: '2025-04-09T09:00:02.000Z', openAlertId: null },
          { sourceUri: 'urn:dvc:motcua:bac-ninh', lastEventAt: '2025-04-10T07:30:00.000Z', firstSeenAt: '2025-03-02T00:00:00.000Z', updatedAt: '2025-04-10T07:30:01.000Z', openAlertId: null },
          { sourceUri: 'urn:dvc:motcua:hung-yen', lastEventAt: '2025-04-10T01:00:00.000Z', firstSeenAt: '2025-03-01T00:00:00.000Z', updatedAt: '2025-04-10T01:00:05.000Z', openAlertId: SILENT },
        ],
        nextCursor: null,
      });
    });

    it('pages, and refuses what it does not know', async () => {
      const first = await get('/v1/sources/activity', { limit: '2' });
      expect(first.body.items.map((s: Json) => s.sourceUri)).toEqual(['https://motcua.thaibinh.gov.vn', 'urn:dvc:motcua:bac-ninh']);
      const second = await get('/v1/sources/activity', { limit: '2', cursor: first.body.nextCursor });
      expect(second.body).toMatchObject({ items: [{ sourceUri: 'urn:dvc:motcua:hung-yen' }], nextCursor: null });
      const bad = await get('/v1/sources/activity', { source: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/^source: unknown parameter; allowed: limit, cursor$/);
    });
  });

  describe('OpenAPI', () => {
    it('documents the webhook and source endpoints, the bearer token on each, 4xx answers, and the secret only where it is set', async () => {
      const response = await get('/docs-json');
      expect(response.status).toBe(200);
      const { paths, components } = response.body;
      expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/v1/webhooks', '/v1/webhooks/{id}', '/v1/sources/activity']));
      const writes = [paths['/v1/webhooks'].post, paths['/v1/webhooks/{id}'].patch, paths['/v1/webhooks/{id}'].delete];
      for (const write of writes) {
        expect(write.security).toEqual([{ bearer: [] }]);
        expect(JSON.stringify(write.parameters ?? [])).not.toContain('X-Actor');
        expect(Object.keys(write.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(Object.keys(paths['/v1/webhooks'].post.responses)).toEqual(expect.arrayContaining(['201', '400']));
      expect(Object.keys(paths['/v1/webhooks/{id}'].patch.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
      expect(Object.keys(paths['/v1/webhooks/{id}'].delete.responses)).toEqual(expect.arrayContaining(['204', '404']));
      expect(components.schemas.WebhookDto.properties).not.toHaveProperty('secret');
      expect(components.schemas.WebhookWithSecretDto.required).toContain('secret');
      expect(components.schemas.CreateWebhookDto.required).toEqual(['url']);
      expect(components.schemas.SourceActivityDto.required).toEqual(expect.arrayContaining(['sourceUri', 'lastEventAt']));
    });
  });
});

import { createHash } from 'node:crypto';
import request from 'supertest';
import { decodeJwtPayload, passwordToken } from '../support/keycloak';
import { startSecuredApi, SecuredApi } from './support/api-app';
import { IN_SCOPE, OUT_OF_SCOPE, ScopeFixtures } from './support/scope-fixtures';

/**
 * `/v1/sources` beyond its matrix row: what a registration stores (the key's hash only, the binding, who did
 * it), that the key is shown once, that bindings to exact codes stay inside the caller's scope, and what
 * rotation and revocation change. Tokens are the real local Keycloak's (the integrator demo user).
 */
let api: SecuredApi;
let token: string;
let subject: string;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const call = (method: 'get' | 'post' | 'patch', path: string, body?: object) => {
  const pending = request(api.app.getHttpServer())[method](path).set('Authorization', `Bearer ${token}`);
  return body === undefined ? pending : pending.send(body);
};

beforeAll(async () => {
  api = await startSecuredApi('dvc_test_sources_api', { API_RATE_LIMIT_PER_MINUTE: '100000' });
  await new ScopeFixtures(api.db).insertReferenceData();
  token = await passwordToken('integrator');
  subject = String(decodeJwtPayload(token).sub);
});

afterAll(async () => {
  await api?.close();
});

describe('ingest sources API', () => {
  let id: string;
  let firstKey: string;

  it('registers a source bound to agencies, shows its API key once and stores only its hash', async () => {
    const created = await call('post', '/v1/sources', {
      name: 'Một cửa Sở Tư pháp',
      sourceUri: 'urn:dvc:motcua:tu-phap',
      allowedAgencies: [IN_SCOPE, '*.H31', IN_SCOPE],
      kafkaTopicKey: 'tu-phap',
      // Both channels: with a Kafka topic key alone, no API key is issued unless asked for.
      issueApiKey: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Một cửa Sở Tư pháp',
      sourceUri: 'urn:dvc:motcua:tu-phap',
      allowedAgencies: [IN_SCOPE, '*.H31'],
      hasApiKey: true,
      kafkaTopicKey: 'tu-phap',
      kafkaTopic: 'dvc.dossier-events.v1.tu-phap',
      createdAt: expect.stringMatching(/Z$/),
      createdBy: expect.stringMatching(/\S/),
      createdBySubject: subject,
      updatedAt: null,
      updatedBy: null,
      revokedAt: null,
      revokedBy: null,
      apiKey: expect.stringMatching(/^dvc_[\w-]{32}$/),
    });
    id = created.body.id;
    firstKey = created.body.apiKey;
    const { rows } = await api.db.query(`SELECT api_key_hash, created_by_subject FROM ingest_sources WHERE id = $1`, [id]);
    expect(rows).toEqual([{ api_key_hash: sha256(firstKey), created_by_subject: subject }]);
    const everything = JSON.stringify((await api.db.query(`SELECT * FROM ingest_sources`)).rows);
    expect(everything).not.toContain(firstKey);

    const listed = await call('get', '/v1/sources');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([{ ...created.body, apiKey: undefined }].map(({ apiKey: _omitted, ...rest }) => rest));
    expect(JSON.stringify(listed.body)).not.toContain(firstKey);
  });

  it('answers precise 400s, a 403 for an exact code outside the caller’s scope and a 409 for a taken topic key', async () => {
    const base = { name: 'x', sourceUri: 'urn:x' };
    const cases: Array<[object, number, RegExp]> = [
      [{ ...base, allowedAgencies: [] }, 400, /^allowedAgencies: at least one agency code or pattern is required$/],
      [{ ...base, allowedAgencies: ['*'] }, 400, /^allowedAgencies: \[0\] "\*" matches every code/],
      [{ ...base }, 400, /^allowedAgencies: is required/],
      [{ ...base, allowedAgencies: ['*.H31'], kafkaTopicKey: 'Bad_Key' }, 400, /^kafkaTopicKey: must be 1–40 characters/],
      [{ ...base, allowedAgencies: ['*.H31'], issueApiKey: false }, 400, /^issueApiKey: a source needs an API key/],
      [{ ...base, allowedAgencies: ['*.H31'], apiKeyHash: 'x' }, 400, /^apiKeyHash: unknown property/],
      [{ ...base, allowedAgencies: [OUT_OF_SCOPE] }, 403, new RegExp(`^allowedAgencies: ${OUT_OF_SCOPE.replace(/\./g, '\\.')} is outside your scope$`)],
      [{ ...base, allowedAgencies: ['*.H31'], kafkaTopicKey: 'tu-phap' }, 409, /^kafkaTopicKey: "tu-phap" belongs to another source$/],
    ];
    for (const [body, status, message] of cases) {
      const response = await call('post', '/v1/sources', body);
      expect({ body, status: response.status, message: response.body.message }).toEqual({ body, status, message: expect.stringMatching(message) });
    }
    expect((await api.db.query(`SELECT count(*)::int AS n FROM ingest_sources`)).rows[0].n).toBe(1);
  });

  it('changes the binding, rotates the key (the old hash is gone) and records who did it', async () => {
    const changed = await call('patch', `/v1/sources/${id}`, { allowedAgencies: [IN_SCOPE], rotateApiKey: true });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ allowedAgencies: [IN_SCOPE], updatedBy: expect.stringMatching(/\S/), apiKey: expect.stringMatching(/^dvc_/) });
    expect(changed.body.apiKey).not.toBe(firstKey);
    const { rows } = await api.db.query(`SELECT api_key_hash, updated_by_subject FROM ingest_sources WHERE id = $1`, [id]);
    expect(rows).toEqual([{ api_key_hash: sha256(changed.body.apiKey), updated_by_subject: subject }]);
    const renamed = await call('patch', `/v1/sources/${id}`, { name: 'Một cửa Sở Tư pháp Hưng Yên' });
    expect(renamed.body).not.toHaveProperty('apiKey');
    expect((await call('patch', `/v1/sources/${id}`, {})).body.message).toMatch(/^body: nothing to change/);
    expect((await call('patch', `/v1/sources/${id}`, { allowedAgencies: [OUT_OF_SCOPE] })).status).toBe(403);
    expect((await call('patch', '/v1/sources/00000000-0000-4000-8000-000000000000', { name: 'y' })).status).toBe(404);
    expect((await call('patch', '/v1/sources/not-a-uuid', { name: 'y' })).status).toBe(404);
  });

  it('revokes once, and a revoked source cannot be changed', async () => {
    const revoked = await call('post', `/v1/sources/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, revokedAt: expect.stringMatching(/Z$/), revokedBy: expect.stringMatching(/\S/) });
    const again = await call('post', `/v1/sources/${id}/revoke`);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const change = await call('patch', `/v1/sources/${id}`, { name: 'z' });
    expect(change.status).toBe(409);
    expect(change.body.message).toMatch(/was revoked; register a new one instead$/);
    expect((await call('post', '/v1/sources/00000000-0000-4000-8000-000000000000/revoke')).status).toBe(404);
  });
});

import { createHmac } from 'node:crypto';
import { exportSPKI, generateKeyPair, importJWK, JWK, KeyLike, SignJWT } from 'jose';
import request from 'supertest';
import { clientCredentialsToken, ISSUER, KEYCLOAK_URL, passwordToken } from '../support/keycloak';
import { startSecuredApi, SecuredApi } from './support/api-app';
import { IN_SCOPE, ScopeFixtures } from './support/scope-fixtures';

/**
 * Tokens that must not get in, made from real tokens of the local Keycloak (and its published keys): each is a
 * 401 with an RFC 6750 challenge on every protected route tried, while the genuine token works.
 */
let api: SecuredApi;
let genuine: string;

const PROTECTED = ['/v1/rates', '/v1/alerts', `/v1/agencies/${IN_SCOPE}`];

const b64 = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const partsOf = (token: string) => {
  const [header, payload, signature] = token.split('.');
  return { header: JSON.parse(Buffer.from(header, 'base64url').toString()), payload: JSON.parse(Buffer.from(payload, 'base64url').toString()), signature };
};

async function issuerKey(kid: string): Promise<JWK> {
  const response = await fetch(`${ISSUER}/protocol/openid-connect/certs`);
  const { keys } = (await response.json()) as { keys: JWK[] };
  const key = keys.find((candidate) => candidate.kid === kid);
  if (!key) throw new Error(`the issuer publishes no key ${kid}`);
  return key;
}

const get = (path: string, token: string) => request(api.app.getHttpServer()).get(path).set('Authorization', `Bearer ${token}`);

beforeAll(async () => {
  api = await startSecuredApi('dvc_test_token_refusals');
  await new ScopeFixtures(api.db).insertReferenceData();
  genuine = await passwordToken('operator');
});

afterAll(async () => {
  await api?.close();
});

describe('tokens of the real identity provider', () => {
  it('let the genuine one in', async () => {
    for (const path of PROTECTED) expect((await get(path, genuine)).status).toBe(200);
  });

  it('let a machine client in with the client-credentials grant, as a viewer', async () => {
    const token = await clientCredentialsToken('dvc-reports', 'dvc-reports-demo-secret');
    expect((await get('/v1/rates', token)).status).toBe(200);
    const change = await request(api.app.getHttpServer())
      .post('/v1/recipients')
      .set('Authorization', `Bearer ${token}`)
      .send({ agencyCode: IN_SCOPE, email: 'may@hungyen.gov.vn' });
    expect(change.status).toBe(403);
    expect(change.body).toMatchObject({ statusCode: 403, error: 'Forbidden', message: expect.stringContaining('recipients:manage') });
  });
});

describe('refused tokens', () => {
  const forgeries: Array<[string, () => Promise<string>, RegExp]> = [
    [
      'a genuine token whose payload was changed (wider scope)',
      async () => {
        const { header, payload, signature } = partsOf(genuine);
        return `${b64(header)}.${b64({ ...payload, dvc_agencies: ['000.00.00.H29', ...payload.dvc_agencies] })}.${signature}`;
      },
      /signature/,
    ],
    [
      "a token signed by another key under the issuer's key id",
      async () => {
        const { header, payload } = partsOf(genuine);
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: 'JWT' }).sign(privateKey);
      },
      /signature/,
    ],
    [
      'an unsigned token (alg none)',
      async () => {
        const { payload } = partsOf(genuine);
        return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
      },
      /algorithm/,
    ],
    [
      "an HS256 token keyed with the issuer's public key (algorithm confusion)",
      async () => {
        const { header, payload } = partsOf(genuine);
        const publicPem = await exportSPKI((await importJWK(await issuerKey(header.kid), 'RS256')) as KeyLike);
        const signingInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: header.kid })}.${b64(payload)}`;
        return `${signingInput}.${createHmac('sha256', publicPem).update(signingInput).digest('base64url')}`;
      },
      /algorithm/,
    ],
    ['a token for another audience', () => clientCredentialsToken('dvc-no-audience', 'dvc-no-audience-demo-secret'), /aud/],
    ['a token of another issuer (realm other)', () => passwordToken('operator', 'demo', 'other'), /iss|key of the issuer/],
    ['an ID token instead of an access token', () => idToken('operator'), /aud|access token/],
    ['garbage', async () => 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', /malformed|signature/],
  ];

  it.each(forgeries)('%s', async (_name, make, reason) => {
    const token = await make();
    for (const path of PROTECTED) {
      const response = await get(path, token);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(reason) });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="dvc-monitor", error="invalid_token"/);
    }
  });

  it('refuse a request without a token, or with another scheme, before anything else', async () => {
    const none = await request(api.app.getHttpServer()).get('/v1/rates');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="dvc-monitor"');
    const basic = await request(api.app.getHttpServer()).get('/v1/rates').set('Authorization', 'Basic b3BlcmF0b3I6ZGVtbw==');
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toMatch(/error="invalid_request"/);
  });

  it('never believe an identity header a client sets', async () => {
    const response = await request(api.app.getHttpServer())
      .get('/v1/rates')
      .set('X-Actor', 'operator')
      .set('X-Forwarded-User', 'operator')
      .set('X-Forwarded-For', '127.0.0.1');
    expect(response.status).toBe(401);
  });
});

/** The ID token of a password grant with the openid scope: signed by the issuer, but for the client, not the API. */
async function idToken(username: string): Promise<string> {
  const response = await fetch(`${KEYCLOAK_URL}/realms/dvc/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'dvc-cli', username, password: 'demo', scope: 'openid' }),
  });
  const body = (await response.json()) as { id_token?: string };
  if (!body.id_token) throw new Error(`no id_token from Keycloak: ${JSON.stringify(body)}`);
  return body.id_token;
}

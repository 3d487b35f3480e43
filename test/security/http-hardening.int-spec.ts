import Redis from 'ioredis';
import request from 'supertest';
import { passwordToken } from '../support/keycloak';
import { startSecuredApi, SecuredApi } from './support/api-app';

/**
 * The API's HTTP edge as a browser or a script meets it: security headers, CORS closed but for the configured
 * origin, a body limit, and rate limits per token subject counted in the real Redis (a database of its own).
 */
const LIMIT = 5;
const CONSOLE_ORIGIN = 'https://console.hungyen.gov.vn';
const REDIS_DB = 11;
let api: SecuredApi;
let redis: Redis;
let operator: string;
let inspector: string;

beforeAll(async () => {
  redis = new Redis(`redis://127.0.0.1:6379/${REDIS_DB}`);
  await redis.flushdb();
  api = await startSecuredApi('dvc_test_http_hardening', {
    API_RATE_LIMIT_PER_MINUTE: String(LIMIT),
    API_MAX_BODY_BYTES: '2048',
    CORS_ORIGINS: CONSOLE_ORIGIN,
    REDIS_URL: `redis://127.0.0.1:6379/${REDIS_DB}`,
  });
  [operator, inspector] = await Promise.all([passwordToken('operator'), passwordToken('inspector')]);
});

afterAll(async () => {
  await api?.close();
  await redis?.flushdb();
  redis?.disconnect();
});

const server = () => api.app.getHttpServer();

describe('the API’s HTTP edge', () => {
  it('sends security headers and no X-Powered-By', async () => {
    const response = await request(server()).get('/health/live');
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
    });
    expect(response.headers['content-security-policy']).toContain("script-src 'self';");
    expect(response.headers).not.toHaveProperty('x-powered-by');
    // Swagger UI needs its inline script and styles; only /docs gets them.
    const docs = await request(server()).get('/docs/');
    expect(docs.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
  });

  it('answers cross-origin requests only for the configured origin', async () => {
    const preflight = (origin: string) =>
      request(server()).options('/v1/rates').set('Origin', origin).set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers).not.toHaveProperty('access-control-allow-origin');
    const allowed = await preflight(CONSOLE_ORIGIN);
    expect(allowed.headers['access-control-allow-origin']).toBe(CONSOLE_ORIGIN);
    expect(allowed.headers['access-control-allow-headers']).toBe('Authorization,Content-Type');
    const simple = await request(server()).get('/health/live').set('Origin', 'https://evil.example');
    expect(simple.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('refuses a body over API_MAX_BODY_BYTES with 413, and bad JSON with 400, in the contract’s error shape', async () => {
    const big = await request(server())
      .post('/v1/targets')
      .set('Authorization', `Bearer ${inspector}`)
      .send({ scope: { kind: 'all' }, metric: 'onlineRate', threshold: 0.5, severity: 'warning', note: 'x'.repeat(4096) });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'body: may be at most 2048 bytes' });
    const malformed = await request(server()).post('/v1/targets').set('Authorization', `Bearer ${inspector}`).set('Content-Type', 'application/json').send('{"scope":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body: is not valid JSON' });
  });

  it('limits each subject to API_RATE_LIMIT_PER_MINUTE, counted in Redis, without touching another subject or /health', async () => {
    const asOperator = () => request(server()).get('/v1/procedures').set('Authorization', `Bearer ${operator}`);
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await asOperator()).status);
    expect(statuses).toEqual(Array(LIMIT).fill(200));
    const refused = await asOperator();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toEqual({
      statusCode: 429,
      message: expect.stringMatching(new RegExp(`^too many requests: at most ${LIMIT} a minute for each signed-in user`)),
    });
    // Another person is counted on their own, and probes are never limited.
    expect((await request(server()).get('/v1/procedures').set('Authorization', `Bearer ${inspector}`)).status).toBe(200);
    for (let i = 0; i < LIMIT + 2; i++) expect((await request(server()).get('/health/live')).status).toBe(200);
    const hitKeys = await redis.keys('*:hits');
    expect(hitKeys.length).toBeGreaterThanOrEqual(2);
  });
});

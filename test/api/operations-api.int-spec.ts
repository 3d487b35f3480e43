import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { setupOpenApi } from '../../services/api/src/openapi';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { signedIn, signIn } from './support/signed-in';
import { DISTRICT } from './support/rates-fixtures';

const DATABASE = 'dvc_monitor_api_operations_test';

describe('API operations: OpenAPI, readiness, metrics (real PostgreSQL)', () => {
  let app: INestApplication;
  let token: string;

  beforeAll(async () => {
    app = await startApiOnFreshDatabase(DATABASE, setupOpenApi);
    token = (await signIn('operator')).token;
  });

  afterAll(async () => {
    await stopApi(app, DATABASE);
  });

  it('publishes the OpenAPI document with the rates parameters and schema', async () => {
    const response = await request(app.getHttpServer()).get('/docs-json');
    expect(response.status).toBe(200);
    const rates = response.body.paths['/v1/rates'].get;
    expect(rates.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['agency', 'cursor', 'from', 'groupBy', 'limit', 'period', 'procedure', 'subtree', 'to'],
    );
    expect(Object.keys(response.body.components.schemas.RateItemDto.properties)).toEqual(
      expect.arrayContaining(['onlineRate', 'onlineRateCi95', 'onTimeRate', 'paidOnlineRate', 'withdrawn']),
    );
    expect(response.body.paths).toHaveProperty(['/v1/agencies/{code}']);
    // Sign-in is documented: the bearer scheme, and on each operation its requirement and the 401/403 answers.
    expect(response.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(rates.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(rates.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(response.body.paths['/health/ready'].get.security).toBeUndefined();
    expect((await request(app.getHttpServer()).get('/docs')).status).toBe(200);
  });

  it('is ready when PostgreSQL answers', async () => {
    const response = await request(app.getHttpServer()).get('/health/ready');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('times requests by route pattern and status class, never by code', async () => {
    const operator = signedIn(app, token);
    await operator.get('/v1/rates').query({ agency: DISTRICT });
    await operator.get('/v1/rates').query({ period: 'week' });
    await operator.get(`/v1/agencies/${DISTRICT}`);
    await request(app.getHttpServer()).get('/no/such/route');
    const metrics = (await request(app.getHttpServer()).get('/metrics')).text;
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/rates"[^}]*status_class="2xx"[^}]*\} 1/);
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/rates"[^}]*status_class="4xx"[^}]*\} 1/);
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/agencies\/:code"[^}]*status_class="2xx"/);
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*status_class="4xx"/);
    expect(metrics).not.toContain(DISTRICT);
  });
});

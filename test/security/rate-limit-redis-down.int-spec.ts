import request from 'supertest';
import { passwordToken } from '../support/keycloak';
import { startSecuredApi, SecuredApi } from './support/api-app';

/**
 * Rate limits fail open: with Redis unreachable (a port nothing listens on), the API keeps answering, unlimited,
 * instead of refusing everyone. (Its own file: the API reads its environment once per file.)
 */
let api: SecuredApi;

beforeAll(async () => {
  api = await startSecuredApi('dvc_test_rate_limit_redis_down', { API_RATE_LIMIT_PER_MINUTE: '1', REDIS_URL: 'redis://127.0.0.1:9/0' });
});

afterAll(async () => {
  await api?.close();
});

it('serves every request while the limit cannot be counted', async () => {
  const token = await passwordToken('operator');
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await request(api.app.getHttpServer()).get('/v1/procedures').set('Authorization', `Bearer ${token}`)).status);
  expect(statuses).toEqual([200, 200, 200, 200]);
  expect((await request(api.app.getHttpServer()).get('/health/ready')).status).toBe(200);
});

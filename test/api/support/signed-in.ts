import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { decodeJwtPayload, passwordTokens } from '../../support/keycloak';

/**
 * Demo users of the real local Keycloak (deploy/keycloak/realms/dvc-realm.json) as the API tests sign in: a real
 * access token per user, fetched once and again shortly before it expires. Nothing here makes up a token.
 */
export const DEMO_USERS = {
  /** province-operator of 000.00.00.H31 (the province root): sees the whole province hierarchy. */
  operator: { username: 'operator', name: 'Nguyễn Văn An' },
  /** a second province-operator of 000.00.00.H31: audit trails with two people */
  operator2: { username: 'operator-2', name: 'Đặng Văn Khoa' },
  /** agency-admin of 000.00.03.H31 */
  adminTuPhap: { username: 'admin-tu-phap', name: 'Trần Thị Bình' },
  /** viewer of 000.00.00.H31 */
  inspector: { username: 'inspector', name: 'Phạm Thị Dung' },
  /** integrator of 000.00.00.H31 */
  integrator: { username: 'integrator', name: 'Vũ Thị Giang' },
} as const;

export type DemoUser = keyof typeof DEMO_USERS;

interface CachedToken {
  token: string;
  subject: string;
  expiresAt: number;
}

const cache = new Map<DemoUser, Promise<CachedToken>>();

async function fetchToken(user: DemoUser): Promise<CachedToken> {
  const tokens = await passwordTokens(DEMO_USERS[user].username);
  const payload = decodeJwtPayload(tokens.access_token);
  return { token: tokens.access_token, subject: String(payload.sub), expiresAt: Date.now() + tokens.expires_in * 1000 };
}

/** The user's access token and subject (`sub`), renewed when less than 30 s of it is left. */
export async function signIn(user: DemoUser = 'operator'): Promise<CachedToken> {
  const cached = cache.get(user);
  if (cached) {
    const current = await cached.catch(() => null);
    if (current && current.expiresAt - Date.now() > 30_000) return current;
  }
  const fresh = fetchToken(user);
  cache.set(user, fresh);
  return fresh;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** supertest against the app with `token` as the bearer: `signedIn(app, token).get('/v1/rates')`. */
export function signedIn(app: INestApplication, token: string) {
  const call = (method: Method) => (path: string) => request(app.getHttpServer())[method](path).set('Authorization', `Bearer ${token}`);
  return { get: call('get'), post: call('post'), put: call('put'), patch: call('patch'), delete: call('delete') };
}

import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { setupOpenApi } from '../../../services/api/src/openapi';
import { startApiOnFreshDatabase, stopApi } from './api-test-app';
import { DEMO_USERS, signedIn, signIn } from './signed-in';

/**
 * The API in-process on a fresh database of the spec's own, with two province operators of the demo realm
 * signed in: the setup that the alerts and the targets API specs share (./alerts-api.ts, ./targets-api.ts
 * add their own seeds and request helpers).
 */

const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** Two province operators of the demo realm (real Keycloak tokens): changes are recorded with the token's name. */
export const ALICE = DEMO_USERS.operator.name;
export const BOB = DEMO_USERS.operator2.name;

/**
 * Registers the beforeAll (the API on `database`, both operators signed in, then `seed` with the connected
 * client) and the afterAll; returns the database client and the request helpers.
 */
export function useSignedInApi(database: string, seed: (db: Client) => Promise<void>) {
  let app: INestApplication;
  // Connected in beforeAll, after the API has created and migrated the database.
  const db = new Client({ connectionString: `${SERVER_URL}/${database}` });
  const tokens = new Map<string, string>();
  const subjects = new Map<string, string>();

  beforeAll(async () => {
    app = await startApiOnFreshDatabase(database, setupOpenApi);
    for (const [name, user] of [[ALICE, 'operator'], [BOB, 'operator2']] as const) {
      const { token, subject } = await signIn(user);
      tokens.set(name, token);
      subjects.set(name, subject);
    }
    await db.connect();
    await seed(db);
  });

  afterAll(async () => {
    await db.end();
    await stopApi(app, database);
  });

  const server = () => app.getHttpServer();
  /** Signed in as the operator named `actor` (ALICE or BOB), or with no token at all (`null`). */
  const as = (actor: string | null) => (actor === null ? request(server()) : signedIn(app, tokens.get(actor)!));
  const get = (path: string, query: Record<string, string> = {}) => as(ALICE).get(path).query(query);

  return { db, tokens, subjects, server, as, get };
}

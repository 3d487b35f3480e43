import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import { migrate } from '@dvc/persistence';
import { POSTGRES_URL, TEST_SECRETS_KEY } from '../../support/infrastructure';

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface SecuredApi {
  app: INestApplication;
  db: Client;
  close(): Promise<void>;
}

/**
 * The API in-process on a fresh, migrated database, with its OpenAPI pages and the given environment, and a
 * connection to that database for fixtures. Tokens come from the real local Keycloak (the default issuer).
 */
export async function startSecuredApi(database: string, environment: Record<string, string> = {}): Promise<SecuredApi> {
  const databaseUrl = `${POSTGRES_URL}/${database}`;
  await onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await migrate(databaseUrl);
  Object.assign(process.env, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', SECRETS_ENCRYPTION_KEY: TEST_SECRETS_KEY, ...environment });
  // Imported only now: the module reads and validates the environment as it loads.
  const { AppModule } = await import('../../../services/api/src/app.module');
  const { setupOpenApi } = await import('../../../services/api/src/openapi');
  const { configureHttpEdge } = await import('../../../services/api/src/http-edge');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  configureHttpEdge(app);
  setupOpenApi(app);
  await app.init();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    app,
    db,
    async close() {
      await db.end().catch(() => undefined);
      await app.close();
      await onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    },
  };
}

/** Every METHOD path the app's Express router serves (Nest's controllers, the metrics controller, Swagger's pages). */
export function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  const routes = new Set<string>();
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') routes.add(`${method.toUpperCase()} ${layer.route.path}`);
    }
  }
  return [...routes].sort();
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

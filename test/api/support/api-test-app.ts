import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import { migrate } from '@dvc/persistence';
import { TEST_SECRETS_KEY } from '../../support/infrastructure';
import { insertFixtures } from './rates-fixtures';

const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: `${SERVER_URL}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database with the fixtures, and the API booted in-process on it (logs silenced). */
export async function startApiOnFreshDatabase(
  database: string,
  configure: (app: INestApplication) => void = () => undefined,
): Promise<INestApplication> {
  const databaseUrl = `${SERVER_URL}/${database}`;
  await onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await migrate(databaseUrl);
  await insertFixtures(databaseUrl);
  process.env.DATABASE_URL = databaseUrl;
  process.env.LOG_LEVEL = 'silent';
  // These files call the API far more often than a person would; the limits have their own test.
  process.env.API_RATE_LIMIT_PER_MINUTE ??= '100000';
  process.env.SECRETS_ENCRYPTION_KEY ??= TEST_SECRETS_KEY;
  // These files change rows and read them back at once; the read cache has its own test (read-cache.int-spec.ts).
  process.env.API_READ_CACHE_TTL_MS ??= '0';
  // Imported only now: the module reads and validates the environment as it loads.
  const { AppModule } = await import('../../../services/api/src/app.module');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const { configureHttpEdge } = await import('../../../services/api/src/http-edge');
  configureHttpEdge(app);
  configure(app);
  await app.init();
  return app;
}

export async function stopApi(app: INestApplication | undefined, database: string): Promise<void> {
  await app?.close();
  await onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

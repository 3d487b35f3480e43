import { DataSource, DataSourceOptions } from 'typeorm';
import { Client, type ClientBase } from 'pg';
import { InitialSchema1763780000000 } from './migrations/1763780000000-initial-schema';
import { Targets1764600000000 } from './migrations/1764600000000-targets';
import { Alerts1764700000000 } from './migrations/1764700000000-alerts';
import { AlertingLifecycle1764900000000 } from './migrations/1764900000000-alerting-lifecycle';
import { AcknowledgementAnnouncements1765000000000 } from './migrations/1765000000000-acknowledgement-announcements';
import { GrafanaReader1765100000000 } from './migrations/1765100000000-grafana-reader';
import { AccessControl1765200000000 } from './migrations/1765200000000-access-control';
import { SourceBindings1765300000000 } from './migrations/1765300000000-source-bindings';
import { SealedWebhookSecrets1765400000000 } from './migrations/1765400000000-sealed-webhook-secrets';
import { IndicatorLedger1765500000000 } from './migrations/1765500000000-indicator-ledger';
import { MonthlyRollUps1765600000000 } from './migrations/1765600000000-monthly-roll-ups';
import { AlertSweepPending1765700000000 } from './migrations/1765700000000-alert-sweep-pending';

export const MIGRATIONS = [
  InitialSchema1763780000000,
  Targets1764600000000,
  Alerts1764700000000,
  AlertingLifecycle1764900000000,
  AcknowledgementAnnouncements1765000000000,
  GrafanaReader1765100000000,
  AccessControl1765200000000,
  SourceBindings1765300000000,
  SealedWebhookSecrets1765400000000,
  IndicatorLedger1765500000000,
  MonthlyRollUps1765600000000,
  AlertSweepPending1765700000000,
];

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/dvc_monitor';

export function dataSourceOptions(databaseUrl: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    // Schema changes only through reviewed migrations.
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: poolSize,
      application_name: process.env.SERVICE_NAME ?? 'dvc-monitor',
      // Every pooled connection keeps an 'error' listener for its whole life. pg-pool and TypeORM each
      // attach and detach their own as a connection is lent out and given back; a connection that
      // PostgreSQL drops (server restart, pg_terminate_backend, network) while neither listens emits
      // 'error' to no one, and Node ends the process. It happened to the aggregator in
      // test/pipeline/dependency-restarts.int-spec.ts. Nothing is hidden: the query in flight still fails
      // (and its batch is retried), and the pool still discards the broken connection.
      onConnect: (client: ClientBase) => {
        client.on('error', () => undefined);
      },
    },
  };
}

/** Creates the project's database when the server does not have it yet (trust or password auth). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const client = new Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** Creates the database if needed and applies pending migrations; returns their names. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, 1));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

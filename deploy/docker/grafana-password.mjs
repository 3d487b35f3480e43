// Part of the image's `migrate`: gives the read-only role dvc_grafana (created by the migrations) the
// password in GRAFANA_DB_PASSWORD, the one Grafana's PostgreSQL data source logs in with.
// Does nothing without GRAFANA_DB_PASSWORD or without the role (a migrating user that may not
// create roles: an administrator then sets the password by hand).
import pg from 'pg';

const password = process.env.GRAFANA_DB_PASSWORD;
if (!password) process.exit(0);
const client = new pg.Client({ connectionString: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/dvc_monitor' });
await client.connect();
try {
  const { rows } = await client.query(`SELECT 1 FROM pg_roles WHERE rolname = 'dvc_grafana'`);
  if (rows.length === 0) {
    console.log('grafana-password: no role dvc_grafana; skipped');
  } else {
    // ALTER ROLE takes no parameters: the literal is quoted by PostgreSQL itself (format %L).
    await client.query(`SELECT set_config('dvc.grafana_password', $1, false)`, [password]);
    await client.query(`DO $$ BEGIN EXECUTE format('ALTER ROLE dvc_grafana PASSWORD %L', current_setting('dvc.grafana_password')); END $$`);
    console.log('grafana-password: password of dvc_grafana set');
  }
} finally {
  await client.end();
}

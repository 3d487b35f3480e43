import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read-only role Grafana's PostgreSQL data source logs in as.
 *
 * `dvc_readonly` (NOLOGIN) is the group that holds the privileges; `dvc_grafana` (LOGIN) is a member
 * and is what the data source uses. The migration sets NO password: operators set it
 * (`ALTER ROLE dvc_grafana PASSWORD '…'`) and give the same value to Grafana
 * (`GRAFANA_DB_PASSWORD`); with trust authentication (the local stack) none is needed.
 *
 * Roles are cluster-wide and every database of the cluster runs this migration (the integration tests
 * give each test file its own database, possibly concurrently), so the roles are created only when
 * missing and a concurrent creation is tolerated; the privileges are per database and granted here.
 *
 * Only the tables the dashboards read are granted — deliberately NOT every table, and no default
 * privileges for future tables: `ingest_sources` (API-key hashes), `webhook_endpoints` (signing
 * secrets), `alert_recipients` (e-mail addresses), `notification_outbox` (messages with recipients) and
 * `dossier_states` (individual dossiers) stay out of Grafana's reach. A later migration that adds a
 * table Grafana needs grants it to `dvc_readonly` itself.
 *
 * When the migrating user may not create roles (some managed PostgreSQL offerings), the migration does
 * nothing but say so (NOTICE); an administrator then creates the two roles and re-runs the GRANTs below.
 */
export const GRAFANA_READABLE_TABLES = [
  'agencies',
  'procedures',
  'daily_buckets',
  'targets',
  'alerts',
  'alert_history',
  'source_activity',
  'consumer_offsets',
] as const;

export class GrafanaReader1765100000000 implements MigrationInterface {
  name = 'GrafanaReader1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE
        may_create boolean := (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user);
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dvc_readonly') THEN
          IF NOT may_create THEN
            RAISE NOTICE 'dvc_readonly is missing and % may not create roles: create dvc_readonly and dvc_grafana by hand', current_user;
            RETURN;
          END IF;
          BEGIN
            CREATE ROLE dvc_readonly NOLOGIN;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- another database's migration created it meanwhile
          END;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dvc_grafana') THEN
          IF NOT may_create THEN
            RAISE NOTICE 'dvc_grafana is missing and % may not create roles: create it by hand', current_user;
          ELSE
            BEGIN
              CREATE ROLE dvc_grafana LOGIN IN ROLE dvc_readonly;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
              NULL;
            END;
          END IF;
        END IF;
        IF may_create AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dvc_grafana') THEN
          IF NOT pg_has_role('dvc_grafana', 'dvc_readonly', 'MEMBER') THEN
            BEGIN
              GRANT dvc_readonly TO dvc_grafana;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
              NULL;
            END;
          END IF;
        END IF;
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO dvc_readonly', current_database());
        GRANT USAGE ON SCHEMA public TO dvc_readonly;
        GRANT SELECT ON ${GRAFANA_READABLE_TABLES.join(', ')} TO dvc_readonly;
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The roles are shared by every database of the cluster: only this database's privileges go.
    await queryRunner.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dvc_readonly') THEN
          REVOKE SELECT ON ${GRAFANA_READABLE_TABLES.join(', ')} FROM dvc_readonly;
          REVOKE USAGE ON SCHEMA public FROM dvc_readonly;
          EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM dvc_readonly', current_database());
        END IF;
      END
      $$`);
  }
}

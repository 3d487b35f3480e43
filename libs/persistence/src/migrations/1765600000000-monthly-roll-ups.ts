import { MigrationInterface, QueryRunner } from 'typeorm';
import { MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL, MONTHLY_BUCKETS_FROM_DAYS_SQL, MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL } from '../roll-up-sql';

/**
 * Month roll-ups of `daily_buckets` and `indicator_buckets` (libs/domain/src/roll-ups.ts): one row per Vietnam
 * month (its first day) × agency × procedure with the sums of that month's day rows, and of the rate buckets also
 * one per month × agency (`monthly_agency_buckets`, all procedures). The aggregator adds every
 * batch's deltas to both, in the same transaction, so a roll-up equals its days at every commit; `/v1/rates` over
 * whole months and the indicators read the roll-ups.
 *
 * Filled from the day rows under SHARE locks (writers wait; readers do not), so a running aggregator can neither
 * add to a day the backfill has already summed nor be counted twice. Rows that net to zero are not stored.
 */
export class MonthlyRollUps1765600000000 implements MigrationInterface {
  name = 'MonthlyRollUps1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE monthly_buckets (
        month             date NOT NULL CHECK (extract(day FROM month) = 1),
        agency_code       text NOT NULL,
        procedure_code    text NOT NULL,
        received          integer NOT NULL DEFAULT 0,
        received_online   integer NOT NULL DEFAULT 0,
        completed         integer NOT NULL DEFAULT 0,
        completed_on_time integer NOT NULL DEFAULT 0,
        paid              integer NOT NULL DEFAULT 0,
        paid_online       integer NOT NULL DEFAULT 0,
        withdrawn         integer NOT NULL DEFAULT 0,
        PRIMARY KEY (month, agency_code, procedure_code)
      )`);
    await queryRunner.query(`CREATE INDEX monthly_buckets_agency_month_idx ON monthly_buckets (agency_code, month)`);
    // The same per month × agency over all procedures: what /v1/rates by agency (or for a subtree) sums, 1/40th the rows.
    await queryRunner.query(`
      CREATE TABLE monthly_agency_buckets (
        month             date NOT NULL CHECK (extract(day FROM month) = 1),
        agency_code       text NOT NULL,
        received          integer NOT NULL DEFAULT 0,
        received_online   integer NOT NULL DEFAULT 0,
        completed         integer NOT NULL DEFAULT 0,
        completed_on_time integer NOT NULL DEFAULT 0,
        paid              integer NOT NULL DEFAULT 0,
        paid_online       integer NOT NULL DEFAULT 0,
        withdrawn         integer NOT NULL DEFAULT 0,
        PRIMARY KEY (month, agency_code)
      )`);
    await queryRunner.query(`
      CREATE TABLE monthly_indicator_buckets (
        month                  date NOT NULL CHECK (extract(day FROM month) = 1),
        agency_code            text NOT NULL,
        procedure_code         text NOT NULL,
        received_with_payment  integer NOT NULL DEFAULT 0,
        received_paid_online   integer NOT NULL DEFAULT 0,
        resolved               integer NOT NULL DEFAULT 0,
        resolution_seconds     bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (month, agency_code, procedure_code)
      )`);
    await queryRunner.query(`CREATE INDEX monthly_indicator_buckets_agency_month_idx ON monthly_indicator_buckets (agency_code, month)`);
    await queryRunner.query(`LOCK TABLE daily_buckets, indicator_buckets IN SHARE MODE`);
    await queryRunner.query(`
      INSERT INTO monthly_buckets (month, agency_code, procedure_code, received, received_online, completed, completed_on_time, paid, paid_online, withdrawn)
      ${MONTHLY_BUCKETS_FROM_DAYS_SQL}`);
    await queryRunner.query(`
      INSERT INTO monthly_agency_buckets (month, agency_code, received, received_online, completed, completed_on_time, paid, paid_online, withdrawn)
      ${MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL}`);
    await queryRunner.query(`
      INSERT INTO monthly_indicator_buckets (month, agency_code, procedure_code, received_with_payment, received_paid_online, resolved, resolution_seconds)
      ${MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL}`);
    // Grafana's reader (migration GrafanaReader1765100000000) may read the roll-ups like the day buckets.
    await queryRunner.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dvc_readonly') THEN
          GRANT SELECT ON monthly_buckets, monthly_agency_buckets, monthly_indicator_buckets TO dvc_readonly;
        END IF;
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS monthly_indicator_buckets`);
    await queryRunner.query(`DROP TABLE IF EXISTS monthly_agency_buckets`);
    await queryRunner.query(`DROP TABLE IF EXISTS monthly_buckets`);
  }
}

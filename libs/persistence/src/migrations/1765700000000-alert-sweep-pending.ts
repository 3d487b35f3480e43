import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `alert_sweep_pending`: the agencies whose rate buckets changed since an alert sweep last read them. The
 * aggregator inserts the agencies of every batch in the batch's own transaction; a sweep deletes the rows it
 * sees, in its own transaction, before it reads the buckets. A row is therefore deleted only by a sweep that
 * sees its batch's counts, and a sweep that rolls back leaves its rows for the next one: an incremental
 * sweep (see services/alerting/src/evaluation/sweep-mode.ts) evaluates exactly the agencies it must.
 *
 * The aggregator never waits for a sweep: it skips an agency that already has a pending row only while it
 * holds that row (FOR KEY SHARE SKIP LOCKED), so a sweep deleting the row waits for the aggregator's commit
 * (and then sees its counts), and a row a sweep is deleting is not counted on. Without a unique key: a
 * duplicate is harmless, while `ON CONFLICT` against a row a running sweep has deleted would make the
 * aggregator wait for that sweep. So the table holds about one row per agency at most, even when no
 * alerting service runs.
 */
export class AlertSweepPending1765700000000 implements MigrationInterface {
  name = 'AlertSweepPending1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE alert_sweep_pending (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        agency_code text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX alert_sweep_pending_agency_idx ON alert_sweep_pending (agency_code)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS alert_sweep_pending`);
  }
}

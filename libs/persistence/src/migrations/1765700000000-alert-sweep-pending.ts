import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `alert_sweep_pending`: the agencies whose rate buckets changed since an alert sweep last read them. The
 * aggregator inserts the agencies of every batch in the batch's own transaction; a sweep deletes the rows it
 * sees, in its own transaction, before it reads the buckets. A row is therefore deleted only by a sweep that
 * sees its batch's counts, and a sweep that rolls back leaves its rows for the next one: an incremental
 * sweep (see services/alerting/src/evaluation/sweep-mode.ts) evaluates exactly the agencies it must.
 *
 * Insert-only on the aggregator's side, without a unique key: a duplicate is harmless, while an
 * `ON CONFLICT` against a row a running sweep has deleted would make the aggregator wait for that sweep.
 */
export class AlertSweepPending1765700000000 implements MigrationInterface {
  name = 'AlertSweepPending1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE alert_sweep_pending (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        agency_code text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS alert_sweep_pending`);
  }
}

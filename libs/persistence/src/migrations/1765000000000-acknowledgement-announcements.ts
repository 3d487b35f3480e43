import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Acknowledgements made through the API are announced (Kafka `dvc.alerts.v1`, webhooks) by the
 * alerting service, exactly once. The API only writes the alert and its history row (`to_status =
 * 'acknowledged'`, `details = {"source":"api"}`); the alerting service, in its sweep's transaction,
 * sets `announced_at` on that history row and enqueues the notifications (dedupe keys naming the
 * history row) in the same transaction: either both happen or neither, and a row once announced is
 * never picked again. The partial index keeps finding the unannounced ones cheap.
 */
export class AcknowledgementAnnouncements1765000000000 implements MigrationInterface {
  name = 'AcknowledgementAnnouncements1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE alert_history ADD COLUMN announced_at timestamptz`);
    await queryRunner.query(`
      CREATE INDEX alert_history_unannounced_ack_idx ON alert_history (id)
      WHERE to_status = 'acknowledged' AND announced_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS alert_history_unannounced_ack_idx`);
    await queryRunner.query(`ALTER TABLE alert_history DROP COLUMN IF EXISTS announced_at`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The alerting service's notification lifecycle and its other detectors.
 *
 * `alerts` gains a `kind`:
 * - `belowTarget`: a target rule on an agency (× procedure) over a window, as before;
 * - `zeroUptake`: a procedure offered online (full/partial) at an agency that received dossiers in the
 *   window but none online (no target rule: `target_id` is NULL);
 * - `silentSource`: a one-stop system (`source_uri`) that sent nothing for a configured amount of
 *   working time; an operator alert, about no agency.
 * Each kind has its own "one open alert per scope" index. `reminder_count`/`last_reminded_at` record
 * the reminders sent while an alert stays firing (`escalated_at` already existed): the sweep decides
 * the n-th reminder and the escalation under its advisory lock and enqueues them with dedupe keys
 * naming the alert (and n), so each is sent once.
 *
 * `webhook_endpoints`: receivers of signed lifecycle events (HMAC-SHA256 over `timestamp.body`),
 * optionally scoped to an agency and its subtree. The secret is read at send time, never copied into
 * the outbox.
 *
 * `source_activity`: when each source's latest event reached the pipeline (ingest's acceptance time),
 * maintained by the alerting service from the canonical topic with its own consumer group.
 */
export class AlertingLifecycle1764900000000 implements MigrationInterface {
  name = 'AlertingLifecycle1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE alerts
        ADD COLUMN kind text NOT NULL DEFAULT 'belowTarget' CHECK (kind IN ('belowTarget', 'zeroUptake', 'silentSource')),
        ADD COLUMN source_uri text CHECK (source_uri <> ''),
        ADD COLUMN reminder_count integer NOT NULL DEFAULT 0 CHECK (reminder_count >= 0),
        ADD COLUMN last_reminded_at timestamptz,
        ALTER COLUMN target_id DROP NOT NULL,
        ALTER COLUMN agency_code DROP NOT NULL,
        ALTER COLUMN window_kind DROP NOT NULL,
        ALTER COLUMN metric DROP NOT NULL,
        ALTER COLUMN threshold DROP NOT NULL`);
    await queryRunner.query(`
      ALTER TABLE alerts ADD CONSTRAINT alerts_kind_fields CHECK (
        (kind = 'belowTarget' AND target_id IS NOT NULL AND agency_code IS NOT NULL AND window_kind IS NOT NULL
           AND metric IS NOT NULL AND threshold IS NOT NULL AND source_uri IS NULL) OR
        (kind = 'zeroUptake' AND target_id IS NULL AND agency_code IS NOT NULL AND procedure_code IS NOT NULL
           AND window_kind IS NOT NULL AND metric = 'onlineRate' AND source_uri IS NULL) OR
        (kind = 'silentSource' AND target_id IS NULL AND agency_code IS NULL AND procedure_code IS NULL
           AND window_kind IS NULL AND metric IS NULL AND source_uri IS NOT NULL)
      )`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX alerts_one_open_zero_uptake ON alerts (agency_code, procedure_code, window_kind)
      WHERE status <> 'resolved' AND kind = 'zeroUptake'`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX alerts_one_open_silent_source ON alerts (source_uri)
      WHERE status <> 'resolved' AND kind = 'silentSource'`);
    // Escalation and reminder candidates: firing alerts by age.
    await queryRunner.query(`CREATE INDEX alerts_firing_opened_idx ON alerts (opened_at) WHERE status = 'firing'`);

    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name         text,
        url          text NOT NULL CHECK (url ~ '^https?://'),
        -- Shared with the receiver, which recomputes the signature with it.
        secret       text NOT NULL CHECK (length(secret) >= 16),
        -- NULL: every alert, operator alerts included; otherwise alerts of this agency and its subtree.
        agency_code  text CHECK (agency_code <> ''),
        enabled      boolean NOT NULL DEFAULT true,
        created_at   timestamptz NOT NULL DEFAULT now(),
        created_by   text
      )`);

    await queryRunner.query(`
      CREATE TABLE source_activity (
        source_uri      text PRIMARY KEY CHECK (source_uri <> ''),
        -- When ingest accepted the source's latest event (not the event's own time: a late backfill is
        -- still a sign of life, a source replaying old events is not silent).
        last_event_at   timestamptz NOT NULL,
        first_seen_at   timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS source_activity`);
    await queryRunner.query(`DROP TABLE IF EXISTS webhook_endpoints`);
    await queryRunner.query(`DELETE FROM alerts WHERE kind <> 'belowTarget'`);
    await queryRunner.query(`DROP INDEX IF EXISTS alerts_firing_opened_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS alerts_one_open_silent_source`);
    await queryRunner.query(`DROP INDEX IF EXISTS alerts_one_open_zero_uptake`);
    await queryRunner.query(`ALTER TABLE alerts DROP CONSTRAINT IF EXISTS alerts_kind_fields`);
    await queryRunner.query(`
      ALTER TABLE alerts
        ALTER COLUMN target_id SET NOT NULL,
        ALTER COLUMN agency_code SET NOT NULL,
        ALTER COLUMN window_kind SET NOT NULL,
        ALTER COLUMN metric SET NOT NULL,
        ALTER COLUMN threshold SET NOT NULL,
        DROP COLUMN last_reminded_at,
        DROP COLUMN reminder_count,
        DROP COLUMN source_uri,
        DROP COLUMN kind`);
  }
}

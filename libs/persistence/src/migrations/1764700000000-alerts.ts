import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts, their history, who hears about them, and the notification outbox.
 *
 * `alerts`: one row per alert of one target rule on one scope — an agency as a whole
 * (`procedure_code` NULL) or one procedure at an agency — over one evaluation window
 * (`monthToDate`, or `rolling<N>d` such as `rolling30d`). A partial unique index allows ONE open
 * (firing or acknowledged) alert per rule × agency × procedure × window; resolved alerts stay as
 * history. `last_evaluation` holds the numbers of the latest evaluation, `explanation` what the alert
 * says besides them (target, rule, trend, procedures pulling the rate down).
 *
 * `notification_outbox`: what is to be sent, written in the SAME transaction as the alert change that
 * caused it, so a crash between "decided" and "sent" loses nothing. `dedupe_key` is unique: the same
 * decision can never be enqueued twice. Dispatchers claim rows with FOR UPDATE SKIP LOCKED.
 */
export class Alerts1764700000000 implements MigrationInterface {
  name = 'Alerts1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE alerts (
        id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- The target rule; no foreign key, so an alert's history outlives the rule it came from.
        target_id            uuid NOT NULL,
        agency_code          text NOT NULL CHECK (agency_code <> ''),
        -- NULL: the agency as a whole (all its procedures).
        procedure_code       text CHECK (procedure_code <> ''),
        window_kind          text NOT NULL CHECK (window_kind = 'monthToDate' OR window_kind ~ '^rolling[1-9][0-9]*d$'),
        metric               text NOT NULL CHECK (metric IN ('onlineRate', 'onTimeRate')),
        severity             text NOT NULL CHECK (severity IN ('critical', 'warning')),
        threshold            numeric NOT NULL CHECK (threshold >= 0 AND threshold <= 1),
        status               text NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved')),
        opened_at            timestamptz NOT NULL DEFAULT now(),
        acknowledged_at      timestamptz,
        acknowledged_by      text,
        acknowledge_comment  text,
        resolved_at          timestamptz,
        resolve_reason       text,
        escalated_at         timestamptz,
        last_evaluated_at    timestamptz NOT NULL DEFAULT now(),
        last_evaluation      jsonb NOT NULL,
        explanation          jsonb NOT NULL,
        CONSTRAINT alerts_acknowledged_fields CHECK (
          (status = 'firing' AND acknowledged_at IS NULL AND acknowledged_by IS NULL) OR
          (status <> 'firing' AND (acknowledged_at IS NULL) = (acknowledged_by IS NULL))
        ),
        CONSTRAINT alerts_acknowledged_state CHECK (status <> 'acknowledged' OR acknowledged_at IS NOT NULL),
        CONSTRAINT alerts_resolved_fields CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
      )`);
    // One open alert per rule and scope and window.
    await queryRunner.query(`
      CREATE UNIQUE INDEX alerts_one_open_per_scope ON alerts (target_id, agency_code, coalesce(procedure_code, ''), window_kind)
      WHERE status <> 'resolved'`);
    await queryRunner.query(`CREATE INDEX alerts_open_idx ON alerts (severity) WHERE status <> 'resolved'`);
    await queryRunner.query(`CREATE INDEX alerts_agency_opened_idx ON alerts (agency_code, opened_at DESC)`);
    await queryRunner.query(`CREATE INDEX alerts_opened_idx ON alerts (opened_at DESC, id)`);

    await queryRunner.query(`
      CREATE TABLE alert_history (
        id           bigserial PRIMARY KEY,
        alert_id     uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        at           timestamptz NOT NULL DEFAULT now(),
        from_status  text CHECK (from_status IN ('firing', 'acknowledged', 'resolved')),
        to_status    text NOT NULL CHECK (to_status IN ('firing', 'acknowledged', 'resolved')),
        actor        text NOT NULL CHECK (actor <> ''),
        comment      text,
        details      jsonb
      )`);
    await queryRunner.query(`CREATE INDEX alert_history_alert_idx ON alert_history (alert_id, id)`);

    await queryRunner.query(`
      CREATE TABLE alert_recipients (
        id           bigserial PRIMARY KEY,
        agency_code  text NOT NULL CHECK (agency_code <> ''),
        email        text NOT NULL CHECK (email ~ '^[^@\\s]+@[^@\\s]+$'),
        name         text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        created_by   text
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX alert_recipients_agency_email_key ON alert_recipients (agency_code, lower(email))`);

    await queryRunner.query(`
      CREATE TABLE notification_outbox (
        id               bigserial PRIMARY KEY,
        -- The alert the notification is about (for a digest of several: the first; all are in the payload).
        alert_id         uuid REFERENCES alerts (id) ON DELETE CASCADE,
        event            text NOT NULL CHECK (event IN ('open', 'escalation', 'reminder', 'resolve', 'acknowledge')),
        channel          text NOT NULL CHECK (channel IN ('email', 'webhook', 'kafka')),
        -- E-mail address, webhook URL or Kafka topic.
        recipient        text NOT NULL CHECK (recipient <> ''),
        payload          jsonb NOT NULL,
        dedupe_key       text NOT NULL UNIQUE,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        sent_at          timestamptz,
        CONSTRAINT notification_outbox_sent_at CHECK ((status = 'sent') = (sent_at IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at, id) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX notification_outbox_alert_idx ON notification_outbox (alert_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['notification_outbox', 'alert_recipients', 'alert_history', 'alerts']) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}

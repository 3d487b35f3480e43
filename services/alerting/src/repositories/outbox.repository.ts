import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** `pg_try_advisory_xact_lock` key of sending Kafka notices: 'dvcnotek' read as a 64-bit integer. */
export const KAFKA_NOTICES_ADVISORY_LOCK = '7239082777012102507';

export interface OutboxRow {
  id: string;
  alertId: string | null;
  event: string;
  channel: 'email' | 'webhook' | 'kafka';
  recipient: string;
  payload: Record<string, unknown>;
  dedupeKey: string;
  attempts: number;
}

interface OutboxRecord {
  id: string;
  alert_id: string | null;
  event: string;
  channel: OutboxRow['channel'];
  recipient: string;
  payload: Record<string, unknown>;
  dedupe_key: string;
  attempts: number;
}

const rowOf = (row: OutboxRecord): OutboxRow => ({
  id: row.id,
  alertId: row.alert_id,
  event: row.event,
  channel: row.channel,
  recipient: row.recipient,
  payload: row.payload,
  dedupeKey: row.dedupe_key,
  attempts: row.attempts,
});

/**
 * The dispatcher's side of `notification_outbox` (the sweep writes it in AlertsRepository): claiming due rows
 * with FOR UPDATE SKIP LOCKED, and recording what became of them, in the claiming transaction.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  /**
   * Whether this transaction may send Kafka notices (released at commit or rollback). One transaction at a time
   * over every instance does, oldest first, so that one alert's events reach the alerts topic in the order they
   * were written even when several are due at once (after an outage, say); e-mails and webhooks go in parallel.
   */
  async tryLockKafkaNotices(manager: EntityManager): Promise<boolean> {
    const rows: Array<{ locked: boolean }> = await manager.query('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [KAFKA_NOTICES_ADVISORY_LOCK]);
    return rows[0].locked;
  }

  /** The oldest due notification of `channels`, locked (others skip it) until the transaction ends. */
  async claimDue(manager: EntityManager, channels: 'kafka' | 'email and webhook'): Promise<OutboxRow | null> {
    const rows: OutboxRecord[] = await manager.query(
      `SELECT id, alert_id, event, channel, recipient, payload, dedupe_key, attempts
       FROM notification_outbox
       WHERE status = 'pending' AND next_attempt_at <= now() AND (channel = 'kafka') = $1::boolean
       ORDER BY next_attempt_at, id
       LIMIT 1
       FOR UPDATE SKIP LOCKED`,
      [channels === 'kafka'],
    );
    return rows[0] ? rowOf(rows[0]) : null;
  }

  /**
   * More due Kafka notices never tried before for the same topic as `first` (already claimed by this
   * transaction), oldest first, locked likewise: sent with it in one produce request.
   */
  async claimDueKafkaAfter(manager: EntityManager, first: OutboxRow, limit: number): Promise<OutboxRow[]> {
    if (limit <= 0) return [];
    const rows: OutboxRecord[] = await manager.query(
      `SELECT id, alert_id, event, channel, recipient, payload, dedupe_key, attempts
       FROM notification_outbox
       WHERE status = 'pending' AND next_attempt_at <= now() AND channel = 'kafka' AND attempts = 0 AND recipient = $1 AND id <> $2
       ORDER BY next_attempt_at, id
       LIMIT $3
       FOR UPDATE SKIP LOCKED`,
      [first.recipient, first.id, limit],
    );
    return rows.map(rowOf);
  }

  async markSent(manager: EntityManager, id: string): Promise<void> {
    await this.markAllSent(manager, [id]);
  }

  async markAllSent(manager: EntityManager, ids: string[]): Promise<void> {
    await manager.query(
      `UPDATE notification_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  async markFailedAttempt(manager: EntityManager, id: string, error: string, retryInMs: number | null): Promise<void> {
    await manager.query(
      retryInMs === null
        ? `UPDATE notification_outbox SET status = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1`
        : `UPDATE notification_outbox SET attempts = attempts + 1, last_error = $2,
             next_attempt_at = now() + make_interval(secs => $3::double precision / 1000) WHERE id = $1`,
      retryInMs === null ? [id, error.slice(0, 2000)] : [id, error.slice(0, 2000), retryInMs],
    );
  }

  async backlogByChannel(): Promise<Map<string, number>> {
    const rows: Array<{ channel: string; n: string }> = await this.dataSource.query(
      `SELECT channel, count(*) AS n FROM notification_outbox WHERE status = 'pending' GROUP BY channel`,
    );
    return new Map(rows.map((row) => [row.channel, Number(row.n)]));
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Acknowledgement, AlertKind, AlertRecord } from '../notifications/notices';
import type { WebhookEndpoint } from '../notifications/webhook-entries';

const ALERT_COLUMNS = `id, kind, target_id, agency_code, procedure_code, window_kind, metric, severity, threshold, status,
  opened_at, source_uri, reminder_count, escalated_at, resolve_reason, last_evaluation, explanation`;

interface AlertDbRow {
  id: string;
  kind: AlertKind;
  target_id: string | null;
  agency_code: string | null;
  procedure_code: string | null;
  window_kind: string | null;
  metric: string | null;
  severity: 'critical' | 'warning';
  threshold: string | null;
  status: AlertRecord['status'];
  opened_at: Date;
  source_uri: string | null;
  reminder_count: number;
  escalated_at: Date | null;
  resolve_reason: string | null;
  last_evaluation: Record<string, unknown> | null;
  explanation: Record<string, unknown> | null;
}

export interface NewSpecialAlert {
  id: string;
  kind: 'zeroUptake' | 'silentSource';
  agencyCode: string | null;
  procedureCode: string | null;
  windowKind: string | null;
  sourceUri: string | null;
  severity: 'critical' | 'warning';
  lastEvaluation: unknown;
  explanation: unknown;
}

/**
 * SQL of the lifecycle steps (escalation, reminders), the zero-uptake and silent-source detectors,
 * webhooks and source activity. Every decision is an UPDATE … WHERE <still due> RETURNING, or an INSERT
 * guarded by a unique index, inside the sweep's transaction: what it returns happened exactly once.
 */
@Injectable()
export class LifecycleRepository {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  /** Marks firing alerts older than `afterMs` and never escalated as escalated; returns them. */
  async escalateDue(manager: EntityManager, afterMs: number): Promise<AlertRecord[]> {
    return records(
      await manager.query(
        `UPDATE alerts SET escalated_at = now()
         WHERE status = 'firing' AND escalated_at IS NULL AND kind <> 'silentSource'
           AND opened_at <= now() - make_interval(secs => $1::double precision / 1000)
         RETURNING ${ALERT_COLUMNS}`,
        [afterMs],
      ),
    );
  }

  /**
   * Firing alerts whose next reminder (opened_at + (n + 1) × every) is due: their count jumps to the
   * number of periods elapsed (after downtime, one reminder, not a burst). Returns them, counted.
   */
  async remindDue(manager: EntityManager, everyMs: number): Promise<AlertRecord[]> {
    return records(
      await manager.query(
        `UPDATE alerts SET last_reminded_at = now(),
           reminder_count = greatest(reminder_count + 1, floor(extract(epoch FROM now() - opened_at) * 1000 / $1::double precision)::int)
         WHERE status = 'firing'
           AND opened_at + make_interval(secs => (reminder_count + 1) * $1::double precision / 1000) <= now()
         RETURNING ${ALERT_COLUMNS}`,
        [everyMs],
      ),
    );
  }

  /**
   * Acknowledgements made through the API not yet announced: marks them announced (in the caller's
   * transaction, which also enqueues their notices) and returns them with their alerts, oldest first.
   */
  async takeUnannouncedAcknowledgements(manager: EntityManager, limit = 1_000): Promise<Acknowledgement[]> {
    const result: unknown = await manager.query(
      `WITH due AS (
         SELECT id FROM alert_history
         WHERE to_status = 'acknowledged' AND announced_at IS NULL AND details ->> 'source' = 'api'
         ORDER BY id LIMIT $1 FOR UPDATE
       ), marked AS (
         UPDATE alert_history h SET announced_at = now() FROM due WHERE h.id = due.id
         RETURNING h.id AS history_id, h.alert_id, h.at AS acknowledged_at, h.actor AS ack_actor, h.comment AS ack_comment
       )
       SELECT m.history_id::text AS history_id, m.acknowledged_at, m.ack_actor, m.ack_comment,
              ${ALERT_COLUMNS.split(',').map((c) => `a.${c.trim()}`).join(', ')}
       FROM marked m JOIN alerts a ON a.id = m.alert_id
       ORDER BY m.history_id`,
      [limit],
    );
    const rows = result as Array<AlertDbRow & { history_id: string; acknowledged_at: Date; ack_actor: string; ack_comment: string | null }>;
    return rows.map((row) => ({
      historyId: row.history_id,
      acknowledgedAt: new Date(row.acknowledged_at).toISOString(),
      actor: row.ack_actor,
      comment: row.ack_comment,
      alert: toRecord(row),
    }));
  }

  /** Open alerts of a kind (of these agencies only, when `agencyCodes` is given), locked until the transaction ends. */
  async openAlertsOfKind(manager: EntityManager, kind: AlertKind, agencyCodes?: readonly string[]): Promise<AlertRecord[]> {
    return records(
      await manager.query(
        `SELECT ${ALERT_COLUMNS} FROM alerts WHERE status <> 'resolved' AND kind = $1
           AND ($2::text[] IS NULL OR agency_code = ANY ($2::text[]))
         ORDER BY id FOR UPDATE`,
        [kind, agencyCodes ? [...agencyCodes] : null],
      ),
    );
  }

  /** Inserts zero-uptake or silent-source alerts (an open one for the scope wins); returns those inserted. */
  async insertSpecialAlerts(manager: EntityManager, alerts: NewSpecialAlert[]): Promise<AlertRecord[]> {
    if (alerts.length === 0) return [];
    return records(
      await manager.query(
        `INSERT INTO alerts (id, kind, agency_code, procedure_code, window_kind, metric, source_uri, severity, status, last_evaluation, explanation)
         SELECT r.id, r.kind, r.agency_code, r.procedure_code, r.window_kind,
                CASE WHEN r.kind = 'zeroUptake' THEN 'onlineRate' END, r.source_uri, r.severity, 'firing', r.last_evaluation, r.explanation
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, kind text, agency_code text, procedure_code text, window_kind text,
                                                 source_uri text, severity text, last_evaluation jsonb, explanation jsonb)
         ON CONFLICT DO NOTHING
         RETURNING ${ALERT_COLUMNS}`,
        [
          JSON.stringify(
            alerts.map((a) => ({
              id: a.id,
              kind: a.kind,
              agency_code: a.agencyCode,
              procedure_code: a.procedureCode,
              window_kind: a.windowKind,
              source_uri: a.sourceUri,
              severity: a.severity,
              last_evaluation: a.lastEvaluation,
              explanation: a.explanation,
            })),
          ),
        ],
      ),
    );
  }

  /** Resolves the given open alerts; returns those that were still open. */
  async resolve(manager: EntityManager, resolutions: Array<{ id: string; reason: string; evaluation: unknown }>): Promise<AlertRecord[]> {
    if (resolutions.length === 0) return [];
    return records(
      await manager.query(
        `UPDATE alerts a SET status = 'resolved', resolved_at = now(), resolve_reason = r.reason,
                last_evaluated_at = now(), last_evaluation = coalesce(r.evaluation, a.last_evaluation)
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, reason text, evaluation jsonb)
         WHERE a.id = r.id AND a.status <> 'resolved'
         RETURNING ${ALERT_COLUMNS.split(',').map((c) => `a.${c.trim()}`).join(', ')}`,
        [JSON.stringify(resolutions.map((r) => ({ id: r.id, reason: r.reason, evaluation: r.evaluation ?? null })))],
      ),
    );
  }

  async updateEvaluations(manager: EntityManager, updates: Array<{ id: string; evaluation: unknown }>): Promise<void> {
    if (updates.length === 0) return;
    await manager.query(
      `UPDATE alerts a SET last_evaluated_at = now(), last_evaluation = r.evaluation
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, evaluation jsonb)
       WHERE a.id = r.id AND a.status <> 'resolved'`,
      [JSON.stringify(updates)],
    );
  }

  async loadWebhooks(manager: EntityManager): Promise<WebhookEndpoint[]> {
    const rows: Array<{ id: string; url: string; agency_code: string | null }> = await manager.query(
      `SELECT id, url, agency_code FROM webhook_endpoints WHERE enabled ORDER BY id`,
    );
    return rows.map((r) => ({ id: r.id, url: r.url, agencyCode: r.agency_code }));
  }

  /** The endpoint as it is now (URL and secret are read at send time, so rotation applies at once). */
  /** `sealed`: the secret sealed under SECRETS_ENCRYPTION_KEY; `secret`: a plaintext left from before sealing (until the API seals it). */
  async webhookForSend(manager: EntityManager, id: string): Promise<{ url: string; secret: string | null; sealed: string | null; enabled: boolean } | null> {
    const rows: Array<{ url: string; secret: string | null; sealed: string | null; enabled: boolean }> = await manager.query(
      `SELECT url, secret, secret_sealed AS sealed, enabled FROM webhook_endpoints WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async loadSourceActivity(manager: EntityManager): Promise<Array<{ sourceUri: string; lastEventAt: Date }>> {
    const rows: Array<{ source_uri: string; last_event_at: Date }> = await manager.query(`SELECT source_uri, last_event_at FROM source_activity`);
    return rows.map((r) => ({ sourceUri: r.source_uri, lastEventAt: r.last_event_at }));
  }

  /** One upsert per batch; the latest time wins whatever order batches arrive in. */
  async recordSourceActivity(latest: ReadonlyMap<string, number>): Promise<void> {
    if (latest.size === 0) return;
    await this.dataSource.query(
      `INSERT INTO source_activity (source_uri, last_event_at)
       SELECT r.source_uri, to_timestamp(r.at::double precision / 1000)
       FROM jsonb_to_recordset($1::jsonb) AS r(source_uri text, at bigint)
       ON CONFLICT (source_uri) DO UPDATE SET last_event_at = greatest(source_activity.last_event_at, excluded.last_event_at), updated_at = now()`,
      [JSON.stringify([...latest].map(([source_uri, at]) => ({ source_uri, at })))],
    );
  }

  /** Open alerts and those resolved since `since`, for Alertmanager. */
  async alertsForAlertmanager(since: Date): Promise<Array<AlertRecord & { resolvedAt: string | null }>> {
    const rows: Array<AlertDbRow & { resolved_at: Date | null }> = await this.dataSource.query(
      `SELECT ${ALERT_COLUMNS}, resolved_at FROM alerts WHERE status <> 'resolved' OR resolved_at >= $1 ORDER BY opened_at, id`,
      [since],
    );
    return rows.map((row) => ({ ...toRecord(row), resolvedAt: row.resolved_at ? row.resolved_at.toISOString() : null }));
  }
}

/** TypeORM's postgres driver answers an UPDATE … RETURNING with `[rows, affected]`, an INSERT with the rows. */
function records(result: unknown): AlertRecord[] {
  const rows =
    Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as AlertDbRow[]) : (result as AlertDbRow[]);
  return rows.map(toRecord);
}

function toRecord(row: AlertDbRow): AlertRecord {
  return {
    id: row.id,
    kind: row.kind,
    targetId: row.target_id,
    agencyCode: row.agency_code,
    procedureCode: row.procedure_code,
    windowKind: row.window_kind,
    metric: row.metric,
    severity: row.severity,
    threshold: row.threshold === null ? null : Number(row.threshold),
    status: row.status,
    openedAt: new Date(row.opened_at).toISOString(),
    sourceUri: row.source_uri,
    reminderCount: Number(row.reminder_count),
    escalatedAt: row.escalated_at ? new Date(row.escalated_at).toISOString() : null,
    resolveReason: row.resolve_reason,
    lastEvaluation: row.last_evaluation,
    explanation: row.explanation,
  };
}

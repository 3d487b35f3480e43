import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AgencyLevel, OnlineLevel } from '@dvc/contracts';
import type { AlertSeverity, TargetMetric, TargetRule, TargetScope } from '@dvc/domain';
import type { AgencyInfo, Evaluation, OpenAlert, OpenStatus, ProcedureInfo } from '../evaluation/sweep-plan';

/** `pg_try_advisory_xact_lock` key of the sweep: 'dvcalert' read as a 64-bit integer. */
export const SWEEP_ADVISORY_LOCK = '7238058621818057844';

/**
 * Rows per statement of the multi-row writes. A first sweep of a province opens tens of thousands of
 * alerts: one JSON parameter for all of them (e-mail bodies included) held hundreds of MB in the process
 * at once, twice (the objects and their text). Chunks keep that bounded; they are in the same transaction.
 */
const WRITE_CHUNK_ROWS = 2_000;

/** `work` over consecutive chunks of `items`, one after another (one connection: no parallel statements). */
async function inChunks<T, R>(items: readonly T[], work: (chunk: T[]) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += WRITE_CHUNK_ROWS) results.push(await work(items.slice(start, start + WRITE_CHUNK_ROWS)));
  return results;
}

function unionOfSets<T>(sets: ReadonlyArray<Set<T>>): Set<T> {
  const union = new Set<T>();
  for (const set of sets) for (const item of set) union.add(item);
  return union;
}

export interface Recipient {
  agencyCode: string;
  email: string;
  name: string | null;
}

export interface OutboxInsert {
  alertId: string;
  event: 'open' | 'escalation' | 'reminder' | 'resolve' | 'acknowledge';
  channel: 'email' | 'webhook' | 'kafka';

  recipient: string;
  payload: unknown;
  dedupeKey: string;
}

export interface NewAlertRow {
  id: string;
  targetId: string;
  agencyCode: string;
  procedureCode: string | null;
  windowKind: string;
  metric: TargetMetric;
  severity: AlertSeverity;
  threshold: number;
  lastEvaluation: unknown;
  explanation: unknown;
}

/**
 * All SQL of the alerting service. The sweep's methods take the transaction's `EntityManager`: reads
 * and every write of one sweep (alerts, history, outbox) happen in one transaction. Multi-row writes go
 * in as one JSON parameter expanded by `jsonb_to_recordset`.
 */
@Injectable()
export class AlertsRepository {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  /** Whether this transaction got the sweep's advisory lock (released at commit or rollback). */
  async tryLockSweep(manager: EntityManager): Promise<boolean> {
    const rows: Array<{ locked: boolean }> = await manager.query('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [SWEEP_ADVISORY_LOCK]);
    return rows[0].locked;
  }

  /**
   * The agencies the aggregator named since the last sweep (`alert_sweep_pending`), sorted: deleted in this
   * transaction, so they come back if it rolls back. Rows committed after this statement stay for the next sweep.
   */
  async claimPendingAgencies(manager: EntityManager): Promise<string[]> {
    const rows: Array<{ agency_code: string }> = await manager.query(
      `WITH claimed AS (DELETE FROM alert_sweep_pending RETURNING agency_code)
       SELECT DISTINCT agency_code FROM claimed ORDER BY agency_code`,
    );
    return rows.map((row) => row.agency_code);
  }

  /** A full sweep evaluates every agency: the pending ones it sees are done with. */
  async clearPendingAgencies(manager: EntityManager): Promise<void> {
    await manager.query('DELETE FROM alert_sweep_pending');
  }

  async loadRules(manager: EntityManager): Promise<TargetRule[]> {
    const rows: Array<{
      id: string;
      scope_kind: TargetScope['kind'];
      agency_level: AgencyLevel | null;
      online_level: 'full' | 'partial' | null;
      agency_code: string | null;
      include_subtree: boolean | null;
      procedure_code: string | null;
      metric: TargetMetric;
      threshold: string;
      severity: AlertSeverity;
    }> = await manager.query(
      `SELECT id, scope_kind, agency_level, online_level, agency_code, include_subtree, procedure_code, metric, threshold, severity
       FROM targets WHERE enabled`,
    );
    return rows.map((row) => ({
      id: row.id,
      scope: scopeOf(row),
      metric: row.metric,
      threshold: Number(row.threshold),
      severity: row.severity,
      enabled: true,
    }));
  }

  async loadAgencies(manager: EntityManager): Promise<Map<string, AgencyInfo>> {
    const rows: Array<{ code: string; name: string; level: AgencyLevel; parent_code: string | null }> = await manager.query(
      'SELECT code, name, level, parent_code FROM agencies',
    );
    return new Map(rows.map((row) => [row.code, { code: row.code, name: row.name, level: row.level, parentCode: row.parent_code }]));
  }

  async loadProcedures(manager: EntityManager): Promise<Map<string, ProcedureInfo>> {
    const rows: Array<{ code: string; name: string; online_level: OnlineLevel }> = await manager.query(
      'SELECT code, name, online_level FROM procedures',
    );
    return new Map(rows.map((row) => [row.code, { code: row.code, name: row.name, onlineLevel: row.online_level }]));
  }

  /** Open alerts (of `agencyCodes` when given), locked for the rest of the sweep's transaction. */
  async loadOpenAlerts(manager: EntityManager, agencyCodes?: readonly string[]): Promise<OpenAlert[]> {
    const rows: Array<{
      id: string;
      target_id: string;
      agency_code: string;
      procedure_code: string | null;
      window_kind: string;
      metric: TargetMetric;
      severity: AlertSeverity;
      status: OpenStatus;
      version: string;
    }> = await manager.query(
      `SELECT id, target_id, agency_code, procedure_code, window_kind, metric, severity, status, xmin::text AS version
       FROM alerts WHERE status <> 'resolved' AND kind = 'belowTarget'
         AND ($1::text[] IS NULL OR agency_code = ANY ($1::text[]))
       ORDER BY id FOR UPDATE`,
      [agencyCodes ? [...agencyCodes] : null],
    );
    return rows.map((row) => ({
      id: row.id,
      targetId: row.target_id,
      agencyCode: row.agency_code,
      procedureCode: row.procedure_code,
      windowKind: row.window_kind,
      metric: row.metric,
      severity: row.severity,
      status: row.status,
      version: row.version,
    }));
  }

  async loadRecipients(manager: EntityManager, agencyCodes: string[]): Promise<Map<string, Recipient[]>> {
    const byAgency = new Map<string, Recipient[]>();
    if (agencyCodes.length === 0) return byAgency;
    const rows: Array<{ agency_code: string; email: string; name: string | null }> = await manager.query(
      `SELECT agency_code, email, name FROM alert_recipients WHERE agency_code = ANY($1::text[]) ORDER BY agency_code, lower(email)`,
      [agencyCodes],
    );
    for (const row of rows) {
      const list = byAgency.get(row.agency_code) ?? [];
      list.push({ agencyCode: row.agency_code, email: row.email, name: row.name });
      byAgency.set(row.agency_code, list);
    }
    return byAgency;
  }

  /** Inserts new firing alerts with their first history entry; returns the ids actually inserted. */
  async insertAlerts(manager: EntityManager, alerts: NewAlertRow[], actor: string): Promise<Set<string>> {
    if (alerts.length > WRITE_CHUNK_ROWS) return unionOfSets(await inChunks(alerts, (chunk) => this.insertAlerts(manager, chunk, actor)));
    if (alerts.length === 0) return new Set();
    const rows: Array<{ id: string }> = await manager.query(
      `INSERT INTO alerts (id, target_id, agency_code, procedure_code, window_kind, metric, severity, threshold, status, last_evaluation, explanation)
       SELECT r.id, r.target_id, r.agency_code, r.procedure_code, r.window_kind, r.metric, r.severity, r.threshold, 'firing', r.last_evaluation, r.explanation
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, target_id uuid, agency_code text, procedure_code text, window_kind text,
                                               metric text, severity text, threshold numeric, last_evaluation jsonb, explanation jsonb)
       ON CONFLICT (target_id, agency_code, (coalesce(procedure_code, '')), window_kind) WHERE status <> 'resolved' DO NOTHING
       RETURNING id`,
      [
        JSON.stringify(
          alerts.map((a) => ({
            id: a.id,
            target_id: a.targetId,
            agency_code: a.agencyCode,
            procedure_code: a.procedureCode,
            window_kind: a.windowKind,
            metric: a.metric,
            severity: a.severity,
            threshold: a.threshold,
            last_evaluation: a.lastEvaluation,
            explanation: a.explanation,
          })),
        ),
      ],
    );
    const inserted = new Set(rows.map((row) => row.id));
    await this.insertHistory(
      manager,
      alerts.filter((a) => inserted.has(a.id)).map((a) => ({ alertId: a.id, from: null, to: 'firing', actor, details: { reason: 'belowTarget', evaluation: a.lastEvaluation } })),
    );
    return inserted;
  }

  /** Resolves open alerts; returns the ids that were still open (and are now resolved). */
  async resolveAlerts(
    manager: EntityManager,
    resolutions: Array<{ id: string; from: OpenStatus; reason: string; evaluation: Evaluation | null }>,
    actor: string,
  ): Promise<Set<string>> {
    if (resolutions.length > WRITE_CHUNK_ROWS) return unionOfSets(await inChunks(resolutions, (chunk) => this.resolveAlerts(manager, chunk, actor)));
    if (resolutions.length === 0) return new Set();
    const rows = updatedRows<{ id: string }>(await manager.query(
      `UPDATE alerts a SET status = 'resolved', resolved_at = now(), resolve_reason = r.reason,
              last_evaluated_at = now(), last_evaluation = coalesce(r.evaluation, a.last_evaluation)
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, reason text, evaluation jsonb)
       WHERE a.id = r.id AND a.status <> 'resolved'
       RETURNING a.id`,
      [JSON.stringify(resolutions.map((r) => ({ id: r.id, reason: r.reason, evaluation: r.evaluation })))],
    ));
    const resolved = new Set(rows.map((row) => row.id));
    await this.insertHistory(
      manager,
      resolutions
        .filter((r) => resolved.has(r.id))
        .map((r) => ({ alertId: r.id, from: r.from, to: 'resolved', actor, details: { reason: r.reason, evaluation: r.evaluation } })),
    );
    return resolved;
  }

  /**
   * The latest numbers of open alerts that stay open. Only alerts whose numbers changed are rewritten
   * (with `last_evaluated_at`): a sweep that finds the same numbers leaves the row alone, so
   * `last_evaluated_at` is when the current numbers were first computed. Returns the new row version
   * (`xmin`) of each alert it changed (see WrittenEvaluations).
   */
  async updateEvaluations(manager: EntityManager, updates: ReadonlyArray<{ id: string; evaluation: Evaluation }>): Promise<Map<string, string>> {
    if (updates.length > WRITE_CHUNK_ROWS) {
      return new Map((await inChunks(updates, (chunk) => this.updateEvaluations(manager, chunk))).flatMap((versions) => [...versions]));
    }
    if (updates.length === 0) return new Map();
    const rows: Array<{ id: string; version: string }> = await manager.query(
      `UPDATE alerts a SET last_evaluated_at = now(), last_evaluation = r.evaluation
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, evaluation jsonb)
       WHERE a.id = r.id AND a.status <> 'resolved' AND a.last_evaluation IS DISTINCT FROM r.evaluation
       RETURNING a.id, a.xmin::text AS version`,
      [JSON.stringify(updates.map(({ id, evaluation }) => ({ id, evaluation })))],
    );
    return new Map(rows.map((row) => [row.id, row.version]));
  }

  async insertHistory(
    manager: EntityManager,
    entries: Array<{ alertId: string; from: string | null; to: string; actor: string; comment?: string; details?: unknown }>,
  ): Promise<void> {
    if (entries.length > WRITE_CHUNK_ROWS) {
      await inChunks(entries, (chunk) => this.insertHistory(manager, chunk));
      return;
    }
    if (entries.length === 0) return;
    await manager.query(
      `INSERT INTO alert_history (alert_id, from_status, to_status, actor, comment, details)
       SELECT r.alert_id, r.from_status, r.to_status, r.actor, r.comment, r.details
       FROM jsonb_to_recordset($1::jsonb) AS r(alert_id uuid, from_status text, to_status text, actor text, comment text, details jsonb)`,
      [
        JSON.stringify(
          entries.map((e) => ({ alert_id: e.alertId, from_status: e.from, to_status: e.to, actor: e.actor, comment: e.comment ?? null, details: e.details ?? null })),
        ),
      ],
    );
  }

  /** Enqueues notifications; a dedupe key already present is skipped. Returns how many were enqueued. */
  async enqueue(manager: EntityManager, rows: OutboxInsert[]): Promise<number> {
    if (rows.length > WRITE_CHUNK_ROWS) return (await inChunks(rows, (chunk) => this.enqueue(manager, chunk))).reduce((a, b) => a + b, 0);
    if (rows.length === 0) return 0;
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO notification_outbox (alert_id, event, channel, recipient, payload, dedupe_key)
       SELECT r.alert_id, r.event, r.channel, r.recipient, r.payload, r.dedupe_key
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (alert_id uuid, event text, channel text, recipient text, payload jsonb, dedupe_key text))
            WITH ORDINALITY AS r(alert_id, event, channel, recipient, payload, dedupe_key, n)
       ORDER BY r.n
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        JSON.stringify(
          rows.map((r) => ({ alert_id: r.alertId, event: r.event, channel: r.channel, recipient: r.recipient, payload: r.payload, dedupe_key: r.dedupeKey })),
        ),
      ],
    );
    return inserted.length;
  }

  async openAlertsBySeverity(): Promise<Map<string, number>> {
    const rows: Array<{ severity: string; n: string }> = await this.dataSource.query(
      `SELECT severity, count(*) AS n FROM alerts WHERE status <> 'resolved' GROUP BY severity`,
    );
    return new Map(rows.map((row) => [row.severity, Number(row.n)]));
  }
}

/** TypeORM's postgres driver answers an UPDATE … RETURNING with `[rows, affected]`, an INSERT with the rows. */
function updatedRows<T>(result: unknown): T[] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as T[]) : (result as T[]);
}

function scopeOf(row: {
  scope_kind: TargetScope['kind'];
  agency_level: AgencyLevel | null;
  online_level: 'full' | 'partial' | null;
  agency_code: string | null;
  include_subtree: boolean | null;
  procedure_code: string | null;
}): TargetScope {
  switch (row.scope_kind) {
    case 'all':
      return { kind: 'all' };
    case 'agencyLevel':
      return { kind: 'agencyLevel', agencyLevel: row.agency_level! };
    case 'onlineLevel':
      return { kind: 'onlineLevel', onlineLevel: row.online_level! };
    case 'agency':
      return { kind: 'agency', agencyCode: row.agency_code!, includeSubtree: row.include_subtree ?? false };
    case 'procedure':
      return { kind: 'procedure', procedureCode: row.procedure_code! };
    case 'agencyProcedure':
      return { kind: 'agencyProcedure', agencyCode: row.agency_code!, procedureCode: row.procedure_code! };
  }
}


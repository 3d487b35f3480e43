import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AgencyLevel, OnlineLevel } from '@dvc/contracts';
import { splitWindowByMonths } from '@dvc/domain';
import type { AlertSeverity, DayWindow, TargetMetric, TargetRule, TargetScope } from '@dvc/domain';
import { ZERO_COUNTS } from '../evaluation/sweep-plan';
import type { AgencyInfo, Counts, Evaluation, OpenAlert, OpenStatus, PairCounts, ProcedureInfo } from '../evaluation/sweep-plan';

/** `pg_try_advisory_xact_lock` key of the sweep: 'dvcalert' read as a 64-bit integer. */
export const SWEEP_ADVISORY_LOCK = '7238058621818057844';

/** `work_mem` of the sweep's transaction, for its one aggregation over the buckets (a province: ~1.8M pairs). */
const SWEEP_WORK_MEM = '256MB';

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

  /**
   * Counts per agency × procedure in `window` and in `previous`: one set-based query per window;
   * limited to `agencyCodes` when given (an evaluation after rates changed). With `decidableFrom`,
   * only the pairs that can be decided: at least that many dossiers received or completed in `window`,
   * or an open alert — the rest (most pairs of a province) can neither fire nor resolve, and are not
   * worth carrying into JavaScript.
   */
  async loadPairCounts(
    manager: EntityManager,
    window: DayWindow,
    previous: DayWindow,
    agencyCodes?: readonly string[],
    decidableFrom?: number,
  ): Promise<PairCounts[]> {
    const sums = `SELECT agency_code, procedure_code,
         coalesce(sum(received)          FILTER (WHERE day BETWEEN $1::date AND $2::date), 0)::int8 AS received,
         coalesce(sum(received_online)   FILTER (WHERE day BETWEEN $1::date AND $2::date), 0)::int8 AS received_online,
         coalesce(sum(completed)         FILTER (WHERE day BETWEEN $1::date AND $2::date), 0)::int8 AS completed,
         coalesce(sum(completed_on_time) FILTER (WHERE day BETWEEN $1::date AND $2::date), 0)::int8 AS completed_on_time,
         coalesce(sum(received)          FILTER (WHERE day BETWEEN $3::date AND $4::date), 0)::int8 AS p_received,
         coalesce(sum(received_online)   FILTER (WHERE day BETWEEN $3::date AND $4::date), 0)::int8 AS p_received_online,
         coalesce(sum(completed)         FILTER (WHERE day BETWEEN $3::date AND $4::date), 0)::int8 AS p_completed,
         coalesce(sum(completed_on_time) FILTER (WHERE day BETWEEN $3::date AND $4::date), 0)::int8 AS p_completed_on_time
       FROM daily_buckets
       WHERE (day BETWEEN $1::date AND $2::date OR day BETWEEN $3::date AND $4::date)
         AND ($5::text[] IS NULL OR agency_code = ANY ($5::text[]))
       GROUP BY agency_code, procedure_code
       HAVING (coalesce(sum(received) FILTER (WHERE day BETWEEN $1::date AND $2::date), 0) > 0
           OR coalesce(sum(completed) FILTER (WHERE day BETWEEN $1::date AND $2::date), 0) > 0
           OR coalesce(sum(received) FILTER (WHERE day BETWEEN $3::date AND $4::date), 0) > 0
           OR coalesce(sum(completed) FILTER (WHERE day BETWEEN $3::date AND $4::date), 0) > 0)`;
    // The open pairs are joined by hash (an IN (subquery) per group would rescan alerts for each pair).
    const decidable = `WITH sums AS (${sums}),
      open_pairs AS MATERIALIZED (
        SELECT DISTINCT agency_code, procedure_code FROM alerts WHERE status <> 'resolved' AND procedure_code IS NOT NULL
      )
      SELECT sums.* FROM sums
      LEFT JOIN open_pairs o ON o.agency_code = sums.agency_code AND o.procedure_code = sums.procedure_code
      WHERE sums.received >= $6 OR sums.completed >= $6 OR o.agency_code IS NOT NULL`;
    const rows: Array<Record<string, string | number>> = await manager.query(
      decidableFrom === undefined ? sums : decidable,
      [window.firstDay, window.lastDay, previous.firstDay, previous.lastDay, agencyCodes ? [...agencyCodes] : null, ...(decidableFrom === undefined ? [] : [decidableFrom])],
    );
    return rows.map((row) => ({
      agencyCode: String(row.agency_code),
      procedureCode: String(row.procedure_code),
      current: {
        received: Number(row.received),
        receivedOnline: Number(row.received_online),
        completed: Number(row.completed),
        completedOnTime: Number(row.completed_on_time),
      },
      previous: {
        received: Number(row.p_received),
        receivedOnline: Number(row.p_received_online),
        completed: Number(row.p_completed),
        completedOnTime: Number(row.p_completed_on_time),
      },
    }));
  }

  /**
   * Every window's decidable pairs and agency totals from ONE pass over the buckets: the rows of the union
   * of the windows' days are grouped once by agency × procedure, with one conditional sum per window and
   * count, and the agencies' totals are summed from those groups. Whole months inside a window are read
   * from `monthly_buckets`, its other days from `daily_buckets` (see `WindowRows`): the same sums, fewer rows.
   * Per window: `pairs` the pairs that can be decided there (`decidableFrom` dossiers received or completed
   * in the window, or an open alert); `agencyTotals` the agencies with dossiers in it. Only the windows
   * themselves are summed: the previous windows' counts are needed for the explanations of the alerts
   * that open or resolve, and `loadPreviousCounts` reads them for just those.
   */
  async loadSweepCounts(
    manager: EntityManager,
    windows: readonly DayWindow[],
    decidableFrom: number,
    agencyCodes?: readonly string[],
  ): Promise<Array<{ pairs: PairCounts[]; agencyTotals: Map<string, { current: Counts; previous: Counts }> }>> {
    if (windows.length === 0) return [];
    const params: unknown[] = [agencyCodes ? [...agencyCodes] : null, decidableFrom];
    const source = new WindowRows(windows, params);
    const columns: string[] = [];
    const decidable: string[] = [];
    windows.forEach((window, k) => {
      const condition = source.condition(window);
      columns.push(
        `coalesce(sum(received)          FILTER (WHERE ${condition}), 0)::float8 AS c${k}_r`,
        `coalesce(sum(received_online)   FILTER (WHERE ${condition}), 0)::float8 AS c${k}_ro`,
        `coalesce(sum(completed)         FILTER (WHERE ${condition}), 0)::float8 AS c${k}_c`,
        `coalesce(sum(completed_on_time) FILTER (WHERE ${condition}), 0)::float8 AS c${k}_ct`,
      );
      decidable.push(`g.c${k}_r >= $2 OR g.c${k}_c >= $2`);
    });
    const sums = columns.map((column) => column.slice(column.lastIndexOf(' AS ') + 4)).map((name) => `sum(${name}) AS ${name}`);
    // One (parallel) aggregation by pair; the agencies' totals are summed from its rows. The open pairs
    // are a hashed subplan (an IN (subquery) that did not fit `work_mem` would rescan alerts per pair):
    // the aggregation of a province needs far more than the default 4 MB, hence SET LOCAL (until the
    // sweep's transaction ends). JIT off: compiling this one-off query's 100-odd expressions took longer
    // (2.2 s of 7.4 s on the bench's province) than it saved.
    await manager.query(`SET LOCAL work_mem = '${SWEEP_WORK_MEM}'`);
    await manager.query('SET LOCAL jit = off');
    const rows: Array<Record<string, string | number | boolean | null>> = await manager.query(
      `WITH pr AS MATERIALIZED (
         SELECT agency_code, procedure_code, ${columns.join(',\n                ')}
         FROM (${source.sql('$1')}) AS rows
         GROUP BY agency_code, procedure_code
       ), open_pairs AS MATERIALIZED (
         SELECT DISTINCT agency_code, procedure_code FROM alerts WHERE status <> 'resolved' AND procedure_code IS NOT NULL
       ), g AS (
         SELECT pr.*, (agency_code, procedure_code) IN (SELECT agency_code, procedure_code FROM open_pairs) AS open FROM pr
       )
       SELECT * FROM g WHERE g.open OR ${decidable.join(' OR ')}
       UNION ALL
       SELECT agency_code, NULL, ${sums.join(', ')}, false FROM pr GROUP BY agency_code`,
      params,
    );
    const result = windows.map(() => ({ pairs: [] as PairCounts[], agencyTotals: new Map<string, { current: Counts; previous: Counts }>() }));
    for (const row of rows) {
      const agencyCode = String(row.agency_code);
      for (let k = 0; k < windows.length; k += 1) {
        const current: Counts = {
          received: row[`c${k}_r`] as number,
          receivedOnline: row[`c${k}_ro`] as number,
          completed: row[`c${k}_c`] as number,
          completedOnTime: row[`c${k}_ct`] as number,
        };
        // The window's HAVING: dossiers received or completed in it.
        if (current.received <= 0 && current.completed <= 0) continue;
        if (row.procedure_code === null) {
          result[k].agencyTotals.set(agencyCode, { current, previous: { ...ZERO_COUNTS } });
        } else if (row.open === true || current.received >= decidableFrom || current.completed >= decidableFrom) {
          result[k].pairs.push({ agencyCode, procedureCode: String(row.procedure_code), current, previous: { ...ZERO_COUNTS } });
        }
      }
    }
    return result;
  }

  /**
   * The counts in `window` of just these scopes (an agency as a whole when `procedureCode` is null, else one
   * pair): what the explanations of the alerts a sweep opens or resolves compare with. Keyed by `scopeCountsKey`.
   */
  async loadPreviousCounts(
    manager: EntityManager,
    window: DayWindow,
    scopes: ReadonlyArray<{ agencyCode: string; procedureCode: string | null }>,
  ): Promise<Map<string, Counts>> {
    const counts = new Map<string, Counts>();
    if (scopes.length === 0) return counts;
    const wanted = [...new Map(scopes.map((s) => [scopeCountsKey(s.agencyCode, s.procedureCode), s])).values()];
    const agencies = wanted.filter((s) => s.procedureCode === null).map((s) => s.agencyCode);
    const pairs = wanted.filter((s) => s.procedureCode !== null);
    const sums = `sum(received)::float8 AS received, sum(received_online)::float8 AS received_online,
                  sum(completed)::float8 AS completed, sum(completed_on_time)::float8 AS completed_on_time`;
    const agencyParams: unknown[] = [agencies];
    const pairParams: unknown[] = [pairs.map((p) => p.agencyCode), pairs.map((p) => p.procedureCode)];
    const agencyRows = new WindowRows([window], agencyParams);
    const pairRows = new WindowRows([window], pairParams);
    await manager.query('SET LOCAL jit = off');
    const rows: Array<{ agency_code: string; procedure_code: string | null; received: number; received_online: number; completed: number; completed_on_time: number }> = [
      ...(agencies.length === 0
        ? []
        : await manager.query(`SELECT agency_code, NULL AS procedure_code, ${sums} FROM (${agencyRows.sql('$1')}) AS rows GROUP BY agency_code`, agencyParams)),
      ...(pairs.length === 0
        ? []
        : await manager.query(
            `WITH wanted AS (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS w(agency_code, procedure_code))
             SELECT r.agency_code, r.procedure_code, ${sums}
             FROM (${pairRows.sql('$1')}) AS r JOIN wanted w ON w.agency_code = r.agency_code AND w.procedure_code = r.procedure_code
             GROUP BY r.agency_code, r.procedure_code`,
            pairParams,
          )),
    ];
    for (const row of rows) {
      counts.set(scopeCountsKey(row.agency_code, row.procedure_code), {
        received: Number(row.received),
        receivedOnline: Number(row.received_online),
        completed: Number(row.completed),
        completedOnTime: Number(row.completed_on_time),
      });
    }
    return counts;
  }

  /**
   * For each requested (agency, metric, threshold): the agency's procedures below the threshold in
   * `window` (trials > 0), with their successes and trials — all that ranking the procedures pulling the
   * agency down needs, besides the agency's totals. The comparison is the same float division as in
   * JavaScript (`successes / trials < threshold`).
   */
  async loadBelowTargetPairs(
    manager: EntityManager,
    window: DayWindow,
    wanted: ReadonlyArray<{ agencyCode: string; metric: TargetMetric; threshold: number }>,
  ): Promise<Array<{ agencyCode: string; metric: TargetMetric; threshold: number; procedureCode: string; successes: number; trials: number }>> {
    if (wanted.length === 0) return [];
    const params: unknown[] = [[...new Set(wanted.map((w) => w.agencyCode))], JSON.stringify(wanted.map((w) => ({ agency_code: w.agencyCode, metric: w.metric, threshold: w.threshold })))];
    const source = new WindowRows([window], params);
    await manager.query('SET LOCAL jit = off');
    const rows: Array<{ agency_code: string; metric: TargetMetric; threshold: number; procedure_code: string; successes: string; trials: string }> = await manager.query(
      `WITH wanted AS (
         SELECT * FROM jsonb_to_recordset($2::jsonb) AS w(agency_code text, metric text, threshold float8)
       ), pairs AS (
         SELECT agency_code, procedure_code,
                sum(received)::int8 AS received, sum(received_online)::int8 AS received_online,
                sum(completed)::int8 AS completed, sum(completed_on_time)::int8 AS completed_on_time
         FROM (${source.sql('$1')}) AS rows
         GROUP BY agency_code, procedure_code
       ), samples AS (
         SELECT w.agency_code, w.metric, w.threshold, p.procedure_code,
                CASE WHEN w.metric = 'onlineRate' THEN p.received_online ELSE p.completed_on_time END AS successes,
                CASE WHEN w.metric = 'onlineRate' THEN p.received ELSE p.completed END AS trials
         FROM wanted w JOIN pairs p ON p.agency_code = w.agency_code
       )
       SELECT agency_code, metric, threshold, procedure_code, successes, trials FROM samples
       WHERE trials > 0 AND successes::float8 / trials::float8 < threshold`,
      params,
    );
    return rows.map((row) => ({
      agencyCode: row.agency_code,
      metric: row.metric,
      threshold: Number(row.threshold),
      procedureCode: row.procedure_code,
      successes: Number(row.successes),
      trials: Number(row.trials),
    }));
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
    }> = await manager.query(
      `SELECT id, target_id, agency_code, procedure_code, window_kind, metric, severity, status
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
   * `last_evaluated_at` is when the current numbers were first computed.
   */
  async updateEvaluations(manager: EntityManager, updates: Array<{ id: string; evaluation: Evaluation }>): Promise<void> {
    if (updates.length > WRITE_CHUNK_ROWS) {
      await inChunks(updates, (chunk) => this.updateEvaluations(manager, chunk));
      return;
    }
    if (updates.length === 0) return;
    await manager.query(
      `UPDATE alerts a SET last_evaluated_at = now(), last_evaluation = r.evaluation
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, evaluation jsonb)
       WHERE a.id = r.id AND a.status <> 'resolved' AND a.last_evaluation IS DISTINCT FROM r.evaluation`,
      [JSON.stringify(updates)],
    );
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

  /** The oldest due notification, locked (others skip it) until the manager's transaction ends. */
  async claimDue(manager: EntityManager): Promise<OutboxRow | null> {
    const rows: Array<{
      id: string;
      alert_id: string | null;
      event: string;
      channel: OutboxRow['channel'];
      recipient: string;
      payload: Record<string, unknown>;
      dedupe_key: string;
      attempts: number;
    }> = await manager.query(
      `SELECT id, alert_id, event, channel, recipient, payload, dedupe_key, attempts
       FROM notification_outbox
       WHERE status = 'pending' AND next_attempt_at <= now()
       ORDER BY next_attempt_at, id
       LIMIT 1
       FOR UPDATE SKIP LOCKED`,
    );
    const row = rows[0];
    return row
      ? { id: row.id, alertId: row.alert_id, event: row.event, channel: row.channel, recipient: row.recipient, payload: row.payload, dedupeKey: row.dedupe_key, attempts: row.attempts }
      : null;
  }

  async markSent(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE notification_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1`,
      [id],
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

  async openAlertsBySeverity(): Promise<Map<string, number>> {
    const rows: Array<{ severity: string; n: string }> = await this.dataSource.query(
      `SELECT severity, count(*) AS n FROM alerts WHERE status <> 'resolved' GROUP BY severity`,
    );
    return new Map(rows.map((row) => [row.severity, Number(row.n)]));
  }

  async outboxBacklogByChannel(): Promise<Map<string, number>> {
    const rows: Array<{ channel: string; n: string }> = await this.dataSource.query(
      `SELECT channel, count(*) AS n FROM notification_outbox WHERE status = 'pending' GROUP BY channel`,
    );
    return new Map(rows.map((row) => [row.channel, Number(row.n)]));
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

/** Key of `loadPreviousCounts`' answer: an agency as a whole (procedure null) or one pair. */
export function scopeCountsKey(agencyCode: string, procedureCode: string | null): string {
  return `${agencyCode}\u0000${procedureCode ?? ''}`;
}

/**
 * The bucket rows that hold exactly the days of some day windows: whole months inside a window from
 * `monthly_buckets` (the aggregator keeps them equal to their days, in the same transaction), the rest from
 * `daily_buckets` (`splitWindowByMonths`). `sql` selects agency_code, procedure_code, day (the month's
 * first day for a month row), from_months and the four rate counters; `condition(window)` is true of the
 * rows of that window. Parameters are appended to `params`.
 */
class WindowRows {
  private readonly dayConditions: string[] = [];
  private readonly monthConditions: string[] = [];
  private readonly conditions = new Map<DayWindow, string>();

  constructor(windows: readonly DayWindow[], private readonly params: unknown[]) {
    for (const window of windows) {
      const split = splitWindowByMonths(window.firstDay, window.lastDay);
      const days = split.dayRanges.map((range) => `day BETWEEN ${this.param(range.firstDay)}::date AND ${this.param(range.lastDay)}::date`);
      const months = split.months ? `day BETWEEN ${this.param(split.months.firstMonth)}::date AND ${this.param(split.months.lastMonth)}::date` : null;
      this.dayConditions.push(...days);
      if (months) this.monthConditions.push(months.replace(/\bday\b/, 'month'));
      const parts = [days.length > 0 ? `(NOT from_months AND (${days.join(' OR ')}))` : null, months ? `(from_months AND ${months})` : null].filter((p) => p !== null);
      this.conditions.set(window, parts.length > 0 ? `(${parts.join(' OR ')})` : 'false');
    }
  }

  condition(window: DayWindow): string {
    return this.conditions.get(window)!;
  }

  /** `agencies`: a text[] parameter limiting the agencies (NULL: all). */
  sql(agencies: string): string {
    const counters = 'received, received_online, completed, completed_on_time';
    const filter = `(${agencies}::text[] IS NULL OR agency_code = ANY (${agencies}::text[]))`;
    const parts: string[] = [];
    if (this.dayConditions.length > 0) {
      parts.push(`SELECT agency_code, procedure_code, day, false AS from_months, ${counters} FROM daily_buckets
         WHERE (${this.dayConditions.join(' OR ')}) AND ${filter}`);
    }
    if (this.monthConditions.length > 0) {
      parts.push(`SELECT agency_code, procedure_code, month AS day, true AS from_months, ${counters} FROM monthly_buckets
         WHERE (${this.monthConditions.join(' OR ')}) AND ${filter}`);
    }
    if (parts.length === 0) parts.push(`SELECT NULL::text AS agency_code, NULL::text AS procedure_code, NULL::date AS day, false AS from_months, 0 AS received, 0 AS received_online, 0 AS completed, 0 AS completed_on_time WHERE false`);
    return parts.join('\n UNION ALL\n ');
  }

  private param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

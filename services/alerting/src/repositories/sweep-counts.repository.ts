import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { splitWindowByMonths } from '@dvc/domain';
import type { DayWindow, TargetMetric } from '@dvc/domain';
import { ZERO_COUNTS } from '../evaluation/sweep-plan';
import type { Counts, PairCounts } from '../evaluation/sweep-plan';
import { sweepPairFilterSql } from '../evaluation/pair-filter';
import type { SweepPairFilter } from '../evaluation/pair-filter';

/** `work_mem` of the sweep's transaction, for its one aggregation over the buckets (a province: ~1.8M pairs). */
const SWEEP_WORK_MEM = '256MB';

/**
 * The sweep's reads of the rate buckets: counts per window, agency × procedure and agency, from the day
 * rows and the month roll-ups. Every method takes the sweep's transaction.
 */
@Injectable()
export class SweepCountsRepository {
  /**
   * Settings for the rest of the sweep's transaction (SET LOCAL). The aggregation of a province needs far
   * more than the default 4 MB of `work_mem`. JIT off: compiling the one-off aggregation's 100-odd
   * expressions took longer (2.2 s of 7.4 s on the bench's province) than it saved.
   */
  async prepareSweepTransaction(manager: EntityManager): Promise<void> {
    await manager.query(`SET LOCAL work_mem = '${SWEEP_WORK_MEM}'`);
    await manager.query('SET LOCAL jit = off');
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
   * Per window: `pairs` the pairs that can change something there (an open alert, or counts that pass
   * `filter`: pair-filter.ts — most of a province's pairs can neither fire nor resolve); `agencyTotals` the
   * agencies with dossiers in it (summed over all their pairs, filtered or not). Only the windows
   * themselves are summed: the previous windows' counts are needed for the explanations of the alerts
   * that open or resolve, and `loadPreviousCounts` reads them for just those.
   */
  async loadSweepCounts(
    manager: EntityManager,
    windows: readonly DayWindow[],
    filter: SweepPairFilter,
    agencyCodes?: readonly string[],
  ): Promise<Array<{ pairs: PairCounts[]; agencyTotals: Map<string, { current: Counts; previous: Counts }> }>> {
    if (windows.length === 0) return [];
    const params: unknown[] = [agencyCodes ? [...agencyCodes] : null];
    const source = new WindowRows(windows, params);
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const columns: string[] = [];
    const mayChange: string[] = [];
    windows.forEach((window, k) => {
      const condition = source.condition(window);
      const sum = (counter: string) => `coalesce(sum(${counter}) FILTER (WHERE ${condition}), 0)::float8`;
      columns.push(`${sum('received')} AS c${k}_r`, `${sum('received_online')} AS c${k}_ro`, `${sum('completed')} AS c${k}_c`, `${sum('completed_on_time')} AS c${k}_ct`);
      // Over the aggregates themselves (HAVING cannot name the output columns; PostgreSQL computes each once).
      mayChange.push(sweepPairFilterSql({ received: sum('received'), receivedOnline: sum('received_online'), completed: sum('completed'), completedOnTime: sum('completed_on_time') }, filter, param));
    });
    // The open pairs: a hashed subplan, built once (an IN (subquery) that did not fit `work_mem` would rescan
    // alerts per group: hence `prepareSweepTransaction`'s work_mem).
    const open = `(agency_code, procedure_code) IN (SELECT agency_code, procedure_code FROM alerts WHERE status <> 'resolved' AND procedure_code IS NOT NULL)`;
    // ONE hash aggregation with two grouping sets: the pairs, and the agencies' totals over all their pairs
    // (procedure_code NULL). HAVING keeps every agency row and only the pairs that can change something. On the
    // bench's province this took a third of the time of aggregating pairs into a materialised CTE, filtering
    // it and summing agencies from it in a second pass (docs/performance.md).
    const rows: Array<Record<string, string | number | boolean | null>> = await manager.query(
      `SELECT agency_code, procedure_code, ${columns.join(',\n              ')},
              ${open} AS open,
              ${mayChange.map((test, k) => `${test} AS m${k}`).join(',\n              ')}
       FROM (${source.sql('$1')}) AS rows
       GROUP BY GROUPING SETS ((agency_code, procedure_code), (agency_code))
       HAVING GROUPING(procedure_code) = 1 OR ${open} OR ${mayChange.join(' OR ')}`,
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
        } else if (row.open === true || row[`m${k}`] === true) {
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

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { coversWholeMonths, IndicatorCounts } from '@dvc/domain';

export interface IndicatorSelection {
  /** Inclusive `YYYY-MM-DD` bounds of the period. */
  firstDay: string;
  lastDay: string;
  /** The day at whose end dossiers in progress are counted (2.1): the period's last day, or today while it runs. */
  asOfDay: string;
  /**
   * Subtree mode: one row per given root, summing the root and all its descendants (peers of a ranking).
   * `null`: one set of rows for the agencies selected by `agency`/`subtree`, grouped as asked.
   */
  subtreeRoots: readonly string[] | null;
  agency: string | null;
  subtree: boolean;
  groupByAgency: boolean;
  groupByProcedure: boolean;
  groupBySector: boolean;
  /** The caller's agency roots: nothing outside them is counted. */
  scopeRoots: readonly string[];
}

/** The counts of one group (keys not grouped by are ''); `unit` is the subtree root in subtree mode, else ''. */
export interface IndicatorCountsRow {
  unit: string;
  agencyCode: string;
  procedureCode: string;
  sector: string;
  counts: IndicatorCounts;
}

export interface AgencyNode {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
}

export interface PeriodChanges {
  /** The first and last Vietnam day any count of the period (within the selection) changed; null when none recorded. */
  firstChangedOn: string | null;
  lastChangedOn: string | null;
}

/*
 * Everything the indicators need for one period, in one statement: the rate buckets (3.3, full-online, 2.1's
 * completions), the indicator buckets (3.6, 2.2), the dossier spans in progress at the end of asOfDay (2.1), and
 * the procedures each group's agencies have had dossiers for up to the period's end (3.1 and online services used;
 * the catalogue's online level as it is now). Like /v1/rates every request value is a bound parameter.
 */
const UNITS_SQL = `
WITH RECURSIVE scope (code, path) AS (
  SELECT $5::text, ARRAY[$5::text] WHERE $5::text IS NOT NULL
  UNION ALL
  SELECT child.code, scope.path || child.code
  FROM agencies child JOIN scope ON child.parent_code = scope.code
  WHERE $6::boolean AND child.code <> ALL (scope.path)
),
visible AS (SELECT code FROM agency_subtree($10::text[]) AS code),
units (unit, agency_code) AS (
  SELECT root.code, member.code
  FROM unnest($4::text[]) AS root(code) CROSS JOIN LATERAL agency_subtree(ARRAY[root.code]) AS member(code)
  WHERE $4::text[] IS NOT NULL AND member.code IN (SELECT code FROM visible)
  UNION ALL
  SELECT '', v.code FROM visible v
  WHERE $4::text[] IS NULL AND ($5::text IS NULL OR v.code IN (SELECT code FROM scope))
)`;

const GROUP_KEYS = `
  c.unit COLLATE "C" AS unit,
  COALESCE(CASE WHEN $7::boolean THEN c.agency_code END, '') COLLATE "C" AS agency_code,
  COALESCE(CASE WHEN $8::boolean THEN c.procedure_code END, '') COLLATE "C" AS procedure_code,
  COALESCE(CASE WHEN $9::boolean THEN p.sector END, '') COLLATE "C" AS sector`;

interface CountSources {
  buckets: 'daily_buckets' | 'monthly_buckets';
  indicatorBuckets: 'indicator_buckets' | 'monthly_indicator_buckets';
  /** The key column: a day, or a month's first day. */
  day: 'day' | 'month';
}

const indicatorCountsSql = ({ buckets, indicatorBuckets, day }: CountSources) => `${UNITS_SQL},
contributions AS (
  SELECT u.unit, b.agency_code, b.procedure_code,
         b.received, b.received_online,
         CASE WHEN p.online_level = 'full' THEN b.received ELSE 0 END AS received_full,
         CASE WHEN p.online_level = 'full' THEN b.received_online ELSE 0 END AS received_online_full,
         b.completed, b.completed_on_time,
         0 AS within_deadline, 0 AS overdue, 0 AS resolved, 0::bigint AS resolution_seconds, 0 AS with_payment, 0 AS paid_online
  FROM ${buckets} b JOIN units u ON u.agency_code = b.agency_code LEFT JOIN procedures p ON p.code = b.procedure_code
  WHERE b.${day} BETWEEN $1::date AND $2::date
  UNION ALL
  SELECT u.unit, i.agency_code, i.procedure_code, 0, 0, 0, 0, 0, 0, 0, 0,
         i.resolved, i.resolution_seconds, i.received_with_payment, i.received_paid_online
  FROM ${indicatorBuckets} i JOIN units u ON u.agency_code = i.agency_code
  WHERE i.${day} BETWEEN $1::date AND $2::date
  UNION ALL
  SELECT u.unit, s.agency_code, s.procedure_code, 0, 0, 0, 0, 0, 0,
         CASE WHEN s.due_day > $3::date THEN s.dossiers ELSE 0 END,
         CASE WHEN s.due_day <= $3::date THEN s.dossiers ELSE 0 END,
         0, 0, 0, 0
  FROM dossier_spans s JOIN units u ON u.agency_code = s.agency_code
  WHERE s.closed_day > $3::date AND s.received_day <= $3::date AND s.dossiers <> 0
),
grouped AS (
  SELECT ${GROUP_KEYS},
         SUM(c.received)::bigint AS received, SUM(c.received_online)::bigint AS received_online,
         SUM(c.received_full)::bigint AS received_full, SUM(c.received_online_full)::bigint AS received_online_full,
         SUM(c.completed)::bigint AS completed, SUM(c.completed_on_time)::bigint AS completed_on_time,
         SUM(c.within_deadline)::bigint AS within_deadline, SUM(c.overdue)::bigint AS overdue,
         SUM(c.resolved)::bigint AS resolved, SUM(c.resolution_seconds)::bigint AS resolution_seconds,
         SUM(c.with_payment)::bigint AS with_payment, SUM(c.paid_online)::bigint AS paid_online
  FROM contributions c LEFT JOIN procedures p ON p.code = c.procedure_code
  GROUP BY 1, 2, 3, 4
),
catalogue AS (
  SELECT u.unit, b.agency_code, b.procedure_code, bool_or(b.${day} >= $1::date AND b.received_online > 0) AS used
  FROM ${buckets} b JOIN units u ON u.agency_code = b.agency_code
  WHERE b.${day} <= $2::date AND b.received <> 0
  GROUP BY 1, 2, 3
),
catalogue_grouped AS (
  SELECT ${GROUP_KEYS},
         count(DISTINCT c.procedure_code) AS procedures,
         count(DISTINCT c.procedure_code) FILTER (WHERE p.online_level IN ('full', 'partial')) AS offered_online,
         count(DISTINCT c.procedure_code) FILTER (WHERE p.online_level IN ('full', 'partial') AND c.used) AS used_online
  FROM catalogue c LEFT JOIN procedures p ON p.code = c.procedure_code
  GROUP BY 1, 2, 3, 4
)
SELECT COALESCE(g.unit, k.unit) AS unit, COALESCE(g.agency_code, k.agency_code) AS agency_code,
       COALESCE(g.procedure_code, k.procedure_code) AS procedure_code, COALESCE(g.sector, k.sector) AS sector,
       g.received, g.received_online, g.received_full, g.received_online_full, g.completed, g.completed_on_time,
       g.within_deadline, g.overdue, g.resolved, g.resolution_seconds, g.with_payment, g.paid_online,
       k.procedures, k.offered_online, k.used_online
FROM grouped g FULL JOIN catalogue_grouped k
  ON (k.unit, k.agency_code, k.procedure_code, k.sector) = (g.unit, g.agency_code, g.procedure_code, g.sector)
ORDER BY 1, 2, 3, 4`;

/*
 * A period of whole months reads the month roll-ups: their rows are the sums of the days' (kept so by the
 * aggregator), a day's received counts are never negative, so "a month row with dossiers" is "a day row with
 * dossiers in that month" and every part of the statement gives what the day rows give.
 */
const INDICATOR_COUNTS_FROM_DAYS_SQL = indicatorCountsSql({ buckets: 'daily_buckets', indicatorBuckets: 'indicator_buckets', day: 'day' });
const INDICATOR_COUNTS_FROM_MONTHS_SQL = indicatorCountsSql({ buckets: 'monthly_buckets', indicatorBuckets: 'monthly_indicator_buckets', day: 'month' });

const PERIOD_CHANGES_SQL = `${UNITS_SQL}
SELECT to_char(min(c.first_changed_on), 'YYYY-MM-DD') AS first_changed_on, to_char(max(c.last_changed_on), 'YYYY-MM-DD') AS last_changed_on
FROM bucket_changes c JOIN units u ON u.agency_code = c.agency_code
WHERE c.day BETWEEN $1::date AND $2::date
  -- the counts' other parameters, unused here, still need a type
  AND $3::date IS NOT NULL AND num_nulls($7::boolean, $8::boolean, $9::boolean) >= 0`;

@Injectable()
export class IndicatorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findCounts(selection: IndicatorSelection): Promise<IndicatorCountsRow[]> {
    const statement = coversWholeMonths(selection.firstDay, selection.lastDay) ? INDICATOR_COUNTS_FROM_MONTHS_SQL : INDICATOR_COUNTS_FROM_DAYS_SQL;
    const rows: Array<Record<string, string | null>> = await this.dataSource.query(statement, parameters(selection));
    return rows.map(toCountsRow);
  }

  /** Codes of every agency the caller's roots reach (the roots included). */
  async visibleAgencies(scopeRoots: readonly string[]): Promise<Set<string>> {
    const rows: Array<{ code: string }> = await this.dataSource.query(`SELECT code FROM agency_subtree($1::text[]) AS code`, [scopeRoots]);
    return new Set(rows.map((row) => row.code));
  }

  async findAgency(code: string): Promise<AgencyNode | null> {
    const rows: AgencyNode[] = await this.dataSource.query(
      `SELECT code, name, level, parent_code AS "parentCode" FROM agencies WHERE code = $1`,
      [code],
    );
    return rows[0] ?? null;
  }

  /** The children of `parentCode`, of `level` when given, by code. */
  findChildren(parentCode: string, level: string | null): Promise<AgencyNode[]> {
    return this.dataSource.query(
      `SELECT code, name, level, parent_code AS "parentCode" FROM agencies
       WHERE parent_code = $1 AND ($2::text IS NULL OR level = $2::text) ORDER BY code COLLATE "C"`,
      [parentCode, level],
    );
  }

  async names(agencyCodes: string[], procedureCodes: string[]): Promise<{ agencies: Map<string, string>; procedures: Map<string, string> }> {
    const [agencies, procedures]: Array<Array<{ code: string; name: string }>> = await Promise.all([
      this.dataSource.query(`SELECT code, name FROM agencies WHERE code = ANY($1::text[])`, [agencyCodes]),
      this.dataSource.query(`SELECT code, name FROM procedures WHERE code = ANY($1::text[])`, [procedureCodes]),
    ]);
    return { agencies: new Map(agencies.map((a) => [a.code, a.name])), procedures: new Map(procedures.map((p) => [p.code, p.name])) };
  }

  async findPeriodChanges(selection: IndicatorSelection): Promise<PeriodChanges> {
    const [row]: Array<{ first_changed_on: string | null; last_changed_on: string | null }> = await this.dataSource.query(
      PERIOD_CHANGES_SQL,
      parameters(selection),
    );
    return { firstChangedOn: row?.first_changed_on ?? null, lastChangedOn: row?.last_changed_on ?? null };
  }
}

function parameters(selection: IndicatorSelection): unknown[] {
  return [
    selection.firstDay,
    selection.lastDay,
    selection.asOfDay,
    selection.subtreeRoots,
    selection.agency,
    selection.subtree,
    selection.groupByAgency,
    selection.groupByProcedure,
    selection.groupBySector,
    selection.scopeRoots,
  ];
}

const count = (value: string | null | undefined) => Number(value ?? 0);

function toCountsRow(row: Record<string, string | null>): IndicatorCountsRow {
  return {
    unit: row.unit ?? '',
    agencyCode: row.agency_code ?? '',
    procedureCode: row.procedure_code ?? '',
    sector: row.sector ?? '',
    counts: {
      received: count(row.received),
      receivedOnline: count(row.received_online),
      receivedOfFullOnlineProcedures: count(row.received_full),
      receivedOnlineOfFullOnlineProcedures: count(row.received_online_full),
      completed: count(row.completed),
      completedOnTime: count(row.completed_on_time),
      inProgressWithinDeadline: count(row.within_deadline),
      inProgressOverdue: count(row.overdue),
      resolved: count(row.resolved),
      resolutionSecondsTotal: count(row.resolution_seconds),
      receivedOfFeeProcedures: count(row.with_payment),
      paidOnline: count(row.paid_online),
      procedures: count(row.procedures),
      proceduresOfferedOnline: count(row.offered_online),
      onlineProceduresWithOnlineDossiers: count(row.used_online),
    },
  };
}

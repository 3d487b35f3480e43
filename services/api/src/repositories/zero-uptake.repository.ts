import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PeriodKind } from '@dvc/domain';

export interface ZeroUptakeSelection {
  period: PeriodKind;
  /** Inclusive `YYYY-MM-DD` bounds; `null` for no bound. */
  fromDay: string | null;
  toDay: string | null;
  agency: string | null;
  subtree: boolean;
  minReceived: number;
  after: { periodStart: string; received: number; agencyCode: string; procedureCode: string } | null;
  limit: number;
  /** The caller's agency roots: only these agencies and their descendants. */
  scopeRoots: readonly string[];
}

export interface ZeroUptakeRecord {
  period: string;
  agencyCode: string;
  agencyName: string | null;
  procedureCode: string;
  procedureName: string;
  sector: string;
  onlineLevel: string;
  received: number;
  receivedOnline: number;
  completed: number;
  withdrawn: number;
}

/*
 * The daily buckets summed per period × agency × procedure exactly as /v1/rates sums them (same
 * period starts, same subtree walk), kept where the procedure is offered online (full or partial, as
 * the catalogue says now), at least minReceived dossiers were received and not one of them online.
 * Procedures missing from the catalogue have no known online level and are left out. Sorted by period,
 * then received descending, then agency and procedure in byte order; the cursor is that key.
 */
const ZERO_UPTAKE_SQL = `
WITH RECURSIVE scope (code, path) AS (
  SELECT $4::text, ARRAY[$4::text] WHERE $4::text IS NOT NULL
  UNION ALL
  SELECT child.code, scope.path || child.code
  FROM agencies child JOIN scope ON child.parent_code = scope.code
  WHERE $5::boolean AND child.code <> ALL (scope.path)
),
totals AS (
  SELECT
    CASE $1::text
      WHEN 'day' THEN b.day
      WHEN 'month' THEN date_trunc('month', b.day::timestamp)::date
      WHEN 'quarter' THEN date_trunc('quarter', b.day::timestamp)::date
      ELSE date_trunc('year', b.day::timestamp)::date
    END AS period_start,
    b.agency_code COLLATE "C" AS agency_code,
    b.procedure_code COLLATE "C" AS procedure_code,
    SUM(b.received)::bigint AS received,
    SUM(b.received_online)::bigint AS received_online,
    SUM(b.completed)::bigint AS completed,
    SUM(b.withdrawn)::bigint AS withdrawn
  FROM daily_buckets b
  JOIN procedures p ON p.code = b.procedure_code AND p.online_level IN ('full', 'partial')
  WHERE b.day BETWEEN COALESCE($2::date, '-infinity'::date) AND COALESCE($3::date, 'infinity'::date)
    AND ($4::text IS NULL OR b.agency_code IN (SELECT code FROM scope))
    AND b.agency_code IN (SELECT agency_subtree($12::text[]))
  GROUP BY 1, 2, 3
  HAVING SUM(b.received) >= $6::bigint AND SUM(b.received_online) = 0
)
SELECT
  to_char(t.period_start, CASE $1::text
    WHEN 'day' THEN 'YYYY-MM-DD' WHEN 'month' THEN 'YYYY-MM' WHEN 'quarter' THEN 'YYYY-"Q"Q' ELSE 'YYYY'
  END) AS period,
  t.agency_code AS "agencyCode", ag.name AS "agencyName",
  t.procedure_code AS "procedureCode", p.name AS "procedureName", p.sector, p.online_level AS "onlineLevel",
  t.received, t.received_online AS "receivedOnline", t.completed, t.withdrawn
FROM totals t
JOIN procedures p ON p.code = t.procedure_code
LEFT JOIN agencies ag ON ag.code = t.agency_code
WHERE $7::date IS NULL
   OR t.period_start > $7::date
   OR (t.period_start = $7::date AND (t.received < $8::bigint
       OR (t.received = $8::bigint AND (t.agency_code, t.procedure_code) > ($9::text COLLATE "C", $10::text COLLATE "C"))))
ORDER BY t.period_start, t.received DESC, t.agency_code, t.procedure_code
LIMIT $11::int`;

@Injectable()
export class ZeroUptakeRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(selection: ZeroUptakeSelection): Promise<ZeroUptakeRecord[]> {
    const after = selection.after;
    const rows: Array<Record<string, string | null>> = await this.dataSource.query(ZERO_UPTAKE_SQL, [
      selection.period,
      selection.fromDay,
      selection.toDay,
      selection.agency,
      selection.subtree,
      selection.minReceived,
      after?.periodStart ?? null,
      after?.received ?? null,
      after?.agencyCode ?? null,
      after?.procedureCode ?? null,
      selection.limit,
      selection.scopeRoots,
    ]);
    return rows.map((row) => ({
      period: row.period!,
      agencyCode: row.agencyCode!,
      agencyName: row.agencyName,
      procedureCode: row.procedureCode!,
      procedureName: row.procedureName!,
      sector: row.sector!,
      onlineLevel: row.onlineLevel!,
      // SUMs arrive from pg as strings (bigint); the API publishes numbers.
      received: Number(row.received),
      receivedOnline: Number(row.receivedOnline),
      completed: Number(row.completed),
      withdrawn: Number(row.withdrawn),
    }));
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdoptionSnapshot, CompletedRow, ReceivedRow } from '../metrics/adoption-metrics';

/**
 * Each agency with the root of its hierarchy (its province). Roots are the agencies without a parent,
 * and those whose parent is not (yet) known, so every known agency has a province; the path guards
 * against a cycle in the data (its agencies are then reached from no root and read as `unknown`).
 */
const AGENCY_ROOTS = `
agency_roots (code, root, path) AS (
  SELECT a.code, a.code, ARRAY[a.code]
  FROM agencies a
  WHERE a.parent_code IS NULL OR NOT EXISTS (SELECT 1 FROM agencies p WHERE p.code = a.parent_code)
  UNION ALL
  SELECT child.code, r.root, r.path || child.code
  FROM agencies child JOIN agency_roots r ON child.parent_code = r.code
  WHERE child.code <> ALL (r.path)
)`;

/** Month-to-date counters, summed per agency first (index on agency, day), then per province × level. */
const COUNTS_SQL = `
WITH RECURSIVE ${AGENCY_ROOTS},
per_agency AS (
  SELECT b.agency_code,
    sum(b.received_online) AS online,
    sum(b.received - b.received_online) AS offline,
    sum(b.completed_on_time) AS on_time,
    sum(b.completed - b.completed_on_time) AS late
  FROM daily_buckets b
  WHERE b.day BETWEEN $1::date AND $2::date
  GROUP BY b.agency_code
)
SELECT coalesce(r.root, 'unknown') AS province, coalesce(a.level, 'unknown') AS "agencyLevel",
  sum(pa.online)::float8 AS online, sum(pa.offline)::float8 AS offline,
  sum(pa.on_time)::float8 AS "onTime", sum(pa.late)::float8 AS late
FROM per_agency pa
LEFT JOIN agencies a ON a.code = pa.agency_code
LEFT JOIN agency_roots r ON r.code = pa.agency_code
GROUP BY 1, 2`;

const PROVINCES_SQL = `WITH RECURSIVE ${AGENCY_ROOTS} SELECT DISTINCT root AS province FROM agency_roots`;

/**
 * Open (firing or acknowledged) alerts of one kind on a procedure at an agency, as DISTINCT
 * agency × procedure pairs per province (and severity, when asked): a pair below both an onlineRate and
 * an onTimeRate rule, or over two windows, is one pair.
 */
const openPairsSql = (bySeverity: boolean) => `
WITH RECURSIVE ${AGENCY_ROOTS}
SELECT coalesce(r.root, 'unknown') AS province, ${bySeverity ? 'al.severity' : "'' AS severity"},
  count(DISTINCT (al.agency_code, al.procedure_code))::int AS pairs
FROM alerts al
LEFT JOIN agency_roots r ON r.code = al.agency_code
WHERE al.kind = $1::text AND al.status IN ('firing', 'acknowledged') AND al.procedure_code IS NOT NULL
GROUP BY 1, 2`;

const TARGETS_SQL = `
SELECT metric, severity, threshold::float8 AS threshold
FROM targets
WHERE scope_kind = 'all' AND enabled`;

const SOURCES_SQL = `
SELECT source_uri AS source, extract(epoch FROM last_event_at)::float8 AS "lastEventSeconds"
FROM source_activity`;

@Injectable()
export class AdoptionMetricsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Everything the gauges show, read in one read-only snapshot of the database. */
  snapshot(monthToDate: { from: string; to: string }): Promise<AdoptionSnapshot> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      const counts: Array<ReceivedRow & CompletedRow> = await manager.query(COUNTS_SQL, [monthToDate.from, monthToDate.to]);
      const provinces: Array<{ province: string }> = await manager.query(PROVINCES_SQL);
      const belowTarget: Array<{ province: string; severity: string; pairs: number }> = await manager.query(openPairsSql(true), ['belowTarget']);
      const zeroUptake: Array<{ province: string; pairs: number }> = await manager.query(openPairsSql(false), ['zeroUptake']);
      return {
        provinces: provinces.map((row) => row.province),
        received: counts.map(({ province, agencyLevel, online, offline }) => ({ province, agencyLevel, online, offline })),
        completed: counts.map(({ province, agencyLevel, onTime, late }) => ({ province, agencyLevel, onTime, late })),
        targets: await manager.query(TARGETS_SQL),
        pairsBelowTarget: belowTarget,
        zeroUptakePairs: zeroUptake.map(({ province, pairs }) => ({ province, pairs })),
        sources: await manager.query(SOURCES_SQL),
      };
    });
  }
}

/**
 * The month roll-ups recomputed from the day rows, in SQL: what the aggregator keeps incrementally in
 * `monthly_buckets` and `monthly_indicator_buckets`. The migration that creates the tables fills them with it,
 * and the pipeline tests compare the tables with it (rows that net to something, on both sides).
 */
export const MONTHLY_BUCKETS_FROM_DAYS_SQL = `
SELECT date_trunc('month', day::timestamp)::date AS month, agency_code, procedure_code,
       SUM(received)::int AS received, SUM(received_online)::int AS received_online,
       SUM(completed)::int AS completed, SUM(completed_on_time)::int AS completed_on_time,
       SUM(paid)::int AS paid, SUM(paid_online)::int AS paid_online, SUM(withdrawn)::int AS withdrawn
FROM daily_buckets
GROUP BY 1, 2, 3
HAVING SUM(received) <> 0 OR SUM(received_online) <> 0 OR SUM(completed) <> 0 OR SUM(completed_on_time) <> 0
    OR SUM(paid) <> 0 OR SUM(paid_online) <> 0 OR SUM(withdrawn) <> 0`;

export const MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL = `
SELECT date_trunc('month', day::timestamp)::date AS month, agency_code,
       SUM(received)::int AS received, SUM(received_online)::int AS received_online,
       SUM(completed)::int AS completed, SUM(completed_on_time)::int AS completed_on_time,
       SUM(paid)::int AS paid, SUM(paid_online)::int AS paid_online, SUM(withdrawn)::int AS withdrawn
FROM daily_buckets
GROUP BY 1, 2
HAVING SUM(received) <> 0 OR SUM(received_online) <> 0 OR SUM(completed) <> 0 OR SUM(completed_on_time) <> 0
    OR SUM(paid) <> 0 OR SUM(paid_online) <> 0 OR SUM(withdrawn) <> 0`;

export const MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL = `
SELECT date_trunc('month', day::timestamp)::date AS month, agency_code, procedure_code,
       SUM(received_with_payment)::int AS received_with_payment, SUM(received_paid_online)::int AS received_paid_online,
       SUM(resolved)::int AS resolved, SUM(resolution_seconds)::bigint AS resolution_seconds
FROM indicator_buckets
GROUP BY 1, 2, 3
HAVING SUM(received_with_payment) <> 0 OR SUM(received_paid_online) <> 0 OR SUM(resolved) <> 0 OR SUM(resolution_seconds) <> 0`;

/**
 * Rebuilds the month roll-ups from the day rows. For rows written straight into the day tables instead
 * of through the aggregator (test fixtures, the bench's seeded province): afterwards reads over whole
 * months see them, as they would have seen the aggregator's. Every agency with day or month rows is also named to
 * the alert sweep (`alert_sweep_pending`), as the aggregator names those whose buckets it changed.
 */
export async function fillRollUpsFromDays(db: { query(sql: string): Promise<unknown> }): Promise<void> {
  // Before the old roll-ups go: an agency whose day rows were deleted has changed too.
  await db.query(`INSERT INTO alert_sweep_pending (agency_code) SELECT agency_code FROM daily_buckets UNION SELECT agency_code FROM monthly_buckets`);
  await db.query(`DELETE FROM monthly_buckets`);
  await db.query(`INSERT INTO monthly_buckets (month, agency_code, procedure_code, received, received_online, completed, completed_on_time, paid, paid_online, withdrawn)
    ${MONTHLY_BUCKETS_FROM_DAYS_SQL}`);
  await db.query(`DELETE FROM monthly_agency_buckets`);
  await db.query(`INSERT INTO monthly_agency_buckets (month, agency_code, received, received_online, completed, completed_on_time, paid, paid_online, withdrawn)
    ${MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL}`);
  await db.query(`DELETE FROM monthly_indicator_buckets`);
  await db.query(`INSERT INTO monthly_indicator_buckets (month, agency_code, procedure_code, received_with_payment, received_paid_online, resolved, resolution_seconds)
    ${MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL}`);
}

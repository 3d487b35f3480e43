import { MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL, MONTHLY_BUCKETS_FROM_DAYS_SQL, MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL } from '@dvc/persistence';

/**
 * Fixtures that write day rows directly (instead of through the aggregator) call this afterwards: it gives the
 * month roll-ups what the aggregator would have added with those rows, so that reads over whole months see them.
 */
export async function fillRollUpsFromDays(db: { query(sql: string): Promise<unknown> }): Promise<void> {
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

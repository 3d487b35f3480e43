import { Client } from 'pg';
import { vietnamToday } from '@dvc/domain';
import { PROVINCE } from './rates-fixtures';
import { fillRollUpsFromDays } from '@dvc/persistence';

/** Seed 004's Sở Thông tin và Truyền thông Khánh Hòa, 2019, placed in the admin-tu-phap user's scope. */
export const KHANH_HOA = '000.00.03.H31';
export const PEER = '000.00.04.H31';
export const FULL = '2.001001';
export const PARTIAL = '2.001002';
export const OFFLINE = '2.001003';

/**
 * Indicator ledger rows as the aggregator writes them (daily_buckets, indicator_buckets, dossier_spans): seed 004's
 * Khánh Hòa figures for 2019, a peer, and the running month. Shared by the indicators API test and the console test.
 */
export async function insertIndicatorFixtures(db: Client): Promise<void> {
  const agency = (code: string, name: string) =>
    db.query(`INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES ($1, $2, 'department', $3, '2019-01-01T00:00:00Z', 'fixture')`, [code, name, PROVINCE]);
  await agency(KHANH_HOA, 'Sở Thông tin và Truyền thông');
  await agency(PEER, 'Sở Khoa học và Công nghệ');
  for (const [code, name, level] of [[FULL, 'Cấp giấy phép bưu chính', 'full'], [PARTIAL, 'Sửa đổi giấy phép bưu chính', 'partial'], [OFFLINE, 'Thủ tục trực tiếp', 'none']]) {
    await db.query(`INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id) VALUES ($1, $2, 'Bưu chính', $3, '2019-01-01T00:00:00Z', 'fixture')`, [code, name, level]);
  }
  const bucket = (day: string, agencyCode: string, procedure: string, counts: { received?: number; online?: number; completed?: number; onTime?: number }) =>
    db.query(
      `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, completed_on_time) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [day, agencyCode, procedure, counts.received ?? 0, counts.online ?? 0, counts.completed ?? 0, counts.onTime ?? 0],
    );
  // Khánh Hòa 2019: 183 received (100 of the full-online procedure, 51 of them online), 179 completed on time.
  await bucket('2019-03-04', KHANH_HOA, FULL, { received: 100, online: 51, completed: 97, onTime: 97 });
  await bucket('2019-06-03', KHANH_HOA, PARTIAL, { received: 50, completed: 50, onTime: 50 });
  await bucket('2019-12-20', KHANH_HOA, OFFLINE, { received: 33, completed: 32, onTime: 32 });
  await db.query(
    `INSERT INTO indicator_buckets (day, agency_code, procedure_code, received_with_payment, received_paid_online, resolved, resolution_seconds)
     VALUES ('2019-03-04', $1, $2, 20, 5, 97, 97 * 3 * 86400), ('2019-06-03', $1, $3, 0, 0, 50, 50 * 3 * 86400), ('2019-12-20', $1, $4, 0, 0, 32, 32 * 3 * 86400)`,
    [KHANH_HOA, FULL, PARTIAL, OFFLINE],
  );
  // The 4 not completed in 2019: received 20 December, due 10 January, completed 5 January 2020. The closed ones too.
  await db.query(
    `INSERT INTO dossier_spans (agency_code, procedure_code, received_day, due_day, closed_day, dossiers) VALUES
       ($1, $2, '2019-12-20', '2020-01-10', '2020-01-05', 4),
       ($1, $2, '2019-03-04', '2019-03-12', '2019-03-08', 97),
       ($1, $2, '2019-12-20', '2019-12-27', '2019-12-24', 0)`,
    [KHANH_HOA, FULL],
  );
  // The peer, December 2019: 10 received, 6 online, 7 completed (5 on time), 3 in progress past due at year end.
  await bucket('2019-12-02', PEER, FULL, { received: 10, online: 6, completed: 7, onTime: 5 });
  await db.query(
    `INSERT INTO dossier_spans (agency_code, procedure_code, received_day, due_day, closed_day, dossiers) VALUES ($1, $2, '2019-12-02', '2019-12-16', '9999-12-31', 3)`,
    [PEER, FULL],
  );
  // The running month: 40 received, 8 online, for the look ahead.
  await bucket(vietnamToday(), KHANH_HOA, FULL, { received: 40, online: 8 });
  await fillRollUpsFromDays(db);
}

import { Client } from 'pg';
import { fillRollUpsFromDays } from '@dvc/persistence';

export const PROVINCE = '000.00.00.H31';
export const JUSTICE_DEPARTMENT = '000.00.01.H31';
export const CONSTRUCTION_DEPARTMENT = '000.00.02.H31';
export const DISTRICT = '000.00.17.H31';
export const COMMUNE_1 = '000.17.01.H31';
export const COMMUNE_2 = '000.17.02.H31';
/** Two agencies naming each other as parent: bad data a subtree query must survive. */
export const LOOP_A = 'LOOP.A';
export const LOOP_B = 'LOOP.B';

export const BIRTH = '1.001612';
export const MARRIAGE = '1.001193';
export const BUILDING_PERMIT = '1.009994';
/** Has buckets but no catalogue row, so no sector. */
export const UNCATALOGUED = '9.999999';

export interface AgencyFixture {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
}

export const AGENCIES: AgencyFixture[] = [
  { code: PROVINCE, name: 'UBND tỉnh Hưng Yên', level: 'province', parentCode: null },
  { code: JUSTICE_DEPARTMENT, name: 'Sở Tư pháp', level: 'department', parentCode: PROVINCE },
  { code: CONSTRUCTION_DEPARTMENT, name: 'Sở Xây dựng', level: 'department', parentCode: PROVINCE },
  { code: DISTRICT, name: 'UBND huyện Văn Lâm', level: 'district', parentCode: PROVINCE },
  { code: COMMUNE_1, name: 'UBND xã Lạc Đạo', level: 'commune', parentCode: DISTRICT },
  { code: COMMUNE_2, name: 'UBND xã Chỉ Đạo', level: 'commune', parentCode: DISTRICT },
  { code: LOOP_A, name: 'Vòng A', level: 'other', parentCode: LOOP_B },
  { code: LOOP_B, name: 'Vòng B', level: 'other', parentCode: LOOP_A },
];

export const PROCEDURES = [
  { code: BIRTH, name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' },
  { code: MARRIAGE, name: 'Đăng ký kết hôn', sector: 'Hộ tịch', onlineLevel: 'partial' },
  { code: BUILDING_PERMIT, name: 'Cấp giấy phép xây dựng', sector: 'Xây dựng', onlineLevel: 'none' },
];

export interface BucketFixture {
  day: string;
  agency: string;
  procedure: string;
  received: number;
  receivedOnline: number;
  completed: number;
  completedOnTime: number;
  paid: number;
  paidOnline: number;
  withdrawn: number;
}

type Counters = [number, number, number, number, number, number, number];

function bucket(day: string, agency: string, procedure: string, counters: Counters): BucketFixture {
  const [received, receivedOnline, completed, completedOnTime, paid, paidOnline, withdrawn] = counters;
  return { day, agency, procedure, received, receivedOnline, completed, completedOnTime, paid, paidOnline, withdrawn };
}

/** Days around the 2024/2025 year, Q1/Q2 and Q2/Q3 boundaries (Vietnam days, as the aggregator stores them). */
export const BUCKETS: BucketFixture[] = [
  bucket('2024-12-31', DISTRICT, BIRTH, [10, 4, 8, 7, 3, 2, 0]),
  bucket('2025-01-01', DISTRICT, BIRTH, [6, 3, 5, 5, 0, 0, 1]),
  bucket('2025-01-01', COMMUNE_1, BIRTH, [4, 1, 2, 1, 1, 1, 0]),
  bucket('2025-02-28', JUSTICE_DEPARTMENT, MARRIAGE, [7, 7, 3, 3, 7, 6, 0]),
  // The contract's example: 14 of 120 online in March.
  bucket('2025-03-15', DISTRICT, BIRTH, [120, 14, 98, 91, 0, 0, 0]),
  bucket('2025-03-20', PROVINCE, UNCATALOGUED, [2, 2, 1, 0, 0, 0, 0]),
  bucket('2025-03-20', LOOP_A, BIRTH, [1, 1, 0, 0, 0, 0, 0]),
  bucket('2025-03-21', LOOP_B, MARRIAGE, [2, 0, 0, 0, 0, 0, 0]),
  bucket('2025-03-31', COMMUNE_2, BUILDING_PERMIT, [5, 0, 0, 0, 0, 0, 0]),
  bucket('2025-04-01', COMMUNE_2, BUILDING_PERMIT, [3, 2, 4, 2, 2, 2, 0]),
  // Only withdrawals: every rate has a zero denominator.
  bucket('2025-04-01', CONSTRUCTION_DEPARTMENT, BUILDING_PERMIT, [0, 0, 0, 0, 0, 0, 2]),
  // No activity at all (a correction moved its dossiers away): no item.
  bucket('2025-05-10', JUSTICE_DEPARTMENT, BIRTH, [0, 0, 0, 0, 0, 0, 0]),
  bucket('2025-06-30', JUSTICE_DEPARTMENT, MARRIAGE, [0, 0, 2, 1, 0, 0, 0]),
  bucket('2025-07-01', JUSTICE_DEPARTMENT, MARRIAGE, [9, 9, 0, 0, 0, 0, 0]),
];

export async function insertFixtures(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const agency of AGENCIES) {
      await client.query(
        `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES ($1, $2, $3, $4, '2025-01-01T00:00:00Z', 'fixture')`,
        [agency.code, agency.name, agency.level, agency.parentCode],
      );
    }
    for (const procedure of PROCEDURES) {
      await client.query(
        `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id) VALUES ($1, $2, $3, $4, '2025-01-01T00:00:00Z', 'fixture')`,
        [procedure.code, procedure.name, procedure.sector, procedure.onlineLevel],
      );
    }
    for (const b of BUCKETS) {
      await client.query(
        `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, completed_on_time, paid, paid_online, withdrawn)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [b.day, b.agency, b.procedure, b.received, b.receivedOnline, b.completed, b.completedOnTime, b.paid, b.paidOnline, b.withdrawn],
      );
    }
    await fillRollUpsFromDays(client);
  } finally {
    await client.end();
  }
}

import type { INestApplication } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { Client } from 'pg';
import { periodContaining, projectOnlineRate, vietnamToday, workingDaysBetween } from '@dvc/domain';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { PROVINCE } from './support/rates-fixtures';
import { signedIn, signIn } from './support/signed-in';
import { passwordToken } from '../support/keycloak';
import request from 'supertest';

const DATABASE = 'dvc_monitor_indicators_test';
const DATABASE_URL = `${process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432'}/${DATABASE}`;

/** Seed 004's Sở Thông tin và Truyền thông Khánh Hòa, 2019, placed in the admin-tu-phap user's scope. */
const KHANH_HOA = '000.00.03.H31';
const PEER = '000.00.04.H31';
const FULL = '2.001001';
const PARTIAL = '2.001002';
const OFFLINE = '2.001003';

/**
 * The indicators, ranking, look-ahead and report endpoints on real PostgreSQL, over ledger rows written as the
 * aggregator writes them (the aggregator's upkeep of those rows is checked by test/pipeline/crash-recovery).
 */
describe('indicators, rankings, forecasts and reports (real PostgreSQL)', () => {
  let app: INestApplication;
  let token: string;
  let db: Client;

  beforeAll(async () => {
    app = await startApiOnFreshDatabase(DATABASE);
    token = (await signIn('operator')).token;
    db = new Client({ connectionString: DATABASE_URL });
    await db.connect();
    await insertIndicatorFixtures(db);
  });

  afterAll(async () => {
    await db?.end();
    await stopApi(app, DATABASE);
  });

  const get = (path: string, query: Record<string, string>, as = token) => signedIn(app, as).get(path).query(query);

  it("gives seed 004's Khánh Hòa figures for 2019: 3.3 = 0.2787 (51/183), 2.1 = 1 with the 4 still in progress on time", async () => {
    const response = await get('/v1/indicators', { period: '2019', agency: KHANH_HOA });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ period: '2019', periodKind: 'year', status: 'final', revisedAfterFinal: false, asOfDay: '2019-12-31' });
    const [item] = response.body.items;
    expect(item.agencyName).toBe('Sở Thông tin và Truyền thông');
    expect(item.indicators.onlineSubmission).toMatchObject({ formulaVersion: '3.3-v1', value: 0.2787, numerator: 51, denominator: 183, ci95: [0.2188, 0.3477] });
    expect(item.counts).toMatchObject({ completed: 179, completedOnTime: 179, inProgressWithinDeadline: 4, inProgressOverdue: 0 });
    expect(item.indicators.onTimeResolution).toMatchObject({ code: '2.1', value: 1, numerator: 183, denominator: 183 });
    // 2.2: 179 dossiers of 3 days each; 3.6: 20 paid of which 5 online; 3.1: 2 of 3 procedures online, 1 of them used.
    expect(item.indicators.averageResolutionDays).toMatchObject({ value: 3, denominator: 179 });
    expect(item.indicators.onlinePayment).toMatchObject({ value: 0.25, numerator: 5, denominator: 20 });
    expect(item.indicators.proceduresOnline).toMatchObject({ value: 0.6667, numerator: 2, denominator: 3 });
    expect(item.indicators.onlineServicesUsed).toMatchObject({ value: 0.5, numerator: 1, denominator: 2 });
    expect(item.indicators.fullOnline).toMatchObject({ value: 0.51, numerator: 51, denominator: 100 });
  });

  it('counts dossiers in progress at the end of each period, overdue once their due day has come', async () => {
    // At the end of 31 December the 4 open dossiers (due 10 January) are within their deadline; the peer's 3 are overdue.
    const peer = (await get('/v1/indicators', { period: '2019-12', agency: PEER })).body.items[0];
    expect(peer.counts).toMatchObject({ inProgressWithinDeadline: 0, inProgressOverdue: 3, completed: 7, completedOnTime: 5 });
    expect(peer.indicators.onTimeResolution).toMatchObject({ value: 0.5, numerator: 5, denominator: 10 });
    // At the end of January 2020 the Khánh Hòa four are closed (5 January): nothing in progress.
    const january = (await get('/v1/indicators', { period: '2020-01', agency: KHANH_HOA })).body.items[0];
    expect(january.counts).toMatchObject({ inProgressWithinDeadline: 0, inProgressOverdue: 0 });
  });

  it('groups by agency, procedure and sector, and gives null, never 0, without a denominator', async () => {
    const byAgency = (await get('/v1/indicators', { period: '2019', groupBy: 'agency' })).body.items;
    expect(byAgency.map((item: { agencyCode: string }) => item.agencyCode)).toEqual([KHANH_HOA, PEER]);
    const byProcedure = (await get('/v1/indicators', { period: '2019', agency: KHANH_HOA, groupBy: 'procedure' })).body.items;
    const offline = byProcedure.find((item: { procedureCode: string }) => item.procedureCode === OFFLINE);
    expect(offline.indicators.fullOnline.value).toBeNull();
    expect(offline.procedureName).toBe('Thủ tục trực tiếp');
    const bySector = (await get('/v1/indicators', { period: '2019', groupBy: 'sector' })).body.items;
    expect(bySector.map((item: { sector: string }) => item.sector)).toEqual(['Bưu chính']);
  });

  it('marks a running period provisional, a closed one final, and flags a final period changed afterwards', async () => {
    const today = vietnamToday();
    const running = (await get('/v1/indicators', { period: today.slice(0, 7) })).body;
    expect(running).toMatchObject({ status: 'provisional', asOfDay: today, revisedAfterFinal: false });
    // History loaded after the period closed is not a revision; a change after figures existed at closing is.
    expect((await get('/v1/indicators', { period: '2019', agency: PEER })).body.revisedAfterFinal).toBe(false);
    await db.query(`INSERT INTO bucket_changes (day, agency_code, first_changed_on, last_changed_on) VALUES ('2019-06-03', $1, '2019-06-03', '2021-02-01')`, [KHANH_HOA]);
    expect((await get('/v1/indicators', { period: '2019', agency: KHANH_HOA })).body).toMatchObject({ status: 'final', revisedAfterFinal: true, finalFrom: '2020-01-11' });
  });

  it('ranks departments under the province with the median, the 75th percentile, rank change and the gap in dossiers', async () => {
    const response = await get('/v1/rankings', { period: '2019', parent: PROVINCE });
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({ indicator: 'onlineSubmission', code: '3.3', previousPeriod: '2018', ranked: 2 });
    const [first, second] = body.peers;
    // Peer: 6/10 = 0.6 beats 51/183; Khánh Hòa needs 59 more online dossiers to pass 0.6 (110/183 > 0.6).
    expect(first).toMatchObject({ agencyCode: PEER, rank: 1, rate: 0.6, visible: true });
    expect(second).toMatchObject({ agencyCode: KHANH_HOA, rank: 2, rate: 0.2787, gapToNextRank: 59, rankChange: null });
    expect(body.median).toBeCloseTo((0.6 + 51 / 183) / 2, 4);
    // Agencies without 2019 dossiers are listed, unranked, last.
    expect(body.peers.slice(2).every((peer: { rank: number | null }) => peer.rank === null)).toBe(true);
  });

  it("shows an agency administrator its own rank, and its peers only by rank and rate", async () => {
    const admin = (await signIn('adminTuPhap')).token;
    const body = (await get('/v1/rankings', { period: '2019', agency: KHANH_HOA }, admin)).body;
    const own = body.peers.find((peer: { agencyCode: string | null }) => peer.agencyCode === KHANH_HOA);
    expect(own).toMatchObject({ rank: 2, numerator: 51, denominator: 183, visible: true });
    const others = body.peers.filter((peer: { agencyCode: string | null }) => peer.agencyCode !== KHANH_HOA);
    expect(others.length).toBeGreaterThan(0);
    for (const peer of others) expect(peer).toMatchObject({ agencyCode: null, agencyName: null, numerator: null, denominator: null, visible: false });
    expect(others[0]).toMatchObject({ rank: 1, rate: 0.6 });
    // The parent (the province) is outside its scope: 404 as for an unknown agency.
    expect((await get('/v1/rankings', { period: '2019', parent: PROVINCE }, admin)).status).toBe(404);
  });

  it('looks ahead for the running month, quarter and year against the effective target', async () => {
    const today = vietnamToday();
    const response = await get('/v1/forecasts', { agency: KHANH_HOA });
    expect(response.status).toBe(200);
    expect(response.body.target).toMatchObject({ threshold: 0.5, severity: 'warning' });
    const month = response.body.horizons.find((horizon: { periodKind: string }) => horizon.periodKind === 'month');
    const period = periodContaining(today, 'month');
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const expected = projectOnlineRate({
      received: 40,
      receivedOnline: 8,
      workingDaysElapsed: workingDaysBetween(period.firstDay, today),
      workingDaysRemaining: workingDaysBetween(tomorrow, period.lastDay),
      target: 0.5,
    });
    expect(month).toMatchObject({ received: 40, receivedOnline: 8, ...expected });
    expect(response.body.horizons.map((horizon: { periodKind: string }) => horizon.periodKind)).toEqual(['month', 'quarter', 'year']);
  });

  it('downloads the CSV and the XLSX report with Vietnamese headings and the API figures', async () => {
    const query = { period: '2019', agency: PROVINCE, subtree: 'true' };
    const api = (await get('/v1/indicators', { ...query, groupBy: 'agency' })).body.items;
    const csv = await get('/v1/reports/indicators.csv', query);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="bao-cao-chi-so-2019-000.00.00.H31.csv"');
    const bytes = Buffer.from(csv.text, 'utf8');
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    const rows: string[][] = parse(bytes, { bom: true });
    expect(rows[0].slice(0, 5)).toEqual(['Kỳ báo cáo (period)', 'Trạng thái số liệu (status)', 'Mã cơ quan (agency code)', 'Tên cơ quan (agency)', '3.3 Tỷ lệ hồ sơ trực tuyến']);
    const khanhHoa = rows.find((row) => row[2] === KHANH_HOA)!;
    const fromApi = api.find((item: { agencyCode: string }) => item.agencyCode === KHANH_HOA);
    expect(khanhHoa.slice(4, 7).map(Number)).toEqual([fromApi.indicators.onlineSubmission.value, 51, 183]);
    expect(khanhHoa[1]).toBe('Chính thức (final) — đã điều chỉnh sau khi chốt (revised after final)');
    expect(rows.at(-1)![3]).toBe('Tổng cộng (total): UBND tỉnh Hưng Yên');
    expect(rows.at(-1)!.slice(5, 7).map(Number)).toEqual([51 + 6, 183 + 10]);

    const xlsx = await get('/v1/reports/indicators.xlsx', query).buffer(true).parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(xlsx.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.body as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet('Chỉ số')!;
    expect(String(sheet.getCell('A1').value)).toBe('Báo cáo chỉ số dịch vụ công trực tuyến — kỳ 2019 — UBND tỉnh Hưng Yên');
    const values: unknown[][] = [];
    sheet.eachRow((row) => values.push((row.values as unknown[]).slice(1)));
    const sheetRow = values.find((row) => row[2] === KHANH_HOA)!;
    expect(sheetRow.slice(4, 7)).toEqual([0.2787, 51, 183]);
    expect(sheet.getColumn(5).numFmt).toBe('0.00%');
  });

  it('refuses what it cannot answer precisely, and keeps to the scope', async () => {
    expect((await get('/v1/indicators', {})).body.message).toBe('period: is required: a period label, e.g. 2025-03 (a month), 2025-Q1, 2025 or 2025-03-01');
    expect((await get('/v1/indicators', { period: '2019-13' })).status).toBe(400);
    expect((await get('/v1/indicators', { period: '2019', groupBy: 'agency,sector' })).status).toBe(400);
    expect((await get('/v1/reports/indicators.csv', { period: '2019', groupBy: 'procedure' })).body.message).toMatch(/^groupBy: unknown parameter/);
    expect((await get('/v1/rankings', { period: '2019' })).status).toBe(400);
    expect((await get('/v1/rankings', { period: '2019', agency: KHANH_HOA, indicator: 'averageResolutionDays' })).status).toBe(400);
    const viewer = await passwordToken('viewer-pho-hien');
    const outside = await request(app.getHttpServer()).get('/v1/indicators').query({ period: '2019', agency: KHANH_HOA }).set('Authorization', `Bearer ${viewer}`);
    expect(outside.status).toBe(200);
    expect(outside.body.items).toEqual([]);
    const forecast = await request(app.getHttpServer()).get('/v1/forecasts').query({ agency: KHANH_HOA }).set('Authorization', `Bearer ${viewer}`);
    expect(forecast.status).toBe(404);
  });
});

async function insertIndicatorFixtures(db: Client): Promise<void> {
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
}

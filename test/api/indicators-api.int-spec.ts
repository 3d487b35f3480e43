import type { INestApplication } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { Client } from 'pg';
import { isWorkingDay, periodContaining, projectOnlineRate, VIETNAM_OFFICE_HOURS, vietnamToday, workingDaysBetween } from '@dvc/domain';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { FULL, insertIndicatorFixtures, KHANH_HOA, OFFLINE, PARTIAL, PEER } from './support/indicator-fixtures';
import { PROVINCE } from './support/rates-fixtures';
import { fillRollUpsFromDays } from '@dvc/persistence';
import { signedIn, signIn } from './support/signed-in';
import { passwordToken } from '../support/keycloak';
import request from 'supertest';

const DATABASE = 'dvc_monitor_indicators_test';
const DATABASE_URL = `${process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432'}/${DATABASE}`;

// The look ahead counts working days in the configured calendar: today is made a public holiday (or, on a weekend, a
// Saturday worked in exchange), so every horizon's elapsed working days differ from plain Monday to Friday.
const TODAY_AT_START = vietnamToday();
const CALENDAR = isWorkingDay(TODAY_AT_START)
  ? { ...VIETNAM_OFFICE_HOURS, holidays: [TODAY_AT_START], extraWorkingDays: [] }
  : { ...VIETNAM_OFFICE_HOURS, holidays: [], extraWorkingDays: [TODAY_AT_START] };


/**
 * The indicators, ranking, look-ahead and report endpoints on real PostgreSQL, over ledger rows written as the
 * aggregator writes them (the aggregator's upkeep of those rows is checked by test/pipeline/crash-recovery).
 */
describe('indicators, rankings, forecasts and reports (real PostgreSQL)', () => {
  let app: INestApplication;
  let token: string;
  let db: Client;

  beforeAll(async () => {
    process.env.INDICATOR_HOLIDAYS = CALENDAR.holidays.join(',');
    process.env.INDICATOR_EXTRA_WORKING_DAYS = CALENDAR.extraWorkingDays.join(',');
    app = await startApiOnFreshDatabase(DATABASE);
    token = (await signIn('operator')).token;
    db = new Client({ connectionString: DATABASE_URL });
    await db.connect();
    await insertIndicatorFixtures(db);
  });

  afterAll(async () => {
    delete process.env.INDICATOR_HOLIDAYS;
    delete process.env.INDICATOR_EXTRA_WORKING_DAYS;
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
    // Decision 766 points: 20 × 1 for 2.1 and 6 × 0.25 for part A of online payment, of the 26 events can give.
    expect(item.score).toMatchObject({ formulaVersion: 'qd766-score-v1', maxPoints: 100, computableMaxPoints: 26, points: 21.5, earnedOf: 26 });
    const parts = item.score.groups.flatMap((group: { parts: Array<{ part: string; points: number | null }> }) => group.parts);
    expect(Object.fromEntries(parts.map((part: { part: string; points: number | null }) => [part.part, part.points]))).toMatchObject({
      onTimeResolution: 20,
      onlinePaymentDossiers: 1.5,
      onlineServices: null,
      transparency: null,
    });
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

  it('ranks and looks ahead for the root of a scope that no event has named, only for whoever it is the root of', async () => {
    // admin-pho-hien's scope is 119.53.00.H31 (a district's people's committee), known here only as its communes' parent.
    const DISTRICT_ROOT = '119.53.00.H31';
    for (const [code, name, received, online] of [['119.53.01.H31', 'UBND xã Một', 20, 10], ['119.53.02.H31', 'UBND xã Hai', 20, 4]] as const) {
      await db.query(`INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES ($1, $2, 'commune', $3, '2020-03-01T00:00:00Z', 'fixture')`, [code, name, DISTRICT_ROOT]);
      await db.query(`INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, completed_on_time) VALUES ('2020-03-02', $1, $2, $3, $4, 0, 0)`, [code, FULL, received, online]);
    }
    await fillRollUpsFromDays(db);
    const phoHien = await passwordToken('admin-pho-hien');
    const ranking = await get('/v1/rankings', { period: '2020-03', parent: DISTRICT_ROOT }, phoHien);
    expect(ranking.status).toBe(200);
    expect(ranking.body.peers.map((peer: { agencyCode: string; rank: number }) => [peer.agencyCode, peer.rank])).toEqual([['119.53.01.H31', 1], ['119.53.02.H31', 2]]);
    const forecast = await get('/v1/forecasts', { agency: DISTRICT_ROOT, subtree: 'true' }, phoHien);
    expect(forecast.status).toBe(200);
    expect(forecast.body.target).toBeNull(); // its level is unknown, so no rule can be resolved for it
    // Not for the agency alone (it has no dossiers of its own to speak of), and not for anyone else.
    expect((await get('/v1/forecasts', { agency: DISTRICT_ROOT }, phoHien)).status).toBe(404);
    expect((await get('/v1/rankings', { period: '2020-03', parent: DISTRICT_ROOT }, (await signIn('adminTuPhap')).token)).status).toBe(404);
    expect((await get('/v1/rankings', { period: '2020-03', parent: DISTRICT_ROOT })).status).toBe(404);
  });

  it('looks ahead for the running month, quarter and year against the effective target, in working days of the configured calendar', async () => {
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
      workingDaysElapsed: workingDaysBetween(period.firstDay, today, CALENDAR),
      workingDaysRemaining: workingDaysBetween(tomorrow, period.lastDay, CALENDAR),
      target: 0.5,
    });
    expect(month).toMatchObject({ received: 40, receivedOnline: 8, ...expected });
    // The configured day off (or worked weekend day) counts in every horizon: one working day fewer (or more) than
    // plain Monday to Friday. (Were the year to turn between setup and here, only the calendar check would remain.)
    const shift = CALENDAR.holidays.length > 0 ? -1 : 1;
    const year = response.body.horizons.find((horizon: { periodKind: string }) => horizon.periodKind === 'year');
    for (const horizon of response.body.horizons as Array<{ firstDay: string; workingDaysElapsed: number }>) {
      expect(horizon.workingDaysElapsed).toBe(workingDaysBetween(horizon.firstDay, today, CALENDAR));
    }
    if (TODAY_AT_START >= year.firstDay) expect(year.workingDaysElapsed).toBe(workingDaysBetween(year.firstDay, today) + shift);
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
    expect(rows[0].slice(-3)).toEqual(['Điểm Bộ chỉ số 766 tính được (computed points)', 'Trên tối đa (out of)', 'Phiên bản công thức (formula versions)']);
    expect(khanhHoa.slice(-3, -1).map(Number)).toEqual([fromApi.score.points, fromApi.score.earnedOf]);
    expect(khanhHoa.at(-1)).toMatch(/ qd766-score-v1$/);

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

import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { monthEndLookAhead } from '@dvc/domain';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startApiOnFreshDatabase, stopApi } from '../api/support/api-test-app';
import { insertIndicatorFixtures, KHANH_HOA, PEER } from '../api/support/indicator-fixtures';
import { PROVINCE } from '../api/support/rates-fixtures';
import { signedIn, signIn } from '../api/support/signed-in';
import { REPO_ROOT } from '../support/infrastructure';
import { ISSUER } from '../support/keycloak';
import { ServiceProcess, stopAllServices } from '../support/service-process';

const DATABASE = 'dvc_monitor_console_test';
const DATABASE_URL = `${process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432'}/${DATABASE}`;
/** The console's port here: its redirect URI http://127.0.0.1:13005/* is registered for dvc-console in the realm. */
const CONSOLE_PORT = 13005;
const CONSOLE = `http://127.0.0.1:${CONSOLE_PORT}`;
const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
/** A zeroUptake alert on Khánh Hòa, firing: the one the agency administrator acknowledges. */
const ALERT_ID = '6a0c1f36-2f6b-4a55-9a51-0d0c5a0f0001';
/** A belowTarget month-to-date alert on Khánh Hòa with its look ahead, as the alerting sweep writes it. */
const BELOW_TARGET_ID = '6a0c1f36-2f6b-4a55-9a51-0d0c5a0f0002';

/**
 * The administrators' console in Debian's Chromium (playwright-core, no browser download), against the real
 * stack: Keycloak's login form, the console as a process from dist/, the API over HTTP on a fresh PostgreSQL
 * database with seed 004's Khánh Hòa figures, sessions in the real Redis. Screenshots land in docs/screenshots.
 */
describe('the administrators’ console in a real browser', () => {
  let api: INestApplication;
  let db: Client;
  let browser: Browser;
  let apiUrl: string;

  beforeAll(async () => {
    api = await startApiOnFreshDatabase(DATABASE);
    await api.listen(0, '127.0.0.1');
    apiUrl = `http://127.0.0.1:${(api.getHttpServer().address() as AddressInfo).port}`;
    db = new Client({ connectionString: DATABASE_URL });
    await db.connect();
    await insertIndicatorFixtures(db);
    await insertAlert(db);
    await new ServiceProcess(
      'console',
      {
        CONSOLE_API_URL: apiUrl,
        CONSOLE_PUBLIC_URL: CONSOLE,
        OIDC_ISSUER_URL: process.env.OIDC_ISSUER_URL ?? ISSUER,
        CONSOLE_SESSION_SECRET: 'console-test-session-secret-of-at-least-32-characters',
      },
      CONSOLE_PORT,
    ).start();
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stopAllServices();
    await db?.end();
    await stopApi(api, DATABASE);
  });

  /** A fresh browser profile signed in through Keycloak's own login form, as a person does it. */
  async function signInAs(username: string, viewport = LAPTOP): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, locale: 'vi-VN', acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${CONSOLE}/`);
    expect(page.url().startsWith(`${ISSUER}/protocol/openid-connect/auth`)).toBe(true);
    await page.fill('#username', username);
    await page.fill('#password', 'demo');
    await Promise.all([page.waitForURL(`${CONSOLE}/**`), page.click('#kc-login')]);
    return { context, page };
  }

  const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

  it("signs the province operator in with code + PKCE and shows the province in Vietnamese, with seed 004's Khánh Hòa figures", async () => {
    const { context, page } = await signInAs('operator');
    try {
      expect(await page.locator('h1').innerText()).toContain('Tổng quan');
      expect(await page.locator('html').getAttribute('lang')).toBe('vi');
      expect(await text(page, 'header .who')).toContain('Nguyễn Văn An');
      // The session cookie: HttpOnly, SameSite=Lax, and it holds no token (they stay in Redis).
      const cookie = (await context.cookies()).find((candidate) => candidate.name === 'dvc_console')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(cookie.value).not.toMatch(/eyJ/);

      await page.goto(`${CONSOLE}/agencies/${KHANH_HOA}?period=2019`);
      expect(await page.locator('h1').innerText()).toBe('Sở Thông tin và Truyền thông');
      expect(await text(page, 'p.meta')).toContain('Chính thức');
      const row = (name: string) => page.locator(`table.indicators tr[data-indicator="${name}"]`);
      expect(await row('onlineSubmission').locator('.value').innerText()).toBe('27,9%');
      expect(await row('onlineSubmission').locator('.fraction').innerText()).toBe('51 / 183');
      expect(await row('onTimeResolution').locator('.value').innerText()).toBe('100,0%');
      expect(await row('onTimeResolution').locator('.fraction').innerText()).toBe('183 / 183');
      expect(await row('averageResolutionDays').locator('.value').innerText()).toBe('3,0 ngày');
      // Decision 766 points: 20 of 20 for 2.1, 6 × 25% = 1,5 of 6 for online payment part A; the rest says why not.
      const scorePart = (part: string) => page.locator(`table.score tr[data-score-part="${part}"]`);
      expect(await scorePart('onTimeResolution').locator('.points').innerText()).toBe('20 / 20');
      expect(await scorePart('onlinePaymentDossiers').locator('.points').innerText()).toBe('1,5 / 6');
      expect(await scorePart('transparency').innerText()).toContain('Không tính được');
      expect(await text(page, 'p.score-total')).toContain('Điểm tính được: 21,5 / 26');
      // The procedures pulling the rate down: the partly online and the in-person one, most offline dossiers first.
      expect(await page.locator('table.procedures tbody tr').first().innerText()).toContain('Sửa đổi giấy phép bưu chính');
      // The look ahead: the running month, quarter and year.
      expect(await page.locator('table.forecast tbody tr').count()).toBe(3);
      await page.screenshot({ path: join(SCREENSHOTS, 'agency.png') });

      await page.goto(`${CONSOLE}/?period=2019`);
      const ranking = page.locator('table.ranking');
      expect(await ranking.locator(`tr[data-agency="${PEER}"] td`).first().innerText()).toBe('1');
      expect(await ranking.locator(`tr[data-agency="${KHANH_HOA}"] td`).first().innerText()).toBe('2');
      // Chart.js drew the trend (a canvas with pixels), and its figures are in a table beside it.
      await page.waitForFunction("window.Chart !== undefined && window.Chart.getChart('trend-chart') !== undefined");
      await page.screenshot({ path: join(SCREENSHOTS, 'overview.png') });
    } finally {
      await context.close();
    }
  });

  it("gives an agency administrator exactly her agency: others are 'not found', peers anonymised", async () => {
    const { context, page } = await signInAs('admin-tu-phap');
    try {
      expect(await page.locator('h1').innerText()).toContain('Sở Thông tin và Truyền thông');
      const outside = await page.goto(`${CONSOLE}/agencies/${PEER}?period=2019`);
      expect(outside!.status()).toBe(404);
      expect(await text(page, '.error-message')).toBe('Không tìm thấy, hoặc nằm ngoài phạm vi của bạn.');
      expect((await page.goto(`${CONSOLE}/agencies/${PROVINCE}`))!.status()).toBe(404);
      // Among its peers (same parent) the other department is ranked first, but nameless and without counts here.
      await page.goto(`${CONSOLE}/?period=2019`);
      const ranking = await page.locator('table.ranking tbody').innerText();
      expect(ranking).toContain('Đơn vị ngoài phạm vi');
      expect(ranking).not.toContain('Sở Khoa học và Công nghệ');
      expect(await page.locator('table.ranking tbody tr').first().locator('td').first().innerText()).toBe('1');
      expect(await page.locator(`table.ranking tr[data-agency="${KHANH_HOA}"] td`).first().innerText()).toBe('2');
    } finally {
      await context.close();
    }
  });

  it('lets each role open exactly the pages of its permissions (the console’s route × role table)', async () => {
    // 200: may; 403: signed in without the permission. Every page of the console is here.
    const pages = ['/', `/agencies/${KHANH_HOA}`, '/alerts', `/alerts/${ALERT_ID}`, '/targets', '/recipients', '/reports', `/agencies/${KHANH_HOA}/report?period=2019`];
    const expected: Record<string, number[]> = {
      operator: [200, 200, 200, 200, 200, 200, 200, 200],
      'admin-tu-phap': [200, 200, 200, 200, 200, 200, 200, 200],
      inspector: [200, 200, 200, 200, 200, 403, 200, 200],
      integrator: [403, 403, 403, 403, 403, 403, 403, 403],
      'no-role': [403, 403, 403, 403, 403, 403, 403, 403],
    };
    for (const [username, statuses] of Object.entries(expected)) {
      const { context, page } = await signInAs(username);
      try {
        const seen = [];
        for (const path of pages) seen.push((await page.request.get(`${CONSOLE}${path}`, { maxRedirects: 0 })).status());
        expect({ username, statuses: seen }).toEqual({ username, statuses });
        if (username === 'no-role') expect(await text(page, '.error-message')).toContain('chưa được giao vai trò');
      } finally {
        await context.close();
      }
    }
    // No session: every page sends the browser to sign in, and comes back to it afterwards.
    const anonymous = await browser.newContext();
    try {
      for (const path of pages) {
        const response = await anonymous.request.get(`${CONSOLE}${path}`, { maxRedirects: 0 });
        expect(response.status()).toBe(303);
        expect(response.headers().location).toBe(`/login?returnTo=${encodeURIComponent(path)}`);
      }
      expect((await anonymous.request.get(`${CONSOLE}/health/ready`)).status()).toBe(200);
    } finally {
      await anonymous.close();
    }
  });

  it('lets the agency administrator acknowledge an alert with a comment, which the API then shows', async () => {
    const { context, page } = await signInAs('admin-tu-phap');
    try {
      await page.goto(`${CONSOLE}/alerts`);
      await page.screenshot({ path: join(SCREENSHOTS, 'alerts.png') });
      // The below-target alert says where the month ends and what the target needs (the sweep's look ahead).
      await page.goto(`${CONSOLE}/alerts/${BELOW_TARGET_ID}`);
      expect(await text(page, 'dd.look-ahead')).toBe(
        'Với nhịp độ hiện nay, tháng 2026-12 dự kiến đạt 20,0% (13,2%–30,2%); cần 5,8 hồ sơ trực tuyến mỗi ngày làm việc trong 18 ngày làm việc còn lại — Có thể đạt.',
      );
      await page.goto(`${CONSOLE}/alerts`);
      await page.click(`tr[data-alert="${ALERT_ID}"] a`);
      await page.locator('textarea#comment').waitFor();
      // Keyboard only: the comment, then the button.
      await page.locator('textarea#comment').focus();
      await page.keyboard.type('Sở đã giao phòng Bưu chính hướng dẫn nộp trực tuyến.');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByText('Đã xác nhận cảnh báo.').waitFor();
      expect(await text(page, 'dd.status')).toBe('Đã xác nhận');
      expect(await text(page, 'dd.acknowledged')).toContain('Sở đã giao phòng Bưu chính hướng dẫn nộp trực tuyến.');

      const fromApi = await signedIn(api, (await signIn('adminTuPhap')).token).get(`/v1/alerts/${ALERT_ID}`);
      expect(fromApi.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Trần Thị Bình', acknowledgeComment: 'Sở đã giao phòng Bưu chính hướng dẫn nộp trực tuyến.' });
    } finally {
      await context.close();
    }
  });

  it('refuses a form without the session’s token, and a viewer’s acknowledgement', async () => {
    const { context, page } = await signInAs('inspector');
    try {
      await page.goto(`${CONSOLE}/alerts/${ALERT_ID}`);
      expect(await page.locator('textarea#comment').count()).toBe(0);
      const token = await page.locator('form[action="/logout"] input[name="_csrf"]').getAttribute('value');
      const asViewer = await page.request.post(`${CONSOLE}/alerts/${ALERT_ID}/acknowledge`, { form: { _csrf: token!, comment: 'x' }, maxRedirects: 0 });
      expect(asViewer.status()).toBe(403);
    } finally {
      await context.close();
    }
    const operator = await signInAs('operator');
    try {
      const forged = await operator.page.request.post(`${CONSOLE}/targets`, { form: { agencyCode: KHANH_HOA, threshold: '1' }, maxRedirects: 0 });
      expect(forged.status()).toBe(403);
      expect(await forged.text()).toContain('Biểu mẫu đã hết hạn');
      const otherOrigin = await operator.page.request.post(`${CONSOLE}/targets`, {
        form: { _csrf: (await operator.page.locator('input[name="_csrf"]').first().getAttribute('value'))!, agencyCode: KHANH_HOA, threshold: '1' },
        headers: { origin: 'http://evil.example' },
        maxRedirects: 0,
      });
      expect(otherOrigin.status()).toBe(403);
      const rules = await signedIn(api, (await signIn('operator')).token).get('/v1/targets').query({ scopeKind: 'agency', agency: KHANH_HOA });
      expect(rules.body.items).toEqual([]);
    } finally {
      await operator.context.close();
    }
  });

  it('lets the operator add and edit a target, and shows the change in the audit trail the API keeps', async () => {
    const { context, page } = await signInAs('operator');
    try {
      await page.goto(`${CONSOLE}/targets?agency=${KHANH_HOA}`);
      await page.fill('#new-agency', KHANH_HOA);
      await page.fill('#new-threshold', '60');
      await page.fill('#new-note', 'Chỉ tiêu của Sở năm 2019');
      await page.click('form[action="/targets"] button[type="submit"]');
      await page.getByText('Đã thêm chỉ tiêu.').waitFor();
      const operatorApi = signedIn(api, (await signIn('operator')).token);
      const [rule] = (await operatorApi.get('/v1/targets').query({ scopeKind: 'agency', agency: KHANH_HOA })).body.items;
      expect(rule).toMatchObject({ threshold: 0.6, note: 'Chỉ tiêu của Sở năm 2019', version: 1, scope: { kind: 'agency', agencyCode: KHANH_HOA, includeSubtree: true } });

      // The effective warning target of Khánh Hòa is now this rule, and the page says why.
      expect(await page.locator('table.effective').innerText()).toContain('60,0%');
      expect(await page.locator('table.effective').innerText()).toContain(`quy tắc cho cơ quan ${KHANH_HOA} và các đơn vị trực thuộc (chính cơ quan này)`);
      await page.fill(`input[form="rule-${rule.id}"][name="threshold"]`, '65,5');
      await page.click(`#rule-${rule.id} button[type="submit"]`);
      await page.getByText('Đã lưu chỉ tiêu.').waitFor();

      const audit = (await operatorApi.get(`/v1/targets/${rule.id}/audit`)).body.items;
      expect(audit.map((entry: { action: string }) => entry.action)).toEqual(['update', 'create']);
      expect(audit[0]).toMatchObject({ actor: 'Nguyễn Văn An', before: { threshold: 0.6, version: 1 }, after: { threshold: 0.655, version: 2 } });
      expect(await page.locator(`table.audit tr[data-audit-target="${rule.id}"]`).first().innerText()).toContain('60,0% → 65,5%');
      await page.screenshot({ path: join(SCREENSHOTS, 'targets.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('downloads the CSV, XLSX and one-page A4 PDF reports with the figures the API gives', async () => {
    const { context, page } = await signInAs('operator');
    try {
      const operatorApi = signedIn(api, (await signIn('operator')).token);
      const query = { period: '2019', agency: KHANH_HOA, subtree: 'true' };
      await page.goto(`${CONSOLE}/reports`);
      await page.screenshot({ path: join(SCREENSHOTS, 'reports.png') });
      // 2019 is older than the picker's recent periods; the form takes any period label, as a bookmarked URL would.
      await page.evaluate("document.querySelector('#rep-period').add(new Option('2019', '2019', true, true))");
      await page.fill('#rep-agency', KHANH_HOA);

      const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('button[formaction="/reports/indicators.csv"]')]);
      const csv = await streamToBuffer(await csvDownload.createReadStream());
      const apiCsv = await operatorApi.get('/v1/reports/indicators.csv').query(query).buffer(true);
      expect(csv.toString('utf8')).toBe(apiCsv.text);
      expect(csv.toString('utf8')).toContain('Sở Thông tin và Truyền thông');

      const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.click('button[formaction="/reports/indicators.xlsx"]')]);
      expect(xlsxDownload.suggestedFilename()).toMatch(/\.xlsx$/);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await streamToBuffer(await xlsxDownload.createReadStream())) as unknown as ArrayBuffer);
      const cells = workbook.worksheets[0].getSheetValues().flat().map(String);
      expect(cells).toContain('Sở Thông tin và Truyền thông');
      expect(cells).toContain('183');

      const [pdfDownload] = await Promise.all([page.waitForEvent('download'), page.click('button[formaction="/reports/report.pdf"]')]);
      const pdf = (await streamToBuffer(await pdfDownload.createReadStream())).toString('latin1');
      expect(pdf.startsWith('%PDF-')).toBe(true);
      expect(pdf.match(/\/Type\s*\/Page\b/g)).toHaveLength(1);
      const [width, height] = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf)!.slice(1).map(Number);
      expect([Math.round(width), Math.round(height)]).toEqual([595, 842]); // A4 in points

      // The report page the PDF is printed from carries the API's figures.
      const report = await context.newPage();
      await report.goto(`${CONSOLE}/agencies/${KHANH_HOA}/report?period=2019`);
      const indicators = (await operatorApi.get('/v1/indicators').query({ period: '2019', agency: KHANH_HOA, subtree: 'true' })).body.items[0].indicators;
      expect(indicators.onlineSubmission).toMatchObject({ numerator: 51, denominator: 183 });
      expect(await report.locator('tr[data-indicator="onlineSubmission"] .fraction').innerText()).toBe('51 / 183');
      expect(await report.locator('tr[data-indicator="onlineSubmission"] .value').innerText()).toBe('27,9%');
      expect(await report.locator('h1').innerText()).toBe('BÁO CÁO CHỈ SỐ DỊCH VỤ CÔNG TRỰC TUYẾN');
      const score = (await operatorApi.get('/v1/indicators').query({ period: '2019', agency: KHANH_HOA, subtree: 'true' })).body.items[0].score;
      expect(await report.locator('p.score-line').innerText()).toContain(`Điểm Bộ chỉ số 766 tính được: ${String(score.points).replace('.', ',')} / ${score.earnedOf}`);
      await report.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('switches to English and back, is keyboard-navigable, and fits a phone', async () => {
    const { context, page } = await signInAs('admin-tu-phap', PHONE);
    try {
      await page.goto(`${CONSOLE}/agencies/${KHANH_HOA}?period=2019`);
      await page.screenshot({ path: join(SCREENSHOTS, 'agency-phone.png') });
      // The first Tab reaches the skip link, which moves focus to the main content.
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.className')).toBe('skip-link');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('document.activeElement.id')).toBe('main');
      // Nothing wider than the phone but the tables, which scroll inside their own box.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);

      await Promise.all([page.waitForURL(`${CONSOLE}/agencies/**`), page.click('a[lang="en"]')]);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.locator('table.indicators tr[data-indicator="onlineSubmission"] th').innerText()).toBe('Online submission rate');
      expect(await page.locator('table.indicators tr[data-indicator="onlineSubmission"] .value').innerText()).toBe('27.9%');
      await Promise.all([page.waitForURL(`${CONSOLE}/agencies/**`), page.click('a[lang="vi"]')]);
      expect(await page.locator('table.indicators tr[data-indicator="onlineSubmission"] th').innerText()).toBe('Tỷ lệ hồ sơ trực tuyến');
    } finally {
      await context.close();
    }
  });

  it('signs out here and at Keycloak: the next visit asks for the password again', async () => {
    const { context, page } = await signInAs('inspector');
    try {
      await Promise.all([page.waitForURL(`${CONSOLE}/signed-out`), page.click('form[action="/logout"] button')]);
      expect(await page.locator('h1').innerText()).toBe('Đã đăng xuất');
      await page.goto(`${CONSOLE}/`);
      expect(page.url().startsWith(`${ISSUER}/protocol/openid-connect/auth`)).toBe(true);
      expect(await page.locator('#password').count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function insertAlert(db: Client): Promise<void> {
  const window = { firstDay: '2019-12-01', lastDay: '2019-12-31' };
  await db.query(
    `INSERT INTO alerts (id, kind, agency_code, procedure_code, window_kind, metric, severity, status, opened_at, last_evaluated_at, last_evaluation, explanation)
     VALUES ($1, 'zeroUptake', $2, '2.001002', 'monthToDate', 'onlineRate', 'warning', 'firing', '2019-12-20T02:00:00Z', '2019-12-20T03:00:00Z', $3, $4)`,
    [
      ALERT_ID,
      KHANH_HOA,
      JSON.stringify({ received: 50, receivedOnline: 0, minimumDossiers: 10, window }),
      JSON.stringify({ agencyName: 'Sở Thông tin và Truyền thông', procedureName: 'Sửa đổi giấy phép bưu chính', onlineLevel: 'partial', window }),
    ],
  );
  await db.query(`INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, details) VALUES ($1, '2019-12-20T02:00:00Z', NULL, 'firing', 'alerting (sweep)', '{}')`, [ALERT_ID]);

  // Below target: the sweep's evaluation and explanation, the look ahead computed by libs/domain as the sweep does.
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM targets WHERE scope_kind = 'all' AND metric = 'onlineRate' AND severity = 'warning'`);
  const monthWindow = { firstDay: '2026-12-01', lastDay: '2026-12-07' };
  const target = { ruleId: rows[0].id, scope: { kind: 'all' }, matchedBy: { kind: 'all' }, threshold: 0.5, severity: 'warning', metric: 'onlineRate' };
  await db.query(
    `INSERT INTO alerts (id, target_id, kind, agency_code, window_kind, metric, severity, threshold, status, opened_at, last_evaluated_at, last_evaluation, explanation)
     VALUES ($1, $2, 'belowTarget', $3, 'monthToDate', 'onlineRate', 'warning', 0.5, 'firing', '2026-12-07T02:00:00Z', '2026-12-07T02:00:00Z', $4, $5)`,
    [
      BELOW_TARGET_ID,
      rows[0].id,
      KHANH_HOA,
      JSON.stringify({ successes: 10, trials: 50, rate: 0.2, interval: [0.1124, 0.3304], threshold: 0.5, resolveMargin: 0.05, resolveAt: 0.55, minimumDossiers: 30, windowKind: 'monthToDate', window: monthWindow, reason: 'belowTarget' }),
      JSON.stringify({
        agencyName: 'Sở Thông tin và Truyền thông',
        procedureName: null,
        window: monthWindow,
        previousWindow: { firstDay: '2026-11-01', lastDay: '2026-11-07' },
        trend: { currentRate: 0.2, previousRate: null, change: null, direction: null },
        previous: { successes: 0, trials: 0 },
        target,
        topProcedures: [],
        lookAhead: monthEndLookAhead(monthWindow, 50, 10, 0.5),
      }),
    ],
  );
  await db.query(`INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, details) VALUES ($1, '2026-12-07T02:00:00Z', NULL, 'firing', 'alerting (sweep)', '{}')`, [BELOW_TARGET_ID]);
}

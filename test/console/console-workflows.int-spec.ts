import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { KHANH_HOA } from '../api/support/indicator-fixtures';
import { signedIn, signIn } from '../api/support/signed-in';
import { ALERT_ID, BELOW_TARGET_ID, CONSOLE, PHONE, SCREENSHOTS, useConsole } from './console-harness';

/**
 * What administrators do in the console: acknowledge an alert, add and edit a target, download the reports,
 * and read it in English and on a phone. Real browser, console, Keycloak, API and Redis, as set up by
 * ./console-harness.ts.
 */

const DATABASE = 'dvc_monitor_console_workflows_test';

describe('the administrators’ console in a real browser: alerts, targets, reports, language and phone', () => {
  const { started, signInAs, text } = useConsole(DATABASE);
  let api: INestApplication;

  beforeAll(() => {
    ({ api } = started);
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
});

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}


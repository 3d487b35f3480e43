import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Browser } from 'playwright-core';
import { KHANH_HOA, PEER } from '../api/support/indicator-fixtures';
import { PROVINCE } from '../api/support/rates-fixtures';
import { signedIn, signIn } from '../api/support/signed-in';
import { ISSUER } from '../support/keycloak';
import { ALERT_ID, CONSOLE, SCREENSHOTS, useConsole } from './console-harness';

/**
 * The console's sign-in, sessions and access: the operator's overview and agency page, an agency
 * administrator's scope, the route × role table, forged and unpermitted forms, and signing out. Real browser,
 * console, Keycloak, API and Redis, as set up by ./console-harness.ts.
 */

const DATABASE = 'dvc_monitor_console_access_test';

describe('the administrators’ console in a real browser: sign-in, scope and permissions', () => {
  const { started, signInAs, text } = useConsole(DATABASE);
  let api: INestApplication;
  let browser: Browser;

  beforeAll(() => {
    ({ api, browser } = started);
  });

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

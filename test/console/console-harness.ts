import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { monthEndLookAhead } from '@dvc/domain';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startApiOnFreshDatabase, stopApi } from '../api/support/api-test-app';
import { insertIndicatorFixtures, KHANH_HOA } from '../api/support/indicator-fixtures';
import { REPO_ROOT } from '../support/infrastructure';
import { ISSUER } from '../support/keycloak';
import { ServiceProcess, stopAllServices } from '../support/service-process';

/**
 * The administrators' console in Debian's Chromium (playwright-core, no browser download), against the real
 * stack: Keycloak's login form, the console as a process from dist/, the API over HTTP on a fresh PostgreSQL
 * database with seed 004's Khánh Hòa figures, sessions in the real Redis. Screenshots land in docs/screenshots.
 *
 * The shared setup of test/console/console-access and console-workflows: each spec file calls useConsole once,
 * in its top-level describe, with a database of its own. The console always listens on CONSOLE_PORT (the one
 * redirect URI of the realm), so the files run one after the other, as `npm test` runs them (--runInBand).
 */

/** The console's port here: its redirect URI http://127.0.0.1:13005/* is registered for dvc-console in the realm. */
const CONSOLE_PORT = 13005;
export const CONSOLE = `http://127.0.0.1:${CONSOLE_PORT}`;
export const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const LAPTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };
/** A zeroUptake alert on Khánh Hòa, firing: the one the agency administrator acknowledges. */
export const ALERT_ID = '6a0c1f36-2f6b-4a55-9a51-0d0c5a0f0001';
/** A belowTarget month-to-date alert on Khánh Hòa with its look ahead, as the alerting sweep writes it. */
export const BELOW_TARGET_ID = '6a0c1f36-2f6b-4a55-9a51-0d0c5a0f0002';

/**
 * Registers the beforeAll (the API on `database` with the indicator fixtures and two alerts, the console, the
 * browser) and the afterAll; returns what the beforeAll started (filled in when it has run) and the page helpers.
 */
export function useConsole(database: string) {
  const databaseUrl = `${process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432'}/${database}`;
  const started = {} as { api: INestApplication; browser: Browser };
  let api: INestApplication;
  let db: Client;
  let browser: Browser;
  let apiUrl: string;

  beforeAll(async () => {
    api = await startApiOnFreshDatabase(database);
    await api.listen(0, '127.0.0.1');
    apiUrl = `http://127.0.0.1:${(api.getHttpServer().address() as AddressInfo).port}`;
    db = new Client({ connectionString: databaseUrl });
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
    Object.assign(started, { api, browser });
  });

  afterAll(async () => {
    await browser?.close();
    await stopAllServices();
    await db?.end();
    await stopApi(api, database);
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

  return { started, signInAs, text };
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

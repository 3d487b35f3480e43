import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { AdoptionMetricsService } from '../../services/api/src/metrics/adoption-metrics.service';
import { startApiOnFreshDatabase, stopApi } from './support/api-test-app';
import { BIRTH, COMMUNE_1, COMMUNE_2, DISTRICT, LOOP_A, MARRIAGE, PROVINCE } from './support/rates-fixtures';

const DATABASE = 'dvc_monitor_api_adoption_metrics_test';
const OTHER_PROVINCE = '000.00.00.H32';
const OTHER_DISTRICT = '000.00.05.H32';

/** Today in Vietnam, computed independently of the code under test (Intl's time zone data). */
function vietnamToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** The series of the given metrics on GET /metrics, as `name{label="value",...}` (sorted labels, no `service`) → value. */
function series(text: string, prefix: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)]
      .filter(([, key]) => key !== 'service')
      .map(([, key, value]) => `${key}="${value}"`)
      .sort();
    result[`${match[1]}{${labels.join(',')}}`] = Number(match[3]);
  }
  return result;
}

describe('adoption metrics on GET /metrics (real PostgreSQL)', () => {
  let app: INestApplication;
  let db: Client;
  let metrics: AdoptionMetricsService;

  const scrape = async (prefix = 'dvc_') => series((await request(app.getHttpServer()).get('/metrics').expect(200)).text, prefix);

  beforeAll(async () => {
    app = await startApiOnFreshDatabase(DATABASE);
    metrics = app.get(AdoptionMetricsService);
    // The refresh started at bootstrap, over the fixtures only (all of them in 2025, not this month).
    await metrics.refresh();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();

    const today = vietnamToday();
    const firstOfMonth = `${today.slice(0, 8)}01`;
    await db.query(
      `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES
         ($1, 'UBND tỉnh khác', 'province', NULL, '2025-01-01T00:00:00Z', 'test'),
         ($2, 'UBND huyện khác', 'district', $1, '2025-01-01T00:00:00Z', 'test')`,
      [OTHER_PROVINCE, OTHER_DISTRICT],
    );
    const bucket = (day: string, agency: string, procedure: string, received: number, online: number, completed: number, onTime: number) =>
      db.query(
        `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, completed_on_time)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (day, agency_code, procedure_code) DO UPDATE SET received = daily_buckets.received + EXCLUDED.received,
           received_online = daily_buckets.received_online + EXCLUDED.received_online,
           completed = daily_buckets.completed + EXCLUDED.completed, completed_on_time = daily_buckets.completed_on_time + EXCLUDED.completed_on_time`,
        [day, agency, procedure, received, online, completed, onTime],
      );
    await bucket(firstOfMonth, DISTRICT, BIRTH, 6, 2, 4, 4);
    await bucket(today, DISTRICT, BIRTH, 4, 2, 2, 1);
    await bucket(today, COMMUNE_1, BIRTH, 3, 3, 2, 0);
    await bucket(today, COMMUNE_2, MARRIAGE, 2, 0, 1, 1);
    await bucket(today, OTHER_DISTRICT, BIRTH, 5, 1, 0, 0);
    // In a loop of parents: reached from no root.
    await bucket(today, LOOP_A, BIRTH, 1, 1, 0, 0);
    // Last month: not month-to-date.
    await bucket(dayBefore(firstOfMonth), DISTRICT, BIRTH, 100, 100, 100, 100);

    // Targets: the migration's two `all` onlineRate rules, plus one enabled and one disabled rule.
    await db.query(
      `INSERT INTO targets (scope_kind, metric, threshold, severity, enabled, created_by, updated_by) VALUES
         ('all', 'onTimeRate', 0.8, 'warning', true, 'test', 'test'),
         ('all', 'onTimeRate', 0.9, 'critical', false, 'test', 'test')`,
    );
    await db.query(
      `INSERT INTO targets (scope_kind, agency_code, include_subtree, metric, threshold, severity, created_by, updated_by)
       VALUES ('agency', $1, true, 'onlineRate', 0.7, 'critical', 'test', 'test')`,
      [DISTRICT],
    );

    const alert = (kind: string, agency: string | null, procedure: string | null, windowKind: string, metric: string, severity: string, status: string) =>
      db.query(
        `INSERT INTO alerts (kind, target_id, agency_code, procedure_code, window_kind, metric, severity, threshold, status,
           acknowledged_at, acknowledged_by, resolved_at, source_uri, last_evaluation, explanation)
         VALUES ($1, CASE WHEN $1 = 'belowTarget' THEN gen_random_uuid() END, $2, $3, $4, $5, $6,
           CASE WHEN $1 = 'belowTarget' THEN 0.5 END, $7,
           CASE WHEN $7 = 'acknowledged' THEN now() END, CASE WHEN $7 = 'acknowledged' THEN 'test' END,
           CASE WHEN $7 = 'resolved' THEN now() END, CASE WHEN $1 = 'silentSource' THEN 'urn:silent' END, '{}', '{}')`,
        [kind, agency, procedure, windowKind, metric, severity, status],
      );
    // One pair below two rules (two windows, one acknowledged): one critical pair.
    await alert('belowTarget', DISTRICT, BIRTH, 'monthToDate', 'onlineRate', 'critical', 'firing');
    await alert('belowTarget', DISTRICT, BIRTH, 'rolling30d', 'onTimeRate', 'critical', 'acknowledged');
    await alert('belowTarget', COMMUNE_1, BIRTH, 'monthToDate', 'onlineRate', 'warning', 'firing');
    // Not counted: resolved, agency-wide (no procedure), and a source alert.
    await alert('belowTarget', COMMUNE_2, MARRIAGE, 'monthToDate', 'onlineRate', 'critical', 'resolved');
    await alert('belowTarget', DISTRICT, null, 'monthToDate', 'onlineRate', 'warning', 'firing');
    await alert('silentSource', null, null, null as unknown as string, null as unknown as string, 'critical', 'firing');
    await alert('zeroUptake', OTHER_DISTRICT, MARRIAGE, 'monthToDate', 'onlineRate', 'warning', 'firing');
    await alert('zeroUptake', COMMUNE_1, MARRIAGE, 'monthToDate', 'onlineRate', 'warning', 'resolved');

    await db.query(
      `INSERT INTO source_activity (source_uri, last_event_at) VALUES
         ('urn:dvc:motcua:hung-yen', '2026-11-30T10:00:00.250Z'), ('urn:dvc:motcua:other', '2025-01-01T00:00:00Z')`,
    );
  });

  afterAll(async () => {
    await db?.end();
    await stopApi(app, DATABASE);
  });

  it('shows the month-to-date counts, the targets, the open pairs and the sources, with exact values', async () => {
    expect(await metrics.refresh()).toBe(true);
    const scraped = await scrape();
    const adoption = Object.fromEntries(Object.entries(scraped).filter(([name]) => /^dvc_(adoption_(?!refresh)|source_)/.test(name)));
    expect(adoption).toEqual({
      [`dvc_adoption_dossiers_received{agency_level="district",channel="online",province="${PROVINCE}"}`]: 4,
      [`dvc_adoption_dossiers_received{agency_level="district",channel="offline",province="${PROVINCE}"}`]: 6,
      [`dvc_adoption_dossiers_received{agency_level="commune",channel="online",province="${PROVINCE}"}`]: 3,
      [`dvc_adoption_dossiers_received{agency_level="commune",channel="offline",province="${PROVINCE}"}`]: 2,
      [`dvc_adoption_dossiers_received{agency_level="district",channel="online",province="${OTHER_PROVINCE}"}`]: 1,
      [`dvc_adoption_dossiers_received{agency_level="district",channel="offline",province="${OTHER_PROVINCE}"}`]: 4,
      'dvc_adoption_dossiers_received{agency_level="other",channel="online",province="unknown"}': 1,
      'dvc_adoption_dossiers_received{agency_level="other",channel="offline",province="unknown"}': 0,
      [`dvc_adoption_dossiers_completed{agency_level="district",province="${PROVINCE}",timeliness="on_time"}`]: 5,
      [`dvc_adoption_dossiers_completed{agency_level="district",province="${PROVINCE}",timeliness="late"}`]: 1,
      [`dvc_adoption_dossiers_completed{agency_level="commune",province="${PROVINCE}",timeliness="on_time"}`]: 1,
      [`dvc_adoption_dossiers_completed{agency_level="commune",province="${PROVINCE}",timeliness="late"}`]: 2,
      [`dvc_adoption_dossiers_completed{agency_level="district",province="${OTHER_PROVINCE}",timeliness="on_time"}`]: 0,
      [`dvc_adoption_dossiers_completed{agency_level="district",province="${OTHER_PROVINCE}",timeliness="late"}`]: 0,
      'dvc_adoption_dossiers_completed{agency_level="other",province="unknown",timeliness="on_time"}': 0,
      'dvc_adoption_dossiers_completed{agency_level="other",province="unknown",timeliness="late"}': 0,
      'dvc_adoption_target_ratio{metric="onlineRate",severity="critical"}': 0.1,
      'dvc_adoption_target_ratio{metric="onlineRate",severity="warning"}': 0.5,
      'dvc_adoption_target_ratio{metric="onTimeRate",severity="warning"}': 0.8,
      [`dvc_adoption_pairs_below_target{province="${PROVINCE}",severity="critical"}`]: 1,
      [`dvc_adoption_pairs_below_target{province="${PROVINCE}",severity="warning"}`]: 1,
      [`dvc_adoption_pairs_below_target{province="${OTHER_PROVINCE}",severity="critical"}`]: 0,
      [`dvc_adoption_pairs_below_target{province="${OTHER_PROVINCE}",severity="warning"}`]: 0,
      [`dvc_adoption_zero_uptake_pairs{province="${PROVINCE}"}`]: 0,
      [`dvc_adoption_zero_uptake_pairs{province="${OTHER_PROVINCE}"}`]: 1,
      'dvc_source_last_event_timestamp_seconds{source="urn:dvc:motcua:hung-yen"}': Date.parse('2026-11-30T10:00:00.250Z') / 1000,
      'dvc_source_last_event_timestamp_seconds{source="urn:dvc:motcua:other"}': Date.parse('2025-01-01T00:00:00Z') / 1000,
    });
    expect(scraped['dvc_adoption_refresh_failures_total{}']).toBe(0);
  });

  it('drops the series that vanished at the next refresh', async () => {
    await db.query(`DELETE FROM source_activity WHERE source_uri = 'urn:dvc:motcua:other'`);
    await db.query(`UPDATE targets SET enabled = false WHERE scope_kind = 'all' AND metric = 'onTimeRate'`);
    await db.query(`DELETE FROM daily_buckets WHERE agency_code = $1`, [LOOP_A]);
    expect(await metrics.refresh()).toBe(true);
    const scraped = await scrape();
    expect(Object.keys(scraped).filter((name) => name.includes('unknown') || name.includes('urn:dvc:motcua:other') || name.includes('onTimeRate'))).toEqual([]);
    expect(scraped['dvc_source_last_event_timestamp_seconds{source="urn:dvc:motcua:hung-yen"}']).toBe(Date.parse('2026-11-30T10:00:00.250Z') / 1000);
  });

  it('counts a failed refresh, keeps the previous values, and keeps serving', async () => {
    const before = await scrape('dvc_adoption_dossiers');
    await db.query('ALTER TABLE daily_buckets RENAME TO daily_buckets_away');
    try {
      expect(await metrics.refresh()).toBe(false);
    } finally {
      await db.query('ALTER TABLE daily_buckets_away RENAME TO daily_buckets');
    }
    expect(await scrape('dvc_adoption_dossiers')).toEqual(before);
    expect((await scrape('dvc_adoption_refresh_failures_total'))['dvc_adoption_refresh_failures_total{}']).toBe(1);
    await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(await metrics.refresh()).toBe(true);
  });
});

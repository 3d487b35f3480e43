import { vietnamToday } from '@dvc/domain';
import { produceDeliveries } from '../support/kafka-io';
import type { Delivery, RawEvent } from '../support/scenario';
import { eventually, ServiceProcess, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

/**
 * The incremental sweep (services/alerting/src/evaluation/sweep-mode.ts) on the REAL pipeline: the
 * aggregator names the agencies whose buckets it changed in `alert_sweep_pending`, in its batch's
 * transaction, and the sweeps between two full ones evaluate those agencies only. The rate-change path is
 * switched off here, as if every notice were lost: only the pending rows can explain an alert.
 *
 * A second agency's buckets are written straight into the tables, bypassing the aggregator (and so never
 * named as pending): the incremental sweeps leave it alone, and the full sweep that a target change causes
 * finds it. That is also what shows the sweeps in between really were incremental.
 */

const environment = new TestEnvironment('alerting_incremental');
const PIPELINE_AGENCY = '000.00.99.INC1';
const BYPASS_AGENCY = '000.00.99.INC2';
const PROCEDURE = { code: '9.000101', name: 'Cấp giấy phép thử nghiệm tăng dần', sector: 'Thử nghiệm', onlineLevel: 'full' as const };
const AGENCY_NAMES: Record<string, string> = { [PIPELINE_AGENCY]: 'UBND huyện Tăng Dần', [BYPASS_AGENCY]: 'UBND huyện Bỏ Qua' };
let sequence = 0;

function received(channel: 'online' | 'in_person'): Delivery {
  const n = sequence++;
  const dossierCode = `${PIPELINE_AGENCY}-${environment.runId}-${String(n).padStart(5, '0')}`;
  const now = new Date().toISOString();
  const event: RawEvent = {
    specversion: '1.0',
    id: `inc-${environment.runId}-${n}`,
    source: 'urn:dvc:motcua:incremental-sweep-test',
    type: 'vn.gov.dvc.dossier.received.v1',
    time: now,
    subject: dossierCode,
    data: {
      dossierCode,
      procedure: PROCEDURE,
      agency: { code: PIPELINE_AGENCY, name: AGENCY_NAMES[PIPELINE_AGENCY], level: 'district', parentCode: null },
      channel,
      receivedAt: now,
    },
  };
  return { event, binary: false, key: dossierCode };
}

async function sweepsByMode(service: ServiceProcess): Promise<{ full: number; incremental: number }> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const count = (mode: string) => Number(new RegExp(`^dvc_alerting_sweep_duration_seconds_count\\{[^}]*mode="${mode}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { full: count('full'), incremental: count('incremental') };
}

async function openAlerts(agency: string): Promise<string[]> {
  const rows = await environment.query<{ scope: string }>(
    `SELECT coalesce(procedure_code, '*') || ' ' || window_kind || ' ' || severity AS scope FROM alerts
     WHERE agency_code = $1 AND status <> 'resolved' AND kind = 'belowTarget'`,
    [agency],
  );
  return rows.map((row) => row.scope).sort();
}

/** Both windows (month to date, rolling 30 days) × both default targets, for the agency and the agency × procedure. */
const EVERY_SCOPE = ['*', PROCEDURE.code].flatMap((p) => ['monthToDate', 'rolling30d'].flatMap((w) => ['critical', 'warning'].map((s) => `${p} ${w} ${s}`))).sort();

describe('alerting: the incremental sweep evaluates the agencies the aggregator changed', () => {
  let alerting: ServiceProcess;

  beforeAll(async () => {
    await environment.prepare(2);
    // The reference data the events will carry, stored beforehand as the aggregator stores it: a change
    // to it would make the next sweep a full one.
    for (const code of [PIPELINE_AGENCY, BYPASS_AGENCY]) {
      await environment.query(`INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES ($1, $2, 'district', NULL, '2025-01-01T00:00:00Z', 'test')`, [
        code,
        AGENCY_NAMES[code],
      ]);
    }
    await environment.query(
      `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id) VALUES ($1, $2, $3, $4, '2025-01-01T00:00:00Z', 'test')`,
      [PROCEDURE.code, PROCEDURE.name, PROCEDURE.sector, PROCEDURE.onlineLevel],
    );
    const serviceEnvironment = environment.serviceEnvironment({
      ALERT_CHANGE_EVALUATION_ENABLED: 'false',
      ALERT_SWEEP_INTERVAL_MS: '700',
      ALERT_FULL_SWEEP_INTERVAL_MS: String(24 * 3_600_000),
      ALERT_LEADER_LOCK_KEY: `dvc:test:alerting-inc:${environment.runId}`,
      ALERT_RATE_CHANGES_GROUP_ID: `alerting-inc.${environment.runId}`,
      ALERT_SOURCE_ACTIVITY_GROUP_ID: `alerting-inc-activity.${environment.runId}`,
      SMTP_URL: 'smtp://127.0.0.1:9',
      SMTP_TIMEOUT_MS: '1000',
    });
    await new ServiceProcess('ingest', serviceEnvironment).start();
    await new ServiceProcess('aggregator', serviceEnvironment).start();
    alerting = await new ServiceProcess('alerting', serviceEnvironment).start();
    await eventually(async () => ((await sweepsByMode(alerting)).incremental >= 1 ? true : undefined), 30_000, 'a first incremental sweep');
  });

  afterAll(async () => {
    await stopAllServices();
    await environment.cleanUp();
  });

  it('opens the alerts of events that came through the aggregator; a full sweep, after a target change, finds the rest', async () => {
    expect(await sweepsByMode(alerting)).toMatchObject({ full: 1 });

    // Bypassing the aggregator: 71 dossiers, 1 online, today (day and month rows), never named as pending.
    const today = vietnamToday(new Date());
    await environment.query(`INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online) VALUES ($1, $2, $3, 71, 1)`, [today, BYPASS_AGENCY, PROCEDURE.code]);
    await environment.query(`INSERT INTO monthly_buckets (month, agency_code, procedure_code, received, received_online) VALUES (date_trunc('month', $1::date), $2, $3, 71, 1)`, [
      today,
      BYPASS_AGENCY,
      PROCEDURE.code,
    ]);

    // Through the pipeline: the same numbers for the other agency (1.4% online, Wilson upper bound ≈ 7.6%).
    await produceDeliveries(environment.topics.dossierEvents, [...Array.from({ length: 70 }, () => received('in_person')), received('online')], 2_000, environment.kafkaBrokers);
    await eventually(async () => ((await openAlerts(PIPELINE_AGENCY)).length === EVERY_SCOPE.length ? true : undefined), 60_000, 'the alerts of the agency the aggregator changed');
    expect(await openAlerts(PIPELINE_AGENCY)).toEqual(EVERY_SCOPE);
    // Every pending row was taken by a sweep that saw its counts (none is left once the events are in).
    await eventually(async () => ((await environment.query(`SELECT 1 FROM alert_sweep_pending`)).length === 0 ? true : undefined), 30_000, 'the pending agencies to be taken');

    // Only incremental sweeps ran since the first: the agency written around the aggregator is still unjudged.
    const before = await sweepsByMode(alerting);
    await eventually(async () => ((await sweepsByMode(alerting)).incremental >= before.incremental + 2 ? true : undefined), 30_000, 'two more incremental sweeps');
    expect((await sweepsByMode(alerting)).full).toBe(1);
    expect(await openAlerts(BYPASS_AGENCY)).toEqual([]);

    // A target changes (a new rule, for another procedure): the next sweep is a full one, and judges it.
    await environment.query(
      `INSERT INTO targets (scope_kind, procedure_code, metric, threshold, severity, created_by, updated_by) VALUES ('procedure', '9.999999', 'onlineRate', 0.3, 'warning', 'test', 'test')`,
    );
    await eventually(async () => ((await sweepsByMode(alerting)).full >= 2 ? true : undefined), 30_000, 'a full sweep after the target change');
    expect(await openAlerts(BYPASS_AGENCY)).toEqual(EVERY_SCOPE);
    // The alerts of the first agency were not opened twice.
    const [count] = await environment.query<{ n: string }>(`SELECT count(*) AS n FROM alerts WHERE agency_code = $1`, [PIPELINE_AGENCY]);
    expect(Number(count.n)).toBe(EVERY_SCOPE.length);
  });
});

import { kafkaClient } from '../support/infrastructure';
import { produceDeliveries } from '../support/kafka-io';
import type { Delivery, RawEvent } from '../support/scenario';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';
import { SmtpSink } from './smtp-sink';
import { WebhookReceiver } from './webhook-receiver';

/**
 * Evaluation after rates change: the REAL pipeline (ingest → aggregator, which announces committed
 * bucket changes on the rate-change topic) feeds the alerting service, whose periodic sweep is set to a
 * day and whose outbox poll to a minute — so only the rate-change path (and the dispatcher being woken
 * at its commit) can explain an e-mail arriving within seconds. Then an acknowledgement, written as the
 * API writes it, is published to the alerts topic and the webhooks exactly once, across change
 * evaluations, a restart and many sweeps.
 */

const environment = new TestEnvironment('alerting_rate_changes');
const alertsTopic = `test.alerting-rc.${environment.runId}.alerts`;
const sink = new SmtpSink();
const receiver = new WebhookReceiver();
const AGENCY = '000.00.99.RC1';
const RECIPIENT = 'lanh-dao@rc1.test';
let sequence = 0;

function received(channel: 'online' | 'in_person'): Delivery {
  const n = sequence++;
  const dossierCode = `${AGENCY}-${environment.runId}-${String(n).padStart(5, '0')}`;
  const now = new Date().toISOString();
  const event: RawEvent = {
    specversion: '1.0',
    id: `rc-${environment.runId}-${n}`,
    source: 'urn:dvc:motcua:rate-change-test',
    type: 'vn.gov.dvc.dossier.received.v1',
    time: now,
    subject: dossierCode,
    data: {
      dossierCode,
      procedure: { code: '9.000001', name: 'Cấp giấy phép thử nghiệm', sector: 'Thử nghiệm', onlineLevel: 'full' },
      agency: { code: AGENCY, name: 'UBND huyện Thử Nghiệm', level: 'district', parentCode: null },
      channel,
      receivedAt: now,
    },
  };
  return { event, binary: false, key: dossierCode };
}

async function metric(service: ServiceProcess, name: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const match = new RegExp(`^${name}\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

async function readAlertEvents(): Promise<Array<{ eventId: string; type: string; alertId: string }>> {
  const events: Array<{ eventId: string; type: string; alertId: string }> = [];
  const consumer = kafkaClient('dvc-test', environment.kafkaBrokers).consumer({ groupId: `alerts-check.${environment.runId}.${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: alertsTopic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void events.push(JSON.parse(message.value!.toString('utf8'))) });
    await eventually(async () => (events.length > 0 ? true : undefined), 30_000, 'alert events');
    await sleep(2_000);
  } finally {
    await consumer.disconnect();
  }
  return events;
}

describe('alerting: evaluation after rate changes, and acknowledgements announced once', () => {
  let serviceEnvironment: Record<string, string>;
  let alerting: ServiceProcess;

  beforeAll(async () => {
    await environment.prepare(2);
    await environment.createTopics([alertsTopic], 2);
    await sink.start();
    await receiver.start();
    await environment.query(`INSERT INTO alert_recipients (agency_code, email, name) VALUES ($1, $2, 'Lãnh đạo huyện')`, [AGENCY, RECIPIENT]);
    await environment.query(`INSERT INTO webhook_endpoints (name, url, secret, agency_code) VALUES ('RC receiver', $1, 'rc-secret-0123456789abcdef', $2)`, [
      `${receiver.url}/hook`,
      AGENCY,
    ]);
    serviceEnvironment = environment.serviceEnvironment({
      // The webhook receiver of this file listens on plain http on loopback: allowed here, refused by default.
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      TOPIC_ALERTS: alertsTopic,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_TIMEOUT_MS: '60000',
      ALERT_LEADER_LOCK_KEY: `dvc:test:alerting-rc:${environment.runId}`,
      ALERT_RATE_CHANGES_GROUP_ID: `alerting-rc.${environment.runId}`,
      ALERT_SOURCE_ACTIVITY_GROUP_ID: `alerting-activity.${environment.runId}`,
      // Only the rate-change path can explain a prompt e-mail: one sweep at start, the next in a day;
      // the dispatcher's idle poll is a minute.
      ALERT_SWEEP_INTERVAL_MS: String(24 * 3_600_000),
      OUTBOX_POLL_INTERVAL_MS: '60000',
      ALERT_CHANGE_DEBOUNCE_MS: '300',
    });
    await new ServiceProcess('ingest', serviceEnvironment).start();
    await new ServiceProcess('aggregator', serviceEnvironment).start();
    alerting = await new ServiceProcess('alerting', serviceEnvironment).start();
    // The start-up sweep has run (over nothing): from now on only rate changes trigger evaluations.
    await eventually(async () => ((await metric(alerting, 'dvc_alerting_sweeps_total', 'completed')) >= 1 ? true : undefined), 30_000, 'the start-up sweep');
  });

  afterAll(async () => {
    await stopAllServices();
    await sink.stop();
    await receiver.stop();
    await environment.cleanUp();
  });

  it('events tipping an agency below target through the real pipeline yield the e-mail without a sweep', async () => {
    // 71 dossiers, 1 online: 1.4% (Wilson upper bound ≈ 7.6%, below 10%): critical and warning, for the
    // agency and the agency × procedure, in both windows.
    const deliveries = [...Array.from({ length: 70 }, () => received('in_person')), received('online')];
    const producedAt = Date.now();
    await produceDeliveries(environment.topics.dossierEvents, deliveries, 2_000, environment.kafkaBrokers);
    await eventually(async () => (sink.to(RECIPIENT).length > 0 ? true : undefined), 30_000, 'the e-mail after the rate change');
    const latencyMs = Date.now() - producedAt;

    expect(await metric(alerting, 'dvc_alerting_sweeps_total', 'completed')).toBe(1);
    expect(await metric(alerting, 'dvc_alerting_change_evaluations_total', 'completed')).toBeGreaterThanOrEqual(1);
    expect(latencyMs).toBeLessThan(20_000);
    const alerts = await environment.query<{ procedure_code: string | null; window_kind: string; severity: string; status: string }>(
      `SELECT procedure_code, window_kind, severity, status FROM alerts WHERE agency_code = $1`,
      [AGENCY],
    );
    expect(alerts.map((a) => `${a.procedure_code ?? '*'} ${a.window_kind} ${a.severity} ${a.status}`).sort()).toEqual(
      ['*', '9.000001'].flatMap((p) => ['monthToDate', 'rolling30d'].flatMap((w) => ['critical', 'warning'].map((s) => `${p} ${w} ${s} firing`))).sort(),
    );
    const [mail] = sink.to(RECIPIENT);
    expect(mail.subject).toContain('UBND huyện Thử Nghiệm');
    expect(new Set(mail.alertIds).size).toBe(8);

    // More changes for the same agency: evaluated again, nothing new, no second e-mail.
    await produceDeliveries(environment.topics.dossierEvents, [received('in_person'), received('in_person')], 2_000, environment.kafkaBrokers);
    const before = await metric(alerting, 'dvc_alerting_change_evaluations_total', 'completed');
    await eventually(async () => ((await metric(alerting, 'dvc_alerting_change_evaluations_total', 'completed')) > before ? true : undefined), 30_000, 'a second change evaluation');
    await sleep(1_000);
    expect(sink.to(RECIPIENT)).toHaveLength(1);
    const [count] = await environment.query<{ n: string }>(`SELECT count(*) AS n FROM alerts WHERE agency_code = $1`, [AGENCY]);
    expect(Number(count.n)).toBe(8);
    console.log(`rate change → e-mail accepted: ${latencyMs} ms (sweep interval 24 h)`);
  });

  it('an acknowledgement made through the API is published to the alerts topic and the webhooks exactly once', async () => {
    const [alert] = await environment.query<{ id: string }>(
      `SELECT id FROM alerts WHERE agency_code = $1 AND procedure_code IS NULL AND window_kind = 'monthToDate' AND severity = 'critical'`,
      [AGENCY],
    );
    // What the API's acknowledge writes (services/api AlertsRepository.acknowledge).
    await environment.query(
      `WITH acknowledged AS (
         UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, acknowledge_comment = $3
         WHERE id = $1 AND status = 'firing' RETURNING id, acknowledged_at
       )
       INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, comment, details)
       SELECT id, acknowledged_at, 'firing', 'acknowledged', $2, $3, '{"source":"api"}'::jsonb FROM acknowledged`,
      [alert.id, 'chuyen-vien@rc1.test', 'Đã giao phòng chuyên môn xử lý'],
    );
    const ackCalls = () => receiver.accepted('/hook').filter((r) => r.headers['x-dvc-event'] === 'alert.acknowledged');

    // The next change evaluation announces it (the sweep would too).
    await produceDeliveries(environment.topics.dossierEvents, [received('in_person')], 2_000, environment.kafkaBrokers);
    await eventually(async () => (ackCalls().length > 0 ? true : undefined), 30_000, 'the acknowledgement webhook call');

    // Another instance sweeping every 700 ms, more change evaluations: still once.
    await alerting.stop();
    alerting = await new ServiceProcess('alerting', { ...serviceEnvironment, ALERT_SWEEP_INTERVAL_MS: '700', OUTBOX_POLL_INTERVAL_MS: '200' }).start();
    await eventually(async () => ((await metric(alerting, 'dvc_alerting_sweeps_total', 'completed')) >= 4 ? true : undefined), 30_000, 'four sweeps');
    await produceDeliveries(environment.topics.dossierEvents, [received('in_person')], 2_000, environment.kafkaBrokers);
    await eventually(async () => ((await metric(alerting, 'dvc_alerting_change_evaluations_total', 'completed')) >= 1 ? true : undefined), 30_000, 'a change evaluation');
    await eventually(
      async () => ((await environment.query(`SELECT 1 FROM notification_outbox WHERE status = 'pending'`)).length === 0 ? true : undefined),
      30_000,
      'the outbox to drain',
    );

    const events = await readAlertEvents();
    const acknowledged = events.filter((e) => e.type === 'alert.acknowledged');
    expect(acknowledged).toHaveLength(1);
    expect(acknowledged[0].alertId).toBe(alert.id);
    expect(ackCalls()).toHaveLength(1);
    const body = JSON.parse(ackCalls()[0].rawBody.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'alert.acknowledged', status: 'acknowledged', acknowledgedBy: 'chuyen-vien@rc1.test', acknowledgeComment: 'Đã giao phòng chuyên môn xử lý' });
    const rows = await environment.query<{ channel: string; status: string }>(
      `SELECT channel, status FROM notification_outbox WHERE event = 'acknowledge' ORDER BY channel`,
    );
    expect(rows).toEqual([
      { channel: 'kafka', status: 'sent' },
      { channel: 'webhook', status: 'sent' },
    ]);
    const [history] = await environment.query<{ announced: boolean }>(
      `SELECT announced_at IS NOT NULL AS announced FROM alert_history WHERE alert_id = $1 AND to_status = 'acknowledged'`,
      [alert.id],
    );
    expect(history.announced).toBe(true);
    // No e-mail for an acknowledgement.
    expect(sink.to(RECIPIENT)).toHaveLength(1);
  });
});

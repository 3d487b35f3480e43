import { vietnamToday } from '@dvc/domain';
import { fillRollUpsFromDays } from '@dvc/persistence';
import { kafkaClient } from '../support/infrastructure';
import { PrivateRedis } from '../support/private-redis';
import { eventually, ServiceProcess, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';
import { SmtpSink } from './smtp-sink';
import { WebhookReceiver } from './webhook-receiver';

/**
 * The alert lifecycle beyond opening and resolving, as real processes against real PostgreSQL and
 * Kafka, a real SMTP server, a real HTTP receiver and a PRIVATE redis-server (started here, killed
 * here; the machine's Redis is never touched): escalation to the parent agency, reminders, signed
 * webhooks, Alertmanager, silent sources, zero uptake, and Redis dying under two instances.
 *
 * Short delays by configuration: escalation after 6 s, reminders every 15 s, a source silent after 5 s
 * of working time, with working time made round-the-clock so that "now" always counts.
 *
 * The shared setup of test/alerting/lifecycle-notices, lifecycle-operator-alerts and lifecycle-redis-loss:
 * each spec file calls useAlertingLifecycle once, in its top-level describe, with its own name (its own
 * database, topics and Redis).
 */

export interface AlertRow {
  id: string;
  kind: string;
  agency_code: string | null;
  procedure_code: string | null;
  severity: string;
  status: string;
  escalated_at: Date | null;
  reminder_count: number;
}

export const SECRET = 'test-webhook-secret-0123456789';
const ESCALATE_AFTER_MS = 6_000;
const REMIND_EVERY_MS = 15_000;

/**
 * One spec file's world: a TestEnvironment named `name`, an SMTP sink, a webhook receiver, a private redis-server
 * and the alerting service, started by the beforeAll and stopped by the afterAll this registers.
 */
export function useAlertingLifecycle(name: string) {
  const environment = new TestEnvironment(name);
  const alertsTopic = `test.${name}.${environment.runId}.alerts`;
  const sink = new SmtpSink();
  const receiver = new WebhookReceiver();
  const today = vietnamToday(new Date());
  // Filled in by the beforeAll; the service reads its environment when it starts, so it can be created now.
  const serviceEnvironment: Record<string, string> = {};
  const alerting = new ServiceProcess('alerting', serviceEnvironment);
  const redis = new PrivateRedis();
  const killPrivateRedis = () => redis.kill();

  async function setBucket(agency: string, procedure: string, received: number, online: number): Promise<void> {
    await environment.query(
      `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (day, agency_code, procedure_code) DO UPDATE SET received = excluded.received, received_online = excluded.received_online`,
      [today, agency, procedure, received, online],
    );
    // The sweep reads whole months from the roll-ups, as the aggregator keeps them.
    await fillRollUpsFromDays(environment);
  }

  async function alertsOf(where: string, parameters: unknown[] = []): Promise<AlertRow[]> {
    return environment.query<AlertRow>(
      `SELECT id, kind, agency_code, procedure_code, severity, status, escalated_at, reminder_count FROM alerts WHERE ${where} ORDER BY id`,
      parameters,
    );
  }

  async function sweepCounts(services: ServiceProcess[]): Promise<number[]> {
    return Promise.all(
      services.map(async (service) => {
        if (!service.running) return 0;
        const text = await (await fetch(`${service.url}/metrics`)).text();
        const match = /^dvc_alerting_sweeps_total\{[^}]*outcome="completed"[^}]*\} (\d+)/m.exec(text);
        return match ? Number(match[1]) : 0;
      }),
    );
  }

  async function sweepsPass(services: ServiceProcess[], count = 2): Promise<void> {
    const total = async () => (await sweepCounts(services)).reduce((a, b) => a + b, 0);
    const start = await total();
    await eventually(async () => ((await total()) >= start + count ? true : undefined), 60_000, `${count} sweeps`);
  }

  const withSubject = (address: string, fragment: string) => sink.to(address).filter((m) => m.subject.includes(fragment));

  async function produceCanonical(source: string, id: string): Promise<void> {
    const producer = kafkaClient('dvc-test-producer', environment.kafkaBrokers).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const event = { id, source, type: 'vn.gov.dvc.dossier.received.v1', time: new Date().toISOString(), dossierCode: `D-${id}` };
      await producer.send({
        topic: environment.topics.canonicalEvents,
        acks: -1,
        messages: [{ key: `D-${id}`, value: JSON.stringify(event), headers: { 'dvc-ingested-at': String(Date.now()), 'dvc-ingest-channel': 'kafka' } }],
      });
    } finally {
      await producer.disconnect();
    }
  }

  beforeAll(async () => {
    await redis.start();
    await environment.prepare(1);
    await environment.createTopics([alertsTopic], 1);
    await sink.start();
    await receiver.start();
    Object.assign(serviceEnvironment, environment.serviceEnvironment({
      // The webhook receiver of this file listens on plain http on loopback: allowed here, refused by default.
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      REDIS_URL: redis.url,
      TOPIC_ALERTS: alertsTopic,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_TIMEOUT_MS: '60000',
      ALERT_FROM: 'DVC Monitor <canh-bao@dvc.test>',
      // One window: every alert of a scope opens in the same statement's snapshot.
      ALERT_WINDOWS: 'monthToDate',
      ALERT_SWEEP_INTERVAL_MS: '700',
      ALERT_LEADER_LOCK_KEY: `dvc:test:${name}:${environment.runId}`,
      ALERT_LEADER_LOCK_TTL_MS: '3000',
      OUTBOX_POLL_INTERVAL_MS: '200',
      OUTBOX_RETRY_BASE_MS: '300',
      ALERT_ESCALATE_AFTER_MS: String(ESCALATE_AFTER_MS),
      ALERT_REMIND_EVERY_MS: String(REMIND_EVERY_MS),
      ALERT_SOURCE_SILENT_AFTER_MS: '5000',
      ALERT_SOURCE_ACTIVITY_GROUP_ID: `alerting-sources.${environment.runId}`,
      ALERT_WORKING_DAYS: '1,2,3,4,5,6,7',
      ALERT_WORKING_WINDOWS: '00:00-24:00',
      ALERT_OPERATOR_EMAILS: 'ops@dvc.test',
      ALERT_ZERO_UPTAKE_MIN_DOSSIERS: '20',
      ALERT_ZERO_UPTAKE_WINDOW: 'monthToDate',
      ALERTMANAGER_URL: receiver.url,
      ALERTMANAGER_RESEND_MS: '1000',
    }));

    await environment.query(
      `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES
         ('E01', 'UBND tỉnh Cấp Trên', 'province', NULL, '2025-01-01T00:00:00Z', 'seed'),
         ('E02', 'UBND huyện Chậm', 'district', 'E01', '2025-01-01T00:00:00Z', 'seed'),
         ('E03', 'UBND huyện Đã Xác Nhận', 'district', 'E01', '2025-01-01T00:00:00Z', 'seed'),
         ('W01', 'Sở Webhook', 'department', NULL, '2025-01-01T00:00:00Z', 'seed'),
         ('Z01', 'Sở Không Trực Tuyến', 'department', NULL, '2025-01-01T00:00:00Z', 'seed'),
         ('R01', 'Sở Redis', 'department', NULL, '2025-01-01T00:00:00Z', 'seed')`,
    );
    await environment.query(
      `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id) VALUES
         ('P1', 'Cấp giấy phép xây dựng', 'Xây dựng', 'full', '2025-01-01T00:00:00Z', 'seed'),
         ('P2', 'Chứng thực bản sao', 'Chứng thực', 'partial', '2025-01-01T00:00:00Z', 'seed')`,
    );
    await environment.query(
      `INSERT INTO alert_recipients (agency_code, email) VALUES
         ('E01', 'boss@e01.test'), ('E02', 'staff@e02.test'), ('E03', 'staff@e03.test'),
         ('Z01', 'admin@z01.test'), ('R01', 'r1@r01.test'), ('R01', 'r2@r01.test')`,
    );
    await environment.query(
      `INSERT INTO webhook_endpoints (name, url, secret, agency_code) VALUES ('W01 receiver', $1, $2, 'W01')`,
      [`${receiver.url}/hook`, SECRET],
    );
    await alerting.start();
  });

  afterAll(async () => {
    await stopAllServices();
    await killPrivateRedis();
    await sink.stop();
    await receiver.stop();
    await environment.cleanUp();
  });

  return {
    environment,
    sink,
    receiver,
    alerting,
    /** The alerting service's environment, for a second instance. */
    serviceEnvironment,
    killPrivateRedis,
    setBucket,
    alertsOf,
    sweepCounts,
    sweepsPass,
    withSubject,
    produceCanonical,
  };
}

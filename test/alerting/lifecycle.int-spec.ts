import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { vietnamToday } from '@dvc/domain';
import { kafkaClient } from '../support/infrastructure';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';
import { SmtpSink } from './smtp-sink';
import { verifySignature, WebhookReceiver } from './webhook-receiver';
import { fillRollUpsFromDays } from '@dvc/persistence';

/**
 * The alert lifecycle beyond opening and resolving, as real processes against real PostgreSQL and
 * Kafka, a real SMTP server, a real HTTP receiver and a PRIVATE redis-server (started here, killed
 * here; the machine's Redis is never touched): escalation to the parent agency, reminders, signed
 * webhooks, Alertmanager, silent sources, zero uptake, and Redis dying under two instances.
 *
 * Short delays by configuration: escalation after 6 s, reminders every 15 s, a source silent after 5 s
 * of working time, with working time made round-the-clock so that "now" always counts.
 */

interface AlertRow {
  id: string;
  kind: string;
  agency_code: string | null;
  procedure_code: string | null;
  severity: string;
  status: string;
  escalated_at: Date | null;
  reminder_count: number;
}

const environment = new TestEnvironment('alerting-lifecycle');
const alertsTopic = `test.alerting-lifecycle.${environment.runId}.alerts`;
const sink = new SmtpSink();
const receiver = new WebhookReceiver();
const today = vietnamToday(new Date());
const SECRET = 'test-webhook-secret-0123456789';
const ESCALATE_AFTER_MS = 6_000;
const REMIND_EVERY_MS = 15_000;
let serviceEnvironment: Record<string, string>;
let redisServer: ChildProcess | null = null;
let redisPort = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startPrivateRedis(): Promise<void> {
  redisPort = await freePort();
  redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await eventually(
    async () => {
      const redis = new Redis({ port: redisPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await redis.connect();
        return (await redis.ping()) === 'PONG' ? true : undefined;
      } finally {
        redis.disconnect();
      }
    },
    10_000,
    'the private redis-server',
  );
}

async function killPrivateRedis(): Promise<void> {
  const child = redisServer;
  redisServer = null;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

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

describe('alerting lifecycle: escalation, reminders, webhooks, silent sources, zero uptake, Redis loss', () => {
  let alerting: ServiceProcess;

  beforeAll(async () => {
    await startPrivateRedis();
    await environment.prepare(1);
    await environment.createTopics([alertsTopic], 1);
    await sink.start();
    await receiver.start();
    serviceEnvironment = environment.serviceEnvironment({
      // The webhook receiver of this file listens on plain http on loopback: allowed here, refused by default.
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
      TOPIC_ALERTS: alertsTopic,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_TIMEOUT_MS: '60000',
      ALERT_FROM: 'DVC Monitor <canh-bao@dvc.test>',
      // One window: every alert of a scope opens in the same statement's snapshot.
      ALERT_WINDOWS: 'monthToDate',
      ALERT_SWEEP_INTERVAL_MS: '700',
      ALERT_LEADER_LOCK_KEY: `dvc:test:alerting-lifecycle:${environment.runId}`,
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
    });

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
    alerting = await new ServiceProcess('alerting', serviceEnvironment).start();
  });

  afterAll(async () => {
    await stopAllServices();
    await killPrivateRedis();
    await sink.stop();
    await receiver.stop();
    await environment.cleanUp();
  });

  it('escalates an unacknowledged alert once to the parent agency, never an acknowledged one; reminds while firing', async () => {
    await setBucket('E02', 'P1', 100, 2);
    await setBucket('E03', 'P1', 100, 2);
    // E03's administrators acknowledge at once (as the API does: firing → acknowledged).
    await eventually(async () => ((await alertsOf(`agency_code = 'E03'`)).length === 4 ? true : undefined), 20_000, 'E03 alerts');
    await environment.query(
      `WITH acked AS (
         UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = 'staff@e03.test', acknowledge_comment = 'đang xử lý'
         WHERE agency_code = 'E03' AND status = 'firing' RETURNING id)
       INSERT INTO alert_history (alert_id, from_status, to_status, actor, comment) SELECT id, 'firing', 'acknowledged', 'staff@e03.test', 'đang xử lý' FROM acked`,
    );
    const e02 = await alertsOf(`agency_code = 'E02'`);
    expect(e02).toHaveLength(4);
    const e03 = await alertsOf(`agency_code = 'E03'`);
    expect(e03.every((a) => a.status === 'acknowledged' && a.escalated_at === null)).toBe(true);

    await eventually(async () => (withSubject('boss@e01.test', 'Chuyển cấp trên').length > 0 ? true : undefined), 30_000, 'the escalation e-mail');
    await sweepsPass([alerting], 4);
    const escalations = withSubject('boss@e01.test', 'Chuyển cấp trên');
    expect(escalations).toHaveLength(1);
    expect(new Set(escalations[0].alertIds)).toEqual(new Set(e02.map((a) => a.id)));
    expect(escalations[0].subject).toContain('UBND huyện Chậm');
    expect(escalations[0].text).toContain('Kính gửi quản trị viên của UBND tỉnh Cấp Trên');
    expect(escalations[0].text).toContain('Hồ sơ tiếp nhận: 100; trực tuyến: 2');
    expect((await alertsOf(`agency_code = 'E02'`)).every((a) => a.escalated_at !== null && a.status === 'firing')).toBe(true);
    expect((await alertsOf(`agency_code = 'E03'`)).every((a) => a.escalated_at === null)).toBe(true);
    // The staff of E02 had their one opening e-mail, not the escalation.
    expect(withSubject('staff@e02.test', 'Cảnh báo:')).toHaveLength(1);
    expect(withSubject('staff@e02.test', 'Chuyển cấp trên')).toHaveLength(0);
    const history = await environment.query<{ n: string }>(
      `SELECT count(*) AS n FROM alert_history h JOIN alerts a ON a.id = h.alert_id WHERE a.agency_code = 'E02' AND h.details->>'event' = 'escalation'`,
    );
    expect(Number(history[0].n)).toBe(4);
    const kafkaEscalations = await environment.query<{ agency: string }>(
      `SELECT payload->>'agencyCode' AS agency FROM notification_outbox WHERE channel = 'kafka' AND event = 'escalation' AND payload->>'agencyCode' IN ('E02', 'E03')`,
    );
    expect(kafkaEscalations.map((r) => r.agency)).toEqual(['E02', 'E02', 'E02', 'E02']);

    // Reminders: after REMIND_EVERY_MS the firing alerts remind their agency (and, escalated, the parent);
    // the acknowledged ones do not.
    await eventually(async () => (withSubject('staff@e02.test', 'Nhắc lại').length > 0 ? true : undefined), 40_000, 'a reminder');
    await sweepsPass([alerting], 3);
    const counts = new Set((await alertsOf(`agency_code = 'E02'`)).map((a) => a.reminder_count));
    expect(counts.size).toBe(1);
    const [reminders] = [...counts];
    expect(reminders).toBeGreaterThanOrEqual(1);
    expect(withSubject('staff@e02.test', 'Nhắc lại')).toHaveLength(reminders);
    expect(withSubject('boss@e01.test', 'Nhắc lại')).toHaveLength(reminders);
    expect(withSubject('staff@e03.test', 'Nhắc lại')).toHaveLength(0);
    expect(sink.to('staff@e03.test')).toHaveLength(1);
    expect((await alertsOf(`agency_code = 'E03'`)).every((a) => a.reminder_count === 0)).toBe(true);
  });

  it('delivers signed webhooks on open and resolve, retrying a failure; a tampered body fails verification; pushes Alertmanager', async () => {
    receiver.failNext(1);
    await setBucket('W01', 'P1', 100, 2);
    const opened = async () => receiver.accepted('/hook').filter((r) => r.headers['x-dvc-event'] === 'alert.opened');
    await eventually(async () => ((await opened()).length >= 4 ? true : undefined), 30_000, 'four opening webhooks');
    const alerts = await alertsOf(`agency_code = 'W01'`);
    expect(alerts).toHaveLength(4);

    for (const request of await opened()) {
      expect(verifySignature(SECRET, request.headers, request.rawBody)).toBe(true);
      expect(String(request.headers['x-dvc-signature'])).toMatch(/^sha256=[0-9a-f]{64}$/);
      const body = JSON.parse(request.rawBody.toString('utf8')) as { eventId: string; type: string; alertId: string; agencyCode: string; kind: string };
      expect(body).toMatchObject({ type: 'alert.opened', agencyCode: 'W01', kind: 'belowTarget' });
      expect(request.headers['x-dvc-event-id']).toBe(body.eventId);
      // Tampering with one byte, the wrong secret, or a stale timestamp: refused.
      const tampered = Buffer.from(request.rawBody);
      tampered[tampered.length - 2] ^= 1;
      expect(verifySignature(SECRET, request.headers, tampered)).toBe(false);
      expect(verifySignature('another-secret-0123456789', request.headers, request.rawBody)).toBe(false);
      expect(verifySignature(SECRET, request.headers, request.rawBody, 300, Date.now() / 1000 + 3600)).toBe(false);
    }
    const openIds = (await opened()).map((r) => (JSON.parse(r.rawBody.toString('utf8')) as { alertId: string }).alertId).sort();
    expect(openIds).toEqual(alerts.map((a) => a.id).sort());
    // The refused first attempt was retried with backoff.
    expect(receiver.received.filter((r) => r.path === '/hook' && r.status === 500)).toHaveLength(1);
    const rows = await environment.query<{ attempts: number; status: string }>(
      `SELECT attempts, status FROM notification_outbox WHERE channel = 'webhook' AND event = 'open' ORDER BY attempts`,
    );
    expect(rows.map((r) => `${r.status} ${r.attempts}`)).toEqual(['sent 1', 'sent 1', 'sent 1', 'sent 2']);
    // No other agency's alert reached this W01-scoped endpoint.
    expect(receiver.accepted('/hook').every((r) => (JSON.parse(r.rawBody.toString('utf8')) as { agencyCode: string }).agencyCode === 'W01')).toBe(true);

    // Alertmanager: firing alerts with their labels.
    await eventually(
      async () => (receiver.accepted('/api/v2/alerts').some((r) => r.rawBody.toString().includes('"agency":"W01"')) ? true : undefined),
      20_000,
      'an Alertmanager push with W01',
    );
    const push = JSON.parse(receiver.accepted('/api/v2/alerts').at(-1)!.rawBody.toString('utf8')) as Array<{ labels: Record<string, string>; endsAt: string }>;
    const w01 = push.filter((a) => a.labels.agency === 'W01');
    expect(w01.map((a) => `${a.labels.procedure ?? '*'} ${a.labels.severity} ${a.labels.metric}`).sort()).toEqual([
      '* critical onlineRate',
      '* warning onlineRate',
      'P1 critical onlineRate',
      'P1 warning onlineRate',
    ]);
    expect(w01.every((a) => Date.parse(a.endsAt) > Date.now())).toBe(true);

    // Recovery: four resolve webhooks, signed; Alertmanager gets endsAt in the past.
    await setBucket('W01', 'P1', 100, 80);
    const resolvedHooks = () => receiver.accepted('/hook').filter((r) => r.headers['x-dvc-event'] === 'alert.resolved');
    await eventually(async () => (resolvedHooks().length >= 4 ? true : undefined), 30_000, 'four resolve webhooks');
    expect(resolvedHooks().every((r) => verifySignature(SECRET, r.headers, r.rawBody))).toBe(true);
    await sweepsPass([alerting], 3);
    expect(resolvedHooks()).toHaveLength(4);
    await eventually(
      async () =>
        receiver.accepted('/api/v2/alerts').some((push) => {
          const w = (JSON.parse(push.rawBody.toString('utf8')) as Array<{ labels: Record<string, string>; endsAt: string }>).filter((a) => a.labels.agency === 'W01');
          return w.length === 4 && w.every((a) => Date.parse(a.endsAt) <= Date.now());
        })
          ? true
          : undefined,
      20_000,
      'resolved W01 alerts pushed to Alertmanager with endsAt',
    );
  });

  it('a source silent for the configured working time raises an operator alert, resolved when events return', async () => {
    const source = `urn:dvc:test:silent:${environment.runId}`;
    await produceCanonical(source, 'first');
    await eventually(
      async () => ((await environment.query(`SELECT 1 FROM source_activity WHERE source_uri = $1`, [source])).length === 1 ? true : undefined),
      30_000,
      'the source to be recorded',
    );
    expect(await alertsOf(`kind = 'silentSource'`)).toEqual([]);
    await eventually(async () => (withSubject('ops@dvc.test', 'ngừng gửi sự kiện').length > 0 ? true : undefined), 30_000, 'the silent-source e-mail');
    const [silent] = await alertsOf(`kind = 'silentSource' AND source_uri = $1`, [source]);
    expect(silent).toMatchObject({ status: 'firing', severity: 'critical', agency_code: null });
    const [evaluation] = await environment.query<{ silent_ms: number }>(`SELECT (last_evaluation->>'workingTimeSilentMs')::int AS silent_ms FROM alerts WHERE id = $1`, [silent.id]);
    expect(evaluation.silent_ms).toBeGreaterThanOrEqual(5000);
    expect(withSubject('ops@dvc.test', 'ngừng gửi sự kiện')[0].text).toContain(source);

    await produceCanonical(source, 'second');
    await eventually(async () => (withSubject('ops@dvc.test', 'đã gửi sự kiện trở lại').length > 0 ? true : undefined), 30_000, 'the resolve e-mail');
    await sweepsPass([alerting], 2);
    expect((await alertsOf(`id = $1`, [silent.id]))[0].status).toBe('resolved');
    expect(withSubject('ops@dvc.test', 'ngừng gửi sự kiện')).toHaveLength(1);
    expect(withSubject('ops@dvc.test', 'đã gửi sự kiện trở lại')).toHaveLength(1);
    // Silent-source alerts are operator alerts: never escalated to an agency.
    expect((await alertsOf(`kind = 'silentSource'`)).every((a) => a.escalated_at === null)).toBe(true);
  });

  it('an online procedure with dossiers but none online raises a zero-uptake alert, resolved by the first online dossier', async () => {
    await setBucket('Z01', 'P2', 25, 0);
    await setBucket('Z01', 'P1', 19, 0); // below the minimum: no zero-uptake alert
    await eventually(async () => (withSubject('admin@z01.test', 'Cảnh báo: 1 thủ tục trực tuyến').length > 0 ? true : undefined), 30_000, 'the zero-uptake e-mail');
    await sweepsPass([alerting], 2);
    const zero = await alertsOf(`kind = 'zeroUptake'`);
    expect(zero.map((a) => `${a.agency_code} ${a.procedure_code} ${a.status}`)).toEqual(['Z01 P2 firing']);
    const [mail] = withSubject('admin@z01.test', 'Cảnh báo: 1 thủ tục trực tuyến');
    expect(mail.text).toContain('Chứng thực bản sao (P2), trực tuyến một phần: 25 hồ sơ, 0 trực tuyến');

    await setBucket('Z01', 'P2', 26, 1);
    await eventually(async () => (withSubject('admin@z01.test', 'đã có hồ sơ nộp trực tuyến').length > 0 ? true : undefined), 30_000, 'the zero-uptake resolve e-mail');
    await sweepsPass([alerting], 2);
    expect((await alertsOf(`kind = 'zeroUptake'`)).map((a) => a.status)).toEqual(['resolved']);
    expect(withSubject('admin@z01.test', 'Cảnh báo: 1 thủ tục trực tuyến')).toHaveLength(1);
    expect(withSubject('admin@z01.test', 'đã có hồ sơ nộp trực tuyến')).toHaveLength(1);
  });

  it('Redis killed under two instances still yields exactly one e-mail per recipient', async () => {
    const second = await new ServiceProcess('alerting', serviceEnvironment).start();
    await sweepsPass([alerting, second], 2);
    await killPrivateRedis();
    // Without Redis both instances sweep (only PostgreSQL's guard stands between them).
    const before = await sweepCounts([alerting, second]);
    await eventually(
      async () => {
        const now = await sweepCounts([alerting, second]);
        return now[0] > before[0] + 1 && now[1] > before[1] + 1 ? true : undefined;
      },
      30_000,
      'both instances sweeping without Redis',
    );
    await setBucket('R01', 'P1', 100, 2);
    await eventually(async () => (sink.to('r1@r01.test').length > 0 && sink.to('r2@r01.test').length > 0 ? true : undefined), 30_000, 'R01 e-mails');
    await sweepsPass([alerting, second], 8);
    for (const address of ['r1@r01.test', 'r2@r01.test']) {
      expect(withSubject(address, 'Cảnh báo:')).toHaveLength(1);
    }
    expect((await alertsOf(`agency_code = 'R01'`)).map((a) => `${a.procedure_code ?? '*'} ${a.severity} ${a.status}`).sort()).toEqual([
      '* critical firing',
      '* warning firing',
      'P1 critical firing',
      'P1 warning firing',
    ]);
    const duplicates = await environment.query(`SELECT dedupe_key FROM notification_outbox GROUP BY dedupe_key HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
    await sleep(100);
    await second.stop();
  });
});

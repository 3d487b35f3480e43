import { addDays, formatDay, monthEndLookAhead, vietnamToday, type MonthEndLookAhead } from '@dvc/domain';
import { lookAheadVi } from '../../services/alerting/src/notifications/email-templates';
import { kafkaClient } from '../support/infrastructure';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';
import { SmtpSink } from './smtp-sink';
import { fillRollUpsFromDays } from '@dvc/persistence';

/**
 * The alerting service as a real process against real PostgreSQL, Redis, Kafka and a real SMTP server
 * (smtp-server) started here. Rates are seeded straight into daily_buckets: what is under test is the
 * evaluation, the lifecycle and the notifications, not the pipeline that fills the buckets.
 *
 * Defaults apply: critical below 10%, warning below 50% (seeded by the targets migration), at least 30
 * dossiers, resolve at threshold + 5 points, windows month-to-date and rolling 30 days.
 */

interface AlertRow {
  id: string;
  agency_code: string;
  procedure_code: string | null;
  window_kind: string;
  severity: string;
  status: string;
}

const environment = new TestEnvironment('alerting');
const alertsTopic = `test.alerting.${environment.runId}.alerts`;
const sink = new SmtpSink();
const today = vietnamToday(new Date());
const fortyDaysAgo = shiftDay(today, -40);
let serviceEnvironment: Record<string, string>;

function shiftDay(day: string, days: number): string {
  return formatDay(addDays({ year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8, 10)) }, days));
}

async function setBucket(agency: string, procedure: string, day: string, received: number, online: number): Promise<void> {
  await environment.query(
    `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (day, agency_code, procedure_code) DO UPDATE SET received = excluded.received, received_online = excluded.received_online`,
    [day, agency, procedure, received, online],
  );
  // The sweep reads whole months from the roll-ups, as the aggregator keeps them.
  await fillRollUpsFromDays(environment);
}

async function alertsOf(agency: string): Promise<AlertRow[]> {
  return environment.query<AlertRow>(
    `SELECT id, agency_code, procedure_code, window_kind, severity, status FROM alerts WHERE agency_code = $1
     ORDER BY coalesce(procedure_code, ''), window_kind, severity`,
    [agency],
  );
}

/** "(procedure or *) window severity status", sorted: what an alert list means, without ids. */
function summary(rows: AlertRow[]): string[] {
  return rows.map((r) => `${r.procedure_code ?? '*'} ${r.window_kind} ${r.severity} ${r.status}`).sort();
}

async function completedSweeps(services: ServiceProcess[]): Promise<number> {
  let total = 0;
  for (const service of services) {
    if (!service.running) continue;
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const match = /^dvc_alerting_sweeps_total\{[^}]*outcome="completed"[^}]*\} (\d+)/m.exec(text);
    total += match ? Number(match[1]) : 0;
  }
  return total;
}

/** Waits until `count` more sweeps completed (over all given instances) than when called. */
async function sweepsPass(services: ServiceProcess[], count = 2): Promise<void> {
  const start = await completedSweeps(services);
  await eventually(async () => ((await completedSweeps(services)) >= start + count ? true : undefined), 60_000, `${count} sweeps`);
}

async function pendingNotifications(): Promise<number> {
  const [row] = await environment.query<{ n: string }>(`SELECT count(*) AS n FROM notification_outbox WHERE status = 'pending'`);
  return Number(row.n);
}

const allWindows = (items: string[]) => items.flatMap((item) => ['monthToDate', 'rolling30d'].map((w) => item.replace('{w}', w))).sort();

describe('alerting: targets → alerts → e-mails, exactly once', () => {
  let alerting: ServiceProcess;

  beforeAll(async () => {
    await environment.prepare(1);
    await environment.createTopics([alertsTopic], 2);
    await sink.start();
    serviceEnvironment = environment.serviceEnvironment({
      TOPIC_ALERTS: alertsTopic,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_TIMEOUT_MS: '60000',
      ALERT_FROM: 'DVC Monitor <canh-bao@dvc.test>',
      ALERT_SWEEP_INTERVAL_MS: '700',
      ALERT_LEADER_LOCK_KEY: `dvc:test:alerting:${environment.runId}`,
      ALERT_LEADER_LOCK_TTL_MS: '3000',
      OUTBOX_POLL_INTERVAL_MS: '200',
      OUTBOX_RETRY_BASE_MS: '200',
    });

    await environment.query(
      `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES
         ('T01', 'UBND tỉnh Thử Nghiệm', 'province', NULL, '2025-01-01T00:00:00Z', 'seed'),
         ('T02', 'UBND huyện Nhỏ', 'district', 'T01', '2025-01-01T00:00:00Z', 'seed'),
         ('T03', 'Sở Tư pháp', 'department', 'T01', '2025-01-01T00:00:00Z', 'seed'),
         ('T04', 'Sở Xây dựng', 'department', 'T01', '2025-01-01T00:00:00Z', 'seed'),
         ('T05', 'Sở Y tế', 'department', 'T01', '2025-01-01T00:00:00Z', 'seed')`,
    );
    await environment.query(
      `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id) VALUES
         ('P1', 'Cấp giấy phép xây dựng', 'Xây dựng', 'full', '2025-01-01T00:00:00Z', 'seed'),
         ('P2', 'Đăng ký kết hôn', 'Hộ tịch', 'full', '2025-01-01T00:00:00Z', 'seed'),
         ('P3', 'Chứng thực bản sao', 'Chứng thực', 'partial', '2025-01-01T00:00:00Z', 'seed')`,
    );
    await environment.query(
      `INSERT INTO alert_recipients (agency_code, email, name) VALUES
         ('T01', 'lanh-dao@t01.test', 'Lãnh đạo tỉnh'), ('T01', 'van-phong@t01.test', 'Văn phòng UBND'),
         ('T02', 'huyen@t02.test', NULL), ('T03', 'so-tu-phap@t03.test', NULL), ('T04', 'so-xay-dung@t04.test', NULL),
         ('T05', 'giam-doc@t05.test', NULL), ('T05', 'pho-giam-doc@t05.test', NULL)`,
    );
    // T01: P1 2 of 100 (upper bound ≈ 7%: critical and warning), P2 30 of 60 (at 50%: nothing),
    // P3 10 of 40 (upper ≈ 40%: warning); the agency 42 of 200 (upper ≈ 27%: warning only).
    await setBucket('T01', 'P1', today, 100, 2);
    await setBucket('T01', 'P2', today, 60, 30);
    await setBucket('T01', 'P3', today, 40, 10);
    await setBucket('T01', 'P1', fortyDaysAgo, 100, 20); // the previous rolling window, for the trend
    // T02: 0 of 2, far below every target but proves nothing.
    await setBucket('T02', 'P1', today, 2, 0);
    // T03: 120 of 300 = 40% (upper ≈ 45.6%): warning.
    await setBucket('T03', 'P1', today, 300, 120);

    alerting = await new ServiceProcess('alerting', serviceEnvironment).start();
  });

  afterAll(async () => {
    await stopAllServices();
    await sink.stop();
    await environment.cleanUp();
  });

  it('a province below target gets exactly the expected alerts and one e-mail per recipient', async () => {
    const expected = allWindows(['* {w} warning firing', 'P1 {w} critical firing', 'P1 {w} warning firing', 'P3 {w} warning firing']);
    await eventually(async () => ((await alertsOf('T01')).length >= expected.length ? true : undefined), 30_000, 'T01 alerts');
    await eventually(async () => (sink.to('van-phong@t01.test').length > 0 && sink.to('lanh-dao@t01.test').length > 0 ? true : undefined), 30_000, 'T01 e-mails');
    await sweepsPass([alerting], 3);

    expect(summary(await alertsOf('T01'))).toEqual(expected);
    for (const address of ['lanh-dao@t01.test', 'van-phong@t01.test']) {
      const mails = sink.to(address);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      expect(mail.subject).toBe('[DVC] Cảnh báo: tỷ lệ nộp hồ sơ trực tuyến của UBND tỉnh Thử Nghiệm dưới mục tiêu');
      expect(new Set(mail.alertIds)).toEqual(new Set((await alertsOf('T01')).map((a) => a.id)));
      // The numbers, the target and the rule, the trend and the procedures pulling the rate down.
      expect(mail.text).toContain('Hồ sơ tiếp nhận: 200; trực tuyến: 42; tỷ lệ: 21,0%');
      expect(mail.text).toContain('Mục tiêu: không dưới 50,0%; quy tắc áp dụng: mặc định cho mọi cơ quan');
      expect(mail.text).toMatch(/Xu hướng so với kỳ trước \([^)]*\): 20,0% → 2,0% \(giảm 18,0 điểm phần trăm\)/);
      expect(mail.text).toMatch(/Các thủ tục kéo tỷ lệ xuống nhiều nhất:\n {5}1\. Cấp giấy phép xây dựng \(P1\): 2\/100 = 2,0%; thiếu 48 hồ sơ/);
      expect(mail.text.indexOf('Kính gửi')).toBeLessThan(mail.text.indexOf('---- English ----'));
      expect(mail.text).toContain('Dossiers received: 200; online: 42; rate: 21.0%');
      // The month-to-date alert looks ahead to the month end from its own window's numbers, and says so in the mail.
      const [monthToDate] = await environment.query<{ explanation: { lookAhead: MonthEndLookAhead }; evaluation: { window: { firstDay: string; lastDay: string }; trials: number; successes: number } }>(
        `SELECT explanation, last_evaluation AS evaluation FROM alerts WHERE agency_code = 'T01' AND procedure_code IS NULL AND window_kind = 'monthToDate' AND severity = 'warning'`,
      );
      const { window, trials, successes } = monthToDate.evaluation;
      expect(monthToDate.explanation.lookAhead).toEqual(monthEndLookAhead(window, trials, successes, 0.5));
      expect(mail.text).toContain(lookAheadVi(monthToDate.explanation.lookAhead, 0.5));
      expect(mail.text).toContain('Dự báo: ');
    }
    // The Vietnamese subject survives real SMTP with no other e-mail for the province.
    expect(sink.accepted.filter((m) => m.to.some((t) => t.endsWith('@t01.test')))).toHaveLength(2);
  });

  it('a small sample (0 of 2) does not alert', async () => {
    await sweepsPass([alerting], 2);
    expect(await alertsOf('T02')).toEqual([]);
    expect(sink.to('huyen@t02.test')).toEqual([]);
  });

  it('a rate hovering at the line does not flap; a clear recovery resolves and sends one resolve e-mail', async () => {
    const firing = allWindows(['* {w} warning firing', 'P1 {w} warning firing']);
    await eventually(async () => (sink.to('so-tu-phap@t03.test').length === 1 ? true : undefined), 30_000, 'T03 opening e-mail');
    expect(summary(await alertsOf('T03'))).toEqual(firing);

    // 52%, 49%, 53.3%: around the 50% target, always below 55% (target + margin).
    for (const online of [156, 147, 160]) {
      await setBucket('T03', 'P1', today, 300, online);
      await sweepsPass([alerting], 2);
      expect(summary(await alertsOf('T03'))).toEqual(firing);
    }
    const [history] = await environment.query<{ n: string }>(
      `SELECT count(*) AS n FROM alert_history h JOIN alerts a ON a.id = h.alert_id WHERE a.agency_code = 'T03'`,
    );
    expect(Number(history.n)).toBe(4);
    expect(sink.to('so-tu-phap@t03.test')).toHaveLength(1);
    const [evaluation] = await environment.query<{ rate: number }>(
      `SELECT (last_evaluation->>'rate')::float8 AS rate FROM alerts WHERE agency_code = 'T03' AND procedure_code IS NULL AND window_kind = 'monthToDate'`,
    );
    expect(evaluation.rate).toBeCloseTo(160 / 300, 10);

    // 60%: clearly recovered.
    await setBucket('T03', 'P1', today, 300, 180);
    await eventually(async () => (sink.to('so-tu-phap@t03.test').length >= 2 ? true : undefined), 30_000, 'T03 resolve e-mail');
    await sweepsPass([alerting], 2);
    expect(summary(await alertsOf('T03'))).toEqual(allWindows(['* {w} warning resolved', 'P1 {w} warning resolved']));
    const mails = sink.to('so-tu-phap@t03.test');
    expect(mails).toHaveLength(2);
    expect(mails[1].subject).toBe('[DVC] Đã hết cảnh báo: tỷ lệ nộp hồ sơ trực tuyến của Sở Tư pháp đã trở lại mục tiêu');
    expect(mails[1].text).toContain('tỷ lệ: 60,0%');
    const transitions = await environment.query<{ from_status: string | null; to_status: string }>(
      `SELECT h.from_status, h.to_status FROM alert_history h JOIN alerts a ON a.id = h.alert_id WHERE a.agency_code = 'T03' ORDER BY h.id`,
    );
    expect(transitions.map((t) => `${t.from_status}→${t.to_status}`)).toEqual([
      ...Array(4).fill('null→firing'),
      ...Array(4).fill('firing→resolved'),
    ]);
  });

  it('SIGKILL between the decision and the send still yields exactly one e-mail', async () => {
    sink.holdNext((to) => to.includes('so-xay-dung@t04.test'));
    await setBucket('T04', 'P1', today, 100, 2);
    // The alert is decided and its e-mail is being sent; the SMTP server has not answered.
    await eventually(async () => (sink.holding ? true : undefined), 30_000, 'the T04 e-mail to reach the SMTP server');
    const [decided] = await environment.query<{ n: string }>(`SELECT count(*) AS n FROM alerts WHERE agency_code = 'T04'`);
    expect(Number(decided.n)).toBe(8);
    await alerting.kill();
    sink.release(new Error('sender gone'));
    expect(sink.to('so-xay-dung@t04.test')).toHaveLength(0);

    alerting = await new ServiceProcess('alerting', serviceEnvironment).start();
    await eventually(async () => (sink.to('so-xay-dung@t04.test').length > 0 ? true : undefined), 30_000, 'the T04 e-mail after restart');
    await sweepsPass([alerting], 3);
    expect(sink.to('so-xay-dung@t04.test')).toHaveLength(1);
    expect(await alertsOf('T04')).toHaveLength(8);
    const rows = await environment.query<{ status: string; attempts: number }>(
      `SELECT status, attempts FROM notification_outbox WHERE channel = 'email' AND recipient = 'so-xay-dung@t04.test'`,
    );
    expect(rows).toEqual([{ status: 'sent', attempts: 1 }]);
  });

  it('two instances, one without the Redis lock, still send one e-mail per recipient', async () => {
    // The second instance ignores the Redis lock, so both sweep: only PostgreSQL's guard stands between them.
    const second = await new ServiceProcess('alerting', { ...serviceEnvironment, ALERT_LEADER_LOCK_ENABLED: 'false' }).start();
    await sweepsPass([second], 2);
    await setBucket('T05', 'P1', today, 100, 2);
    await eventually(async () => (sink.to('giam-doc@t05.test').length > 0 && sink.to('pho-giam-doc@t05.test').length > 0 ? true : undefined), 30_000, 'T05 e-mails');
    await sweepsPass([alerting, second], 6);
    expect(sink.to('giam-doc@t05.test')).toHaveLength(1);
    expect(sink.to('pho-giam-doc@t05.test')).toHaveLength(1);
    expect(summary(await alertsOf('T05'))).toEqual(
      allWindows(['* {w} critical firing', '* {w} warning firing', 'P1 {w} critical firing', 'P1 {w} warning firing']),
    );
    await second.stop();
  });

  it('publishes every lifecycle change to the alerts topic and leaves nothing pending', async () => {
    await eventually(async () => ((await pendingNotifications()) === 0 ? true : undefined), 30_000, 'the outbox to drain');
    const alerts = await environment.query<{ id: string; status: string }>(`SELECT id, status FROM alerts`);
    const expected = new Set(alerts.flatMap((a) => (a.status === 'resolved' ? [`${a.id}:open`, `${a.id}:resolve`] : [`${a.id}:open`])));
    const seen = new Set<string>();
    const wrongKeys: string[] = [];
    const consumer = kafkaClient('dvc-test', environment.kafkaBrokers).consumer({ groupId: `alerts-check.${environment.runId}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: alertsTopic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const event = JSON.parse(message.value!.toString('utf8')) as { eventId: string; alertId: string };
          if (message.key?.toString() !== event.alertId) wrongKeys.push(event.eventId);
          seen.add(event.eventId);
        },
      });
      await eventually(async () => (seen.size >= expected.size ? true : undefined), 30_000, 'every lifecycle event on Kafka');
      await sleep(500);
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toEqual(expected);
    expect(wrongKeys).toEqual([]);
    // Every e-mail and Kafka row sent, none failed; T02 never had one.
    const outcomes = await environment.query<{ channel: string; status: string; n: string }>(
      `SELECT channel, status, count(*) AS n FROM notification_outbox GROUP BY channel, status ORDER BY channel, status`,
    );
    expect(outcomes.map((o) => `${o.channel} ${o.status} ${o.n}`)).toEqual([`email sent 7`, `kafka sent ${expected.size}`]);
    expect(sink.accepted).toHaveLength(7);
  });
});

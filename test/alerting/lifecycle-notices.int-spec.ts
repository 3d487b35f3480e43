import { eventually } from '../support/service-process';
import { SECRET, useAlertingLifecycle } from './lifecycle-harness';
import { verifySignature } from './webhook-receiver';

/**
 * Notices of agency alerts after opening: escalation to the parent agency and reminders, signed webhooks with
 * retries, and Alertmanager. Real processes, as set up by ./lifecycle-harness.ts (its doc says what runs and
 * with which delays).
 */

describe('alerting lifecycle: escalation, reminders, signed webhooks, Alertmanager', () => {
  const { alerting, alertsOf, environment, receiver, setBucket, sink, sweepsPass, withSubject } = useAlertingLifecycle('alerting-lifecycle-notices');

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
});

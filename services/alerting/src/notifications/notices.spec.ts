import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AgencyInfo } from '../evaluation/sweep-plan';
import { acknowledgementEntries, AlertRecord, noticeEntries, NoticeInputs } from './notices';
import { toAlertmanager } from './alertmanager';
import { webhookSignature } from './senders';
import type { EmailPayload, WebhookPayload } from './outbox-payloads';

const agencies = new Map<string, AgencyInfo>([
  ['P', { code: 'P', name: 'UBND tỉnh', level: 'province', parentCode: null }],
  ['C', { code: 'C', name: 'UBND huyện', level: 'district', parentCode: 'P' }],
  ['O', { code: 'O', name: 'Sở khác', level: 'department', parentCode: null }],
]);
const alert: AlertRecord = {
  id: '11111111-1111-1111-1111-111111111111',
  kind: 'belowTarget',
  targetId: '22222222-2222-2222-2222-222222222222',
  agencyCode: 'C',
  procedureCode: null,
  windowKind: 'monthToDate',
  metric: 'onlineRate',
  severity: 'warning',
  threshold: 0.5,
  status: 'firing',
  openedAt: '2025-06-01T00:00:00.000Z',
  sourceUri: null,
  reminderCount: 2,
  escalatedAt: '2025-06-02T00:00:00.000Z',
  resolveReason: null,
  lastEvaluation: { trials: 100, successes: 2, rate: 0.02, interval: [0.005, 0.07], resolveAt: 0.55, threshold: 0.5 },
  explanation: null,
};
const inputs = (event: NoticeInputs['event'], extra: Partial<NoticeInputs> = {}): NoticeInputs => ({
  event,
  alerts: [alert],
  agencies,
  recipients: new Map([
    ['C', [{ agencyCode: 'C', email: 'c@x.test', name: null }]],
    ['P', [{ agencyCode: 'P', email: 'p@x.test', name: null }, { agencyCode: 'P', email: 'C@x.test', name: null }]],
  ]),
  operatorEmails: ['ops@x.test'],
  webhooks: [
    { id: 'w-all', url: 'http://all.test/hook', agencyCode: null },
    { id: 'w-p', url: 'http://p.test/hook', agencyCode: 'P' },
    { id: 'w-o', url: 'http://o.test/hook', agencyCode: 'O' },
  ],
  alertsTopic: 'dvc.alerts.v1',
  at: '2025-06-03T00:00:00.000Z',
  ...extra,
});

describe('lifecycle notices', () => {
  it('escalates to the parent agency only, with one Kafka event and webhooks whose scope covers the agency', () => {
    const entries = noticeEntries(inputs('escalation'));
    expect(entries.filter((e) => e.channel === 'email').map((e) => e.recipient)).toEqual(['p@x.test', 'C@x.test']);
    expect(entries.filter((e) => e.channel === 'kafka').map((e) => e.dedupeKey)).toEqual([`kafka:${alert.id}:escalation`]);
    expect(entries.filter((e) => e.channel === 'webhook').map((e) => (e.payload as WebhookPayload).endpointId)).toEqual(['w-all', 'w-p']);
    const mail = entries.find((e) => e.channel === 'email')!.payload as EmailPayload;
    expect(mail.subject).toContain('Chuyển cấp trên');
    expect(mail.text).toContain('Kính gửi quản trị viên của UBND tỉnh');
  });

  it('numbers reminders in their keys and sends them, once escalated, to the parent too (one e-mail per address)', () => {
    const entries = noticeEntries(inputs('reminder'));
    expect(entries.find((e) => e.channel === 'kafka')!.dedupeKey).toBe(`kafka:${alert.id}:reminder:2`);
    // c@x.test is registered at both: one e-mail per group; the child's and the parent's digests differ.
    expect(entries.filter((e) => e.channel === 'email').map((e) => e.recipient)).toEqual(['c@x.test', 'p@x.test', 'C@x.test']);
    expect(new Set(entries.map((e) => e.dedupeKey)).size).toBe(entries.length);
  });

  it('sends silent-source alerts to the operators and unscoped webhooks only', () => {
    const silent: AlertRecord = { ...alert, kind: 'silentSource', agencyCode: null, targetId: null, windowKind: null, metric: null, sourceUri: 'urn:dvc:x', lastEvaluation: { lastEventAt: '2025-06-01T00:00:00Z', workingTimeSilentMs: 7_200_000 } };
    const entries = noticeEntries(inputs('open', { alerts: [silent] }));
    expect(entries.filter((e) => e.channel === 'email').map((e) => e.recipient)).toEqual(['ops@x.test']);
    expect(entries.filter((e) => e.channel === 'webhook').map((e) => (e.payload as WebhookPayload).endpointId)).toEqual(['w-all']);
    expect((entries.find((e) => e.channel === 'email')!.payload as EmailPayload).text).toContain('urn:dvc:x: sự kiện gần nhất lúc 2025-06-01T00:00:00Z; 120 phút');
  });
});

describe('webhook signature', () => {
  it('is HMAC-SHA256 over "timestamp.body", hex, and fails for a tampered body', () => {
    const body = JSON.stringify({ eventId: 'e', type: 'alert.opened' });
    const signature = webhookSignature('s3cret-s3cret-s3cret', '1750000000', body);
    const expected = `sha256=${createHmac('sha256', 's3cret-s3cret-s3cret').update(`1750000000.${body}`).digest('hex')}`;
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
    expect(webhookSignature('s3cret-s3cret-s3cret', '1750000000', body.replace('opened', 'closed'))).not.toBe(signature);
  });
});

describe('Alertmanager', () => {
  it('labels severity, agency, procedure, metric; resolved alerts carry endsAt', () => {
    const open = toAlertmanager(alert, null, new Date('2025-06-03T00:03:00Z'));
    expect(open.labels).toMatchObject({ alertname: 'DvcRateBelowTarget', severity: 'warning', agency: 'C', metric: 'onlineRate', window: 'monthToDate' });
    expect(open.endsAt).toBe('2025-06-03T00:03:00.000Z');
    expect(toAlertmanager({ ...alert, procedureCode: 'P1' }, '2025-06-02T12:00:00.000Z', new Date()).endsAt).toBe('2025-06-02T12:00:00.000Z');
    expect(toAlertmanager({ ...alert, procedureCode: 'P1' }, null, new Date()).labels.procedure).toBe('P1');
  });
});

describe('acknowledgementEntries', () => {
  it('publishes one Kafka event and one call per matching webhook, keyed by the history row, no e-mail', () => {
    const entries = acknowledgementEntries(
      [{ historyId: '42', acknowledgedAt: '2025-06-03T01:02:03.000Z', actor: 'chuyen-vien@c.test', comment: 'Đang xử lý', alert: { ...alert, status: 'acknowledged' } }],
      { agencies, webhooks: [{ id: 'w1', url: 'https://hook.test/a', agencyCode: 'P' }, { id: 'w2', url: 'https://hook.test/b', agencyCode: 'O' }], alertsTopic: 'dvc.alerts.v1', at: '2025-06-03T01:02:04.000Z' },
    );
    expect(entries.map((e) => `${e.channel} ${e.event} ${e.dedupeKey}`)).toEqual([
      `kafka acknowledge kafka:${alert.id}:acknowledge:42`,
      `webhook acknowledge webhook:${alert.id}:acknowledge:42:w1`,
    ]);
    expect(entries[0].payload).toMatchObject({
      type: 'alert.acknowledged',
      status: 'acknowledged',
      previousStatus: 'firing',
      acknowledgedBy: 'chuyen-vien@c.test',
      acknowledgedAt: '2025-06-03T01:02:03.000Z',
      acknowledgeComment: 'Đang xử lý',
      agencyCode: 'C',
    });
  });
});

import { DEFAULT_TARGET_RULES } from '@dvc/domain';
import { AgencyInfo, planSweep, ProcedureInfo, ZERO_COUNTS } from '../evaluation/sweep-plan';
import { outboxEntries } from './outbox-entries';
import type { EmailPayload } from './outbox-payloads';

const agencies = new Map<string, AgencyInfo>([['A', { code: 'A', name: 'UBND tỉnh Thử Nghiệm', level: 'province', parentCode: null }]]);
const procedures = new Map<string, ProcedureInfo>([
  ['P1', { code: 'P1', name: 'Cấp giấy phép xây dựng', onlineLevel: 'full' }],
  ['P3', { code: 'P3', name: 'Chứng thực bản sao', onlineLevel: 'partial' }],
]);

function sweep() {
  return planSweep({
    rules: DEFAULT_TARGET_RULES,
    agencies,
    procedures,
    windows: [
      {
        kind: 'rolling30d',
        window: { firstDay: '2025-05-17', lastDay: '2025-06-15' },
        previousWindow: { firstDay: '2025-04-17', lastDay: '2025-05-16' },
        pairs: [
          { agencyCode: 'A', procedureCode: 'P1', current: { ...ZERO_COUNTS, received: 100, receivedOnline: 2 }, previous: { ...ZERO_COUNTS, received: 100, receivedOnline: 20 } },
          { agencyCode: 'A', procedureCode: 'P3', current: { ...ZERO_COUNTS, received: 40, receivedOnline: 10 }, previous: { ...ZERO_COUNTS } },
        ],
      },
    ],
    openAlerts: [],
    policy: { minimumDossiers: 30, resolveMargin: 0.05 },
    topProcedures: 5,
  });
}

describe('outbox entries', () => {
  const plan = sweep();
  const ids = plan.opened.map((_, i) => `00000000-0000-0000-0000-00000000000${i}`);
  const entries = outboxEntries({
    opened: plan.opened,
    openedIds: ids,
    resolved: [],
    agencies,
    recipients: new Map([['A', [{ agencyCode: 'A', email: 'a@x.test', name: 'A' }, { agencyCode: 'A', email: 'B@x.test', name: null }]]]),
    alertsTopic: 'dvc.alerts.v1',
    at: '2025-06-15T03:00:00.000Z',
  });

  it('publishes one Kafka event per alert and sends one digest e-mail per recipient', () => {
    expect(entries.filter((e) => e.channel === 'kafka').map((e) => e.dedupeKey).sort()).toEqual(ids.map((id) => `kafka:open:${id}`).sort());
    const emails = entries.filter((e) => e.channel === 'email');
    expect(emails.map((e) => e.recipient)).toEqual(['a@x.test', 'B@x.test']);
    expect(new Set(emails.map((e) => e.dedupeKey)).size).toBe(2);
    expect(emails[1].dedupeKey).toMatch(/:b@x\.test$/);
    const payload = emails[0].payload as EmailPayload;
    expect(new Set(payload.alertIds)).toEqual(new Set(ids));
  });

  it('writes Vietnamese first with the numbers, target, rule, trend and top procedures, then English', () => {
    const { subject, text } = entries.find((e) => e.channel === 'email')!.payload as EmailPayload;
    // Agency 12 of 140 = 8.6% (upper ≈ 14%): warning for the agency; P1 critical + warning; P3 warning.
    expect(subject).toBe('[DVC] Cảnh báo: tỷ lệ nộp hồ sơ trực tuyến của UBND tỉnh Thử Nghiệm dưới mục tiêu');
    expect(text).toContain('1. [Cảnh báo] UBND tỉnh Thử Nghiệm (toàn bộ thủ tục) — tỷ lệ nộp hồ sơ trực tuyến, 30 ngày gần nhất (17/05/2025–15/06/2025)');
    expect(text).toContain('Hồ sơ tiếp nhận: 140; trực tuyến: 12; tỷ lệ: 8,6% (khoảng tin cậy 95%:');
    expect(text).toContain('Mục tiêu: không dưới 50,0%; quy tắc áp dụng: mặc định cho mọi cơ quan (mã default-online-rate-warning)');
    expect(text).toContain('Xu hướng so với kỳ trước (17/04/2025–16/05/2025): 20,0% → 8,6% (giảm 11,4 điểm phần trăm).');
    expect(text).toContain('1. Cấp giấy phép xây dựng (P1): 2/100 = 2,0%; thiếu 48 hồ sơ để đạt mục tiêu');
    expect(text).toContain('2. Chứng thực bản sao (P3): 10/40 = 25,0%; thiếu 10 hồ sơ');
    expect(text).toContain('[Nghiêm trọng] Thủ tục Cấp giấy phép xây dựng (P1)');
    expect(text.indexOf('Kính gửi')).toBeLessThan(text.indexOf('---- English ----'));
    expect(text).toContain('Dossiers received: 140; online: 12; rate: 8.6%');
    expect(text).toContain('Trend against the previous period (2025-04-17 – 2025-05-16): 20.0% → 8.6% (down 11.4 percentage points).');
  });
});

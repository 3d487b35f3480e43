import type { AlertSeverity, DayWindow, MonthEndLookAhead, TargetMetric, TargetScope } from '@dvc/domain';
import type { AlertExplanation, Evaluation, ResolveReason } from '../evaluation/sweep-plan';

/**
 * The e-mails, Vietnamese first, English second, as plain text (read everywhere, including the
 * provincial mail systems that strip HTML). One e-mail per agency and per sweep lists every alert that
 * opened (or resolved) for it, so a province going below target is one message, not a flood.
 */

export type EmailEvent = 'open' | 'resolve' | 'escalation' | 'reminder';

/** For escalations: the agency addressed (the parent); for reminders: which reminder. */
export interface EmailContext {
  addresseeName?: string;
  openFor?: string;
}

export interface NotificationItem {
  alertId: string;
  procedureCode: string | null;
  procedureName: string | null;
  windowKind: string;
  metric: TargetMetric;
  severity: AlertSeverity;
  threshold: number;
  evaluation: Evaluation | null;
  explanation: AlertExplanation | null;
  resolveReason?: ResolveReason;
}

export interface EmailContent {
  subject: string;
  text: string;
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { critical: 0, warning: 1 };

const METRIC_VI: Record<TargetMetric, string> = {
  onlineRate: 'tỷ lệ nộp hồ sơ trực tuyến',
  onTimeRate: 'tỷ lệ giải quyết hồ sơ đúng hạn',
};
const METRIC_EN: Record<TargetMetric, string> = {
  onlineRate: 'online-submission rate',
  onTimeRate: 'on-time completion rate',
};
const SEVERITY_VI: Record<AlertSeverity, string> = { critical: 'Nghiêm trọng', warning: 'Cảnh báo' };
const SEVERITY_EN: Record<AlertSeverity, string> = { critical: 'Critical', warning: 'Warning' };

/** Agency-wide alerts first, then critical before warning, online rate before on-time, then by procedure. */
export function sortItems(items: readonly NotificationItem[]): NotificationItem[] {
  return [...items].sort(
    (a, b) =>
      Number(a.procedureCode !== null) - Number(b.procedureCode !== null) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      Number(a.metric !== 'onlineRate') - Number(b.metric !== 'onlineRate') ||
      compare(a.procedureCode ?? '', b.procedureCode ?? '') ||
      compare(a.windowKind, b.windowKind),
  );
}

export function renderEmail(event: EmailEvent, agencyName: string, items: readonly NotificationItem[], context: EmailContext = {}): EmailContent {
  if (items.length === 0) throw new Error('an e-mail needs at least one alert');
  const sorted = sortItems(items);
  const lead = sorted[0];
  const procedureCount = new Set(sorted.filter((i) => i.procedureCode !== null).map((i) => i.procedureCode)).size;
  const who = lead.procedureCode === null ? agencyName : `${procedureCount} thủ tục tại ${agencyName}`;
  const critical = lead.severity === 'critical' ? ' (mức nghiêm trọng)' : '';
  const subject = {
    open: `[DVC] Cảnh báo: ${METRIC_VI[lead.metric]} của ${who} dưới mục tiêu${critical}`,
    resolve: `[DVC] Đã hết cảnh báo: ${METRIC_VI[lead.metric]} của ${who} đã trở lại mục tiêu`,
    escalation: `[DVC] Chuyển cấp trên: cảnh báo ${METRIC_VI[lead.metric]} của ${who} chưa được xác nhận${critical}`,
    reminder: `[DVC] Nhắc lại: ${METRIC_VI[lead.metric]} của ${who} vẫn dưới mục tiêu${critical}`,
  }[event];

  const vi: string[] = [];
  const en: string[] = [];
  const addressee = context.addresseeName ?? agencyName;
  vi.push(`Kính gửi quản trị viên của ${addressee},`, '');
  en.push(`To the administrators of ${addressee},`, '');
  if (event === 'open') {
    vi.push(
      `Hệ thống giám sát dịch vụ công trực tuyến ghi nhận ${sorted.length} cảnh báo mới: tỷ lệ dưới mục tiêu ngay cả khi đã tính đến sai số ngẫu nhiên (cận trên khoảng tin cậy 95% thấp hơn mục tiêu).`,
    );
    en.push(`DVC Monitor opened ${sorted.length} alert(s): the rate is below target even allowing for chance (the upper bound of its 95% interval is below the target).`);
  } else if (event === 'escalation') {
    vi.push(
      `${sorted.length} cảnh báo của đơn vị trực thuộc ${agencyName} chưa được xác nhận${context.openFor ? ` sau ${context.openFor}` : ''}; thư này chuyển các cảnh báo lên cấp trên để chỉ đạo xử lý.`,
    );
    en.push(`${sorted.length} alert(s) of ${agencyName}, an agency under yours, have not been acknowledged${context.openFor ? ` after ${context.openFor}` : ''}; they are escalated to you.`);
  } else if (event === 'reminder') {
    vi.push(`${sorted.length} cảnh báo vẫn đang mở và chưa được xác nhận:`);
    en.push(`${sorted.length} alert(s) are still open and not acknowledged:`);
  } else {
    vi.push(`${sorted.length} cảnh báo đã kết thúc:`);
    en.push(`${sorted.length} alert(s) resolved:`);
  }
  sorted.forEach((item, index) => {
    vi.push('', ...itemVi(item, index + 1, agencyName, event));
    en.push('', ...itemEn(item, index + 1, agencyName, event));
  });
  vi.push('', 'Thư này được gửi tự động; mỗi cảnh báo được thông báo một lần khi mở, khi chuyển cấp trên, khi nhắc lại và khi kết thúc. Xác nhận cảnh báo sẽ dừng việc nhắc lại và chuyển cấp trên.');
  en.push('', 'This message is automatic; each alert is notified once when it opens, on escalation, on each reminder and when it resolves. Acknowledging an alert stops reminders and escalation.');
  return { subject, text: [...vi, '', '---- English ----', '', ...en, ''].join('\n') };
}

function itemVi(item: NotificationItem, n: number, agencyName: string, event: EmailEvent): string[] {
  const lines: string[] = [];
  const scope = item.procedureCode === null ? `${agencyName} (toàn bộ thủ tục)` : `Thủ tục ${item.procedureName ?? item.procedureCode} (${item.procedureCode})`;
  lines.push(`${n}. [${SEVERITY_VI[item.severity]}] ${scope} — ${METRIC_VI[item.metric]}, ${windowVi(item.windowKind, item.explanation?.window ?? item.evaluation?.window)}`);
  const ev = item.evaluation;
  if (ev) {
    const [noun, success] = item.metric === 'onlineRate' ? ['Hồ sơ tiếp nhận', 'trực tuyến'] : ['Hồ sơ đã giải quyết', 'đúng hạn'];
    lines.push(`   ${noun}: ${int(ev.trials)}; ${success}: ${int(ev.successes)}; tỷ lệ: ${pct(ev.rate)}` + (ev.interval ? ` (khoảng tin cậy 95%: ${pct(ev.interval[0])} – ${pct(ev.interval[1])})` : ''));
  }
  const ex = item.explanation;
  lines.push(`   Mục tiêu: không dưới ${pct(item.threshold)}` + (ex ? `; quy tắc áp dụng: ${scopeVi(ex.target.scope)} (mã ${ex.target.ruleId})` : ''));
  if (event !== 'resolve' && ev) lines.push(`   Cảnh báo kết thúc khi tỷ lệ đạt ${pct(ev.resolveAt)} trở lên.`);
  if (event === 'resolve' && item.resolveReason === 'ruleNoLongerApplies') lines.push('   Lý do: quy tắc chỉ tiêu không còn áp dụng (đã sửa, tắt hoặc xoá).');
  if (ex) {
    const t = ex.trend;
    const previous = `${day(ex.previousWindow.firstDay)}–${day(ex.previousWindow.lastDay)}`;
    lines.push(
      t.previousRate === null
        ? `   Xu hướng: kỳ trước (${previous}) không có hồ sơ để so sánh.`
        : `   Xu hướng so với kỳ trước (${previous}): ${pct(t.previousRate)} → ${pct(t.currentRate)} (${directionVi(t.change)}).`,
    );
    if (event !== 'resolve' && ex.lookAhead) lines.push(`   ${lookAheadVi(ex.lookAhead, item.threshold)}`);
    if (ex.topProcedures.length > 0) {
      lines.push('   Các thủ tục kéo tỷ lệ xuống nhiều nhất:');
      ex.topProcedures.forEach((p, i) =>
        lines.push(
          `     ${i + 1}. ${p.procedureName} (${p.procedureCode}): ${int(p.successes)}/${int(p.trials)} = ${pct(p.rate)}; thiếu ${int(p.missingToReachTarget)} hồ sơ để đạt mục tiêu; chiếm ${pct(p.shareOfShortfall)} phần thiếu hụt`,
        ),
      );
    }
  }
  return lines;
}

function itemEn(item: NotificationItem, n: number, agencyName: string, event: EmailEvent): string[] {
  const lines: string[] = [];
  const scope = item.procedureCode === null ? `${agencyName} (all procedures)` : `Procedure ${item.procedureName ?? item.procedureCode} (${item.procedureCode})`;
  lines.push(`${n}. [${SEVERITY_EN[item.severity]}] ${scope} — ${METRIC_EN[item.metric]}, ${windowEn(item.windowKind, item.explanation?.window ?? item.evaluation?.window)}`);
  const ev = item.evaluation;
  if (ev) {
    const [noun, success] = item.metric === 'onlineRate' ? ['Dossiers received', 'online'] : ['Dossiers completed', 'on time'];
    lines.push(`   ${noun}: ${ev.trials}; ${success}: ${ev.successes}; rate: ${pctEn(ev.rate)}` + (ev.interval ? ` (95% interval ${pctEn(ev.interval[0])} – ${pctEn(ev.interval[1])})` : ''));
  }
  const ex = item.explanation;
  lines.push(`   Target: at least ${pctEn(item.threshold)}` + (ex ? `; rule: ${scopeEn(ex.target.scope)} (id ${ex.target.ruleId})` : ''));
  if (event !== 'resolve' && ev) lines.push(`   The alert resolves when the rate reaches ${pctEn(ev.resolveAt)}.`);
  if (event === 'resolve' && item.resolveReason === 'ruleNoLongerApplies') lines.push('   Reason: the target rule no longer applies (edited, disabled or deleted).');
  if (ex) {
    const t = ex.trend;
    const previous = `${ex.previousWindow.firstDay} – ${ex.previousWindow.lastDay}`;
    lines.push(
      t.previousRate === null
        ? `   Trend: no dossiers in the previous period (${previous}) to compare with.`
        : `   Trend against the previous period (${previous}): ${pctEn(t.previousRate)} → ${pctEn(t.currentRate)} (${directionEn(t.change)}).`,
    );
    if (event !== 'resolve' && ex.lookAhead) lines.push(`   ${lookAheadEn(ex.lookAhead, item.threshold)}`);
    if (ex.topProcedures.length > 0) {
      lines.push('   Procedures pulling the rate down most:');
      ex.topProcedures.forEach((p, i) =>
        lines.push(
          `     ${i + 1}. ${p.procedureName} (${p.procedureCode}): ${p.successes}/${p.trials} = ${pctEn(p.rate)}; ${p.missingToReachTarget} more to reach the target; ${pctEn(p.shareOfShortfall)} of the shortfall`,
        ),
      );
    }
  }
  return lines;
}

/** The look-ahead line of a month-to-date online-rate alert (issue 9): where the month ends, and what reaching the target takes. */
export function lookAheadVi(look: MonthEndLookAhead, threshold: number): string {
  const month = `tháng ${Number(look.month.slice(5))}/${look.month.slice(0, 4)}`;
  if (look.projectedRate === null) return `Dự báo: chưa có hồ sơ nào trong ${month} để ước tính.`;
  const where = `Dự báo: với nhịp độ hiện nay, tỷ lệ trực tuyến ${month} dự kiến đạt ${pct(look.projectedRate)} (khoảng ${pct(look.projectedRateCi95![0])}–${pct(look.projectedRateCi95![1])})`;
  if (look.targetOutlook === 'reached') return `${where}; đã đủ hồ sơ trực tuyến để đạt mục tiêu ${pct(threshold)}.`;
  if (look.targetOutlook === 'unreachable' || look.neededOnlinePerWorkingDay === null) {
    return `${where}; không thể đạt mục tiêu ${pct(threshold)} trong tháng ngay cả khi mọi hồ sơ còn lại đều nộp trực tuyến.`;
  }
  return `${where}; cần ${dec(look.neededOnlinePerWorkingDay)} hồ sơ trực tuyến mỗi ngày làm việc trong ${look.workingDaysRemaining} ngày làm việc còn lại (hiện nay ${dec(look.presentOnlinePerWorkingDay ?? 0)}) để đạt mục tiêu ${pct(threshold)}.`;
}

export function lookAheadEn(look: MonthEndLookAhead, threshold: number): string {
  if (look.projectedRate === null) return `Look ahead: no dossiers yet in ${look.month} to project from.`;
  const where = `Look ahead: at the present pace the online rate of ${look.month} ends near ${pctEn(look.projectedRate)} (${pctEn(look.projectedRateCi95![0])} – ${pctEn(look.projectedRateCi95![1])})`;
  if (look.targetOutlook === 'reached') return `${where}; enough online dossiers already for the ${pctEn(threshold)} target.`;
  if (look.targetOutlook === 'unreachable' || look.neededOnlinePerWorkingDay === null) {
    return `${where}; the ${pctEn(threshold)} target is out of reach this month even if every remaining dossier came online.`;
  }
  return `${where}; ${look.neededOnlinePerWorkingDay} online dossiers per working day over the ${look.workingDaysRemaining} working days left (${look.presentOnlinePerWorkingDay ?? 0} now) would reach the ${pctEn(threshold)} target.`;
}

function windowVi(kind: string, window: DayWindow | undefined): string {
  const label = kind === 'monthToDate' ? 'từ đầu tháng đến nay' : `${kind.replace(/^rolling(\d+)d$/, '$1')} ngày gần nhất`;
  return window ? `${label} (${day(window.firstDay)}–${day(window.lastDay)})` : label;
}

function windowEn(kind: string, window: DayWindow | undefined): string {
  const label = kind === 'monthToDate' ? 'month to date' : `last ${kind.replace(/^rolling(\d+)d$/, '$1')} days`;
  return window ? `${label} (${window.firstDay} – ${window.lastDay})` : label;
}

function scopeVi(scope: TargetScope): string {
  switch (scope.kind) {
    case 'all':
      return 'mặc định cho mọi cơ quan';
    case 'agencyLevel':
      return `mọi cơ quan cấp ${scope.agencyLevel}`;
    case 'onlineLevel':
      return `thủ tục trực tuyến ${scope.onlineLevel === 'full' ? 'toàn trình' : 'một phần'}`;
    case 'agency':
      return `cơ quan ${scope.agencyCode}${scope.includeSubtree ? ' và các đơn vị trực thuộc' : ''}`;
    case 'procedure':
      return `thủ tục ${scope.procedureCode}`;
    case 'agencyProcedure':
      return `thủ tục ${scope.procedureCode} tại cơ quan ${scope.agencyCode}`;
  }
}

function scopeEn(scope: TargetScope): string {
  switch (scope.kind) {
    case 'all':
      return 'default for every agency';
    case 'agencyLevel':
      return `every ${scope.agencyLevel}-level agency`;
    case 'onlineLevel':
      return `procedures offered online (${scope.onlineLevel})`;
    case 'agency':
      return `agency ${scope.agencyCode}${scope.includeSubtree ? ' and its subtree' : ''}`;
    case 'procedure':
      return `procedure ${scope.procedureCode}`;
    case 'agencyProcedure':
      return `procedure ${scope.procedureCode} at agency ${scope.agencyCode}`;
  }
}

function directionVi(change: number | null): string {
  if (change === null || change === 0) return 'không đổi';
  return `${change > 0 ? 'tăng' : 'giảm'} ${points(Math.abs(change), 'vi-VN')} điểm phần trăm`;
}

function directionEn(change: number | null): string {
  if (change === null || change === 0) return 'unchanged';
  return `${change > 0 ? 'up' : 'down'} ${points(Math.abs(change), 'en-GB')} percentage points`;
}

const percentVi = new Intl.NumberFormat('vi-VN', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percentEn = new Intl.NumberFormat('en-GB', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const integerVi = new Intl.NumberFormat('vi-VN');

export function pct(value: number | null): string {
  return value === null ? 'không có' : percentVi.format(value);
}

function pctEn(value: number | null): string {
  return value === null ? 'n/a' : percentEn.format(value);
}

function int(value: number): string {
  return integerVi.format(value);
}

const decimalVi = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });

/** 5.83 → 5,83, as Vietnamese writes decimals. */
function dec(value: number): string {
  return decimalVi.format(value);
}

function points(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value * 100);
}

/** 2025-06-05 → 05/06/2025, as Vietnamese dates are written. */
function day(isoDay: string): string {
  return `${isoDay.slice(8, 10)}/${isoDay.slice(5, 7)}/${isoDay.slice(0, 4)}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

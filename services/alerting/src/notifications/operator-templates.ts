import type { EmailContent } from './email-templates';

/**
 * E-mails of the alerts that are not about a target: zero uptake (agency administrators) and silent
 * sources (operators). Vietnamese first, English second, plain text.
 */

export type NoticeEvent = 'open' | 'escalation' | 'reminder' | 'resolve';

export interface ZeroUptakeItem {
  procedureCode: string;
  procedureName: string;
  onlineLevel: string;
  received: number;
  windowKind: string;
  window: { firstDay: string; lastDay: string } | null;
  resolveReason?: string | null;
}

export interface SilentSourceItem {
  sourceUri: string;
  lastEventAt: string | null;
  workingTimeSilentMs: number | null;
  resolveReason?: string | null;
}

const LEVEL_VI: Record<string, string> = { full: 'toàn trình', partial: 'một phần' };

export function renderZeroUptake(event: NoticeEvent, agencyName: string, items: readonly ZeroUptakeItem[], addresseeName = agencyName): EmailContent {
  if (items.length === 0) throw new Error('an e-mail needs at least one alert');
  const sorted = [...items].sort((a, b) => (a.procedureCode < b.procedureCode ? -1 : a.procedureCode > b.procedureCode ? 1 : 0));
  const subject = {
    open: `[DVC] Cảnh báo: ${sorted.length} thủ tục trực tuyến tại ${agencyName} không có hồ sơ nộp trực tuyến`,
    escalation: `[DVC] Chuyển cấp trên: ${sorted.length} thủ tục trực tuyến tại ${agencyName} không có hồ sơ nộp trực tuyến`,
    reminder: `[DVC] Nhắc lại: ${sorted.length} thủ tục trực tuyến tại ${agencyName} vẫn không có hồ sơ nộp trực tuyến`,
    resolve: `[DVC] Đã hết cảnh báo: thủ tục trực tuyến tại ${agencyName} đã có hồ sơ nộp trực tuyến`,
  }[event];
  const vi = [`Kính gửi quản trị viên của ${addresseeName},`, ''];
  const en = [`To the administrators of ${addresseeName},`, ''];
  if (event === 'resolve') {
    vi.push('Các thủ tục sau đã có hồ sơ nộp trực tuyến (hoặc không còn thuộc diện theo dõi):');
    en.push('These procedures have received online dossiers (or are no longer monitored):');
  } else {
    vi.push(`Các thủ tục sau được cung cấp trực tuyến tại ${agencyName} nhưng mọi hồ sơ trong kỳ đều nộp trực tiếp hoặc qua bưu chính:`);
    en.push(`These procedures are offered online at ${agencyName}, yet every dossier in the period came in person or by post:`);
  }
  sorted.forEach((item, index) => {
    const period = item.window ? ` (${item.window.firstDay} – ${item.window.lastDay})` : '';
    vi.push(`${index + 1}. ${item.procedureName} (${item.procedureCode}), trực tuyến ${LEVEL_VI[item.onlineLevel] ?? item.onlineLevel}: ${item.received} hồ sơ, 0 trực tuyến${period}`);
    en.push(`${index + 1}. ${item.procedureName} (${item.procedureCode}), online ${item.onlineLevel}: ${item.received} dossiers, none online${period}`);
  });
  vi.push('', 'Cảnh báo kết thúc khi có hồ sơ nộp trực tuyến đầu tiên.');
  en.push('', 'The alert resolves with the first online dossier.');
  return { subject, text: [...vi, '', '---- English ----', '', ...en, ''].join('\n') };
}

export function renderSilentSource(event: NoticeEvent, items: readonly SilentSourceItem[]): EmailContent {
  if (items.length === 0) throw new Error('an e-mail needs at least one alert');
  const sorted = [...items].sort((a, b) => (a.sourceUri < b.sourceUri ? -1 : a.sourceUri > b.sourceUri ? 1 : 0));
  const names = sorted.map((i) => i.sourceUri).join(', ');
  const subject = {
    open: `[DVC] Vận hành: hệ thống một cửa ngừng gửi sự kiện (${names})`,
    escalation: `[DVC] Vận hành: hệ thống một cửa ngừng gửi sự kiện (${names})`,
    reminder: `[DVC] Nhắc lại: hệ thống một cửa vẫn chưa gửi sự kiện (${names})`,
    resolve: `[DVC] Vận hành: hệ thống một cửa đã gửi sự kiện trở lại (${names})`,
  }[event];
  const vi = ['Kính gửi bộ phận vận hành,', ''];
  const en = ['To the operators,', ''];
  if (event === 'resolve') {
    vi.push('Các nguồn sau đã gửi sự kiện trở lại:');
    en.push('These sources are sending events again:');
  } else {
    vi.push('Các nguồn sau không gửi sự kiện nào trong giờ làm việc quá thời gian cho phép; số liệu của các cơ quan dùng nguồn này có thể đang thiếu:');
    en.push('These sources sent no event for longer than allowed in working hours; the numbers of the agencies they serve may be incomplete:');
  }
  sorted.forEach((item, index) => {
    const silent = item.workingTimeSilentMs === null ? '' : `; ${minutes(item.workingTimeSilentMs)} phút làm việc không có sự kiện`;
    const silentEn = item.workingTimeSilentMs === null ? '' : `; ${minutes(item.workingTimeSilentMs)} working minutes without an event`;
    vi.push(`${index + 1}. ${item.sourceUri}: sự kiện gần nhất lúc ${item.lastEventAt ?? 'không rõ'}${silent}${item.resolveReason === 'sourceRemoved' ? ' (nguồn đã bị gỡ khỏi danh sách theo dõi)' : ''}`);
    en.push(`${index + 1}. ${item.sourceUri}: last event at ${item.lastEventAt ?? 'unknown'}${silentEn}${item.resolveReason === 'sourceRemoved' ? ' (source no longer tracked)' : ''}`);
  });
  return { subject, text: [...vi, '', '---- English ----', '', ...en, ''].join('\n') };
}

function minutes(ms: number): number {
  return Math.floor(ms / 60_000);
}

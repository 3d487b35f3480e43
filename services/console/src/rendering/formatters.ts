import type { Language } from '../i18n/messages';

const LOCALES: Record<Language, string> = { vi: 'vi-VN', en: 'en-GB' };
const TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** Number, percentage and date formats of a language (Vietnamese: 9,3%, 1.234, 07/12/2026 09:30). */
export function formatters(language: Language) {
  const locale = LOCALES[language];
  const percent = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const points = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: TIME_ZONE });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeZone: 'UTC' });
  const none = '—';
  return {
    percent: (value: number | null | undefined) => (value === null || value === undefined ? none : percent.format(value)),
    count: (value: number | null | undefined) => (value === null || value === undefined ? none : count.format(value)),
    decimal: (value: number | null | undefined) => (value === null || value === undefined ? none : decimal.format(value)),
    /** Scoreboard points, as the API rounds them (2 places): 21,5; 13,33. */
    points: (value: number | null | undefined) => (value === null || value === undefined ? none : points.format(value)),
    dateTime: (value: string | null | undefined) => (value ? dateTime.format(new Date(value)) : none),
    /** A civil day `YYYY-MM-DD` as the language writes it. */
    day: (value: string | null | undefined) => (value ? date.format(new Date(`${value}T00:00:00Z`)) : none),
    signed: (value: number | null | undefined) => (value === null || value === undefined ? none : value > 0 ? `+${count.format(value)}` : count.format(value)),
  };
}

export type Formatters = ReturnType<typeof formatters>;

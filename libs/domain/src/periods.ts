import { addDays, daysInMonth, formatDay } from './vietnam-time';

export const PERIOD_KINDS = ['day', 'month', 'quarter', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** A period label as the rates API writes and reads it: `2025-03-01`, `2025-03`, `2025-Q1`, `2025`. */
export interface ParsedPeriod {
  kind: PeriodKind;
  /** First day, `YYYY-MM-DD`, inclusive. */
  firstDay: string;
  /** Last day, `YYYY-MM-DD`, inclusive. */
  lastDay: string;
}

/** The label of the period of kind `kind` that contains `day` (`YYYY-MM-DD`). */
export function periodLabel(day: string, kind: PeriodKind): string {
  switch (kind) {
    case 'day':
      return day;
    case 'month':
      return day.slice(0, 7);
    case 'quarter':
      return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
    case 'year':
      return day.slice(0, 4);
  }
}

const LABEL_PATTERNS: Array<[PeriodKind, RegExp]> = [
  ['day', /^(\d{4})-(\d{2})-(\d{2})$/],
  ['month', /^(\d{4})-(\d{2})$/],
  ['quarter', /^(\d{4})-Q([1-4])$/],
  ['year', /^(\d{4})$/],
];

/** Parses a period label strictly (no roll-over: `2025-02-30` and `2025-13` are `null`). */
export function parsePeriodLabel(label: string): ParsedPeriod | null {
  for (const [kind, pattern] of LABEL_PATTERNS) {
    const match = pattern.exec(label);
    if (!match) continue;
    const year = Number(match[1]);
    if (kind === 'year') return { kind, firstDay: `${match[1]}-01-01`, lastDay: `${match[1]}-12-31` };
    if (kind === 'quarter') {
      const firstMonth = (Number(match[2]) - 1) * 3 + 1;
      return {
        kind,
        firstDay: formatDay({ year, month: firstMonth, day: 1 }),
        lastDay: formatDay({ year, month: firstMonth + 2, day: daysInMonth(year, firstMonth + 2) }),
      };
    }
    const month = Number(match[2]);
    if (month < 1 || month > 12) return null;
    if (kind === 'month') {
      return { kind, firstDay: `${label}-01`, lastDay: formatDay({ year, month, day: daysInMonth(year, month) }) };
    }
    const day = Number(match[3]);
    if (day < 1 || day > daysInMonth(year, month)) return null;
    return { kind, firstDay: label, lastDay: label };
  }
  return null;
}

/** The period of kind `kind` that contains `day`. */
export function periodContaining(day: string, kind: PeriodKind): ParsedPeriod {
  return parsePeriodLabel(periodLabel(day, kind))!;
}

/** The period of the same kind just before `period` (the month before, the quarter before, …). */
export function previousPeriod(period: ParsedPeriod): ParsedPeriod {
  const [year, month, day] = period.firstDay.split('-').map(Number);
  return periodContaining(formatDay(addDays({ year, month, day }, -1)), period.kind);
}

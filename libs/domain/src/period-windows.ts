import { addDays, CivilDate, daysInMonth, formatDay, vietnamToday } from './vietnam-time';

/**
 * The windows alerts are judged over, in Vietnam's calendar days, and the windows they are compared
 * with. A window always ends with today (Vietnam's date at `now`), which is still in progress: the
 * buckets are daily, so "so far this month" can only mean "including today's dossiers so far".
 */

/** Days `YYYY-MM-DD`, both inclusive. */
export interface DayWindow {
  firstDay: string;
  lastDay: string;
}

export type EvaluationWindowSpec = { kind: 'monthToDate' } | { kind: 'rollingDays'; days: number };

/** The 1st of this month to today. */
export function monthToDateWindow(now: Date): DayWindow {
  const today = vietnamToday(now);
  return { firstDay: `${today.slice(0, 7)}-01`, lastDay: today };
}

/** The `days` days ending with today: 30 days on 2025-03-30 are 2025-03-01 … 2025-03-30. */
export function rollingDaysWindow(now: Date, days: number): DayWindow {
  assertDayCount(days);
  const today = vietnamToday(now);
  return { firstDay: shiftDay(today, -(days - 1)), lastDay: today };
}

export function evaluationWindow(spec: EvaluationWindowSpec, now: Date): DayWindow {
  return spec.kind === 'monthToDate' ? monthToDateWindow(now) : rollingDaysWindow(now, spec.days);
}

/**
 * The window to compare `window` with:
 * - month to date: the same days of the previous month, cut at that month's end (1–31 March compares with
 *   1–28 February; 1–15 March with 1–15 February);
 * - rolling days: the same number of days just before it.
 */
export function previousComparableWindow(spec: EvaluationWindowSpec, window: DayWindow): DayWindow {
  if (spec.kind === 'rollingDays') {
    const length = dayCount(window);
    return { firstDay: shiftDay(window.firstDay, -length), lastDay: shiftDay(window.firstDay, -1) };
  }
  const last = parseDay(window.lastDay);
  const previousMonth = last.month === 1 ? { year: last.year - 1, month: 12 } : { year: last.year, month: last.month - 1 };
  const lastDay = Math.min(last.day, daysInMonth(previousMonth.year, previousMonth.month));
  return {
    firstDay: formatDay({ ...previousMonth, day: 1 }),
    lastDay: formatDay({ ...previousMonth, day: lastDay }),
  };
}

/** Number of days in a window, both ends included. */
export function dayCount(window: DayWindow): number {
  return Math.round((dayNumber(window.lastDay) - dayNumber(window.firstDay)) / 86_400_000) + 1;
}

function shiftDay(day: string, days: number): string {
  return formatDay(addDays(parseDay(day), days));
}

function parseDay(day: string): CivilDate {
  return { year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8, 10)) };
}

function dayNumber(day: string): number {
  const date = new Date(0);
  const { year, month, day: dayOfMonth } = parseDay(day);
  date.setUTCFullYear(year, month - 1, dayOfMonth);
  return date.getTime();
}

function assertDayCount(days: number): void {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`a rolling window needs a whole number of days ≥ 1, got ${days}`);
}

import { formatDay } from './vietnam-time';

/**
 * Working hours in Vietnam's time (UTC+07:00, no daylight saving), for telling a silent one-stop system
 * from an office that is simply closed: silence is counted in working time only, so a source quiet from
 * Friday 17:00 has been silent for one minute, not 62 hours, at 07:31 on Monday.
 *
 * Windows are half-open, [start, end): with the default schedule 07:30:00 and 13:30:00 are working
 * time, 11:30:00 and 17:00:00 are not.
 */

export interface WorkingWindow {
  /** Local time `HH:MM`, inclusive. */
  start: string;
  /** Local time `HH:MM`, exclusive; `24:00` for midnight at the end of the day. */
  end: string;
}

export interface WorkingSchedule {
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  weekdays: readonly number[];
  /** Windows within a working day, in order, not overlapping. */
  windows: readonly WorkingWindow[];
  /** Days off that would otherwise be working days (Tết, national holidays), `YYYY-MM-DD`. */
  holidays?: readonly string[];
  /** Days worked that would otherwise be off (a Saturday worked in exchange for a bridge day). */
  extraWorkingDays?: readonly string[];
}

/** Administrative office hours: Monday to Friday, 07:30–11:30 and 13:30–17:00. */
export const VIETNAM_OFFICE_HOURS: WorkingSchedule = Object.freeze({
  weekdays: Object.freeze([1, 2, 3, 4, 5]),
  windows: Object.freeze([
    Object.freeze({ start: '07:30', end: '11:30' }),
    Object.freeze({ start: '13:30', end: '17:00' }),
  ]),
});

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const VIETNAM_OFFSET = 7 * 60 * MINUTE;
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

/** Parses `07:30-11:30,13:30-17:00` (as an environment variable would give it) into windows. */
export function parseWorkingWindows(text: string): WorkingWindow[] {
  const windows = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const [start, end, extra] = part.split('-').map((time) => time.trim());
      if (start === undefined || end === undefined || extra !== undefined) {
        throw new RangeError(`working window "${part}" is not HH:MM-HH:MM`);
      }
      return { start, end };
    });
  const problems = workingScheduleProblems({ weekdays: [1], windows });
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return windows;
}

/** Everything wrong with a schedule, for configuration validation; empty when it is valid. */
export function workingScheduleProblems(schedule: WorkingSchedule): string[] {
  const problems: string[] = [];
  for (const weekday of schedule.weekdays) {
    if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) problems.push(`weekday ${weekday} is not 1–7`);
  }
  if (schedule.windows.length === 0) problems.push('at least one working window is needed');
  let previousEnd = -1;
  for (const { start, end } of schedule.windows) {
    const startMinute = minuteOfDay(start);
    const endMinute = minuteOfDay(end);
    if (startMinute === null || endMinute === null) {
      problems.push(`window ${start}–${end}: times must be HH:MM between 00:00 and 24:00`);
      continue;
    }
    if (endMinute <= startMinute) problems.push(`window ${start}–${end} ends before it starts`);
    if (startMinute < previousEnd) problems.push(`window ${start}–${end} overlaps or precedes the one before`);
    previousEnd = endMinute;
  }
  for (const day of [...(schedule.holidays ?? []), ...(schedule.extraWorkingDays ?? [])]) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) problems.push(`day "${day}" is not YYYY-MM-DD`);
  }
  return problems;
}

/** Whether `instant` falls within working hours in Vietnam. */
export function isWithinWorkingHours(instant: Date, schedule: WorkingSchedule = VIETNAM_OFFICE_HOURS): boolean {
  const compiled = compile(schedule);
  const local = localMillis(instant);
  const dayStart = Math.floor(local / DAY) * DAY;
  if (!compiled.isWorkingDay(dayStart)) return false;
  const offset = local - dayStart;
  return compiled.windows.some(([start, end]) => start <= offset && offset < end);
}

/** Milliseconds of working time in [from, to); 0 when `to` is not after `from`. */
export function workingTimeBetween(from: Date, to: Date, schedule: WorkingSchedule = VIETNAM_OFFICE_HOURS): number {
  const compiled = compile(schedule);
  const start = localMillis(from);
  const end = localMillis(to);
  let total = 0;
  for (let dayStart = Math.floor(start / DAY) * DAY; dayStart < end; dayStart += DAY) {
    if (!compiled.isWorkingDay(dayStart)) continue;
    for (const [windowStart, windowEnd] of compiled.windows) {
      const overlap = Math.min(end, dayStart + windowEnd) - Math.max(start, dayStart + windowStart);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}

export interface SilenceVerdict {
  isSilent: boolean;
  /** Working time since the last event, in milliseconds. */
  workingTimeSilent: number;
  /** The threshold it was compared with, in milliseconds of working time. */
  threshold: number;
}

/**
 * Whether a source whose last event arrived at `lastEventAt` is silent at `now`: silent when at least
 * `threshold` milliseconds of working time have passed since.
 */
export function silentFor(
  lastEventAt: Date,
  now: Date,
  threshold: number,
  schedule: WorkingSchedule = VIETNAM_OFFICE_HOURS,
): SilenceVerdict {
  if (!(threshold > 0)) throw new RangeError(`silence threshold must be positive, got ${threshold}`);
  const workingTimeSilent = workingTimeBetween(lastEventAt, now, schedule);
  return { isSilent: workingTimeSilent >= threshold, workingTimeSilent, threshold };
}

interface CompiledSchedule {
  /** [start, end) in milliseconds since local midnight. */
  windows: Array<[number, number]>;
  isWorkingDay(localDayStart: number): boolean;
}

function compile(schedule: WorkingSchedule): CompiledSchedule {
  const problems = workingScheduleProblems(schedule);
  if (problems.length > 0) throw new RangeError(`invalid working schedule: ${problems.join('; ')}`);
  const weekdays = new Set(schedule.weekdays);
  const holidays = new Set(schedule.holidays ?? []);
  const extraWorkingDays = new Set(schedule.extraWorkingDays ?? []);
  return {
    windows: schedule.windows.map(({ start, end }) => [minuteOfDay(start)! * MINUTE, minuteOfDay(end)! * MINUTE]),
    isWorkingDay(localDayStart) {
      const date = new Date(localDayStart);
      const day = formatDay({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
      if (extraWorkingDays.has(day)) return true;
      if (holidays.has(day)) return false;
      return weekdays.has(isoWeekday(date.getUTCDay()));
    },
  };
}

/** Vietnam's wall-clock time as if it were UTC, so the UTC getters read local fields. */
function localMillis(instant: Date): number {
  const millis = instant.getTime();
  if (Number.isNaN(millis)) throw new RangeError('invalid date');
  return millis + VIETNAM_OFFSET;
}

function isoWeekday(utcDay: number): number {
  return utcDay === 0 ? 7 : utcDay;
}

function minuteOfDay(time: string): number | null {
  if (!TIME_OF_DAY.test(time)) return null;
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** Whether `day` (`YYYY-MM-DD`, Vietnam's calendar) is a working day of `schedule` (weekdays, holidays, swapped days). */
export function isWorkingDay(day: string, schedule: WorkingSchedule = VIETNAM_OFFICE_HOURS): boolean {
  return compile(schedule).isWorkingDay(Date.parse(`${day}T00:00:00Z`));
}

/** Working days from `firstDay` to `lastDay`, both inclusive (0 when `lastDay` is before `firstDay`). */
export function workingDaysBetween(firstDay: string, lastDay: string, schedule: WorkingSchedule = VIETNAM_OFFICE_HOURS): number {
  const compiled = compile(schedule);
  const last = Date.parse(`${lastDay}T00:00:00Z`);
  let count = 0;
  for (let day = Date.parse(`${firstDay}T00:00:00Z`); day <= last; day += DAY) if (compiled.isWorkingDay(day)) count++;
  return count;
}


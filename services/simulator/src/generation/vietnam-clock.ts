/**
 * Times as one-stop systems in Vietnam write them: RFC 3339 with the +07:00 offset (Vietnam has no
 * daylight saving), and the working-day calendar that legal processing times are counted in.
 * Formatting is hand-rolled and caches the date part, because it runs for every event and
 * `Date#toISOString` plus string surgery was the generator's hottest spot.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const VIETNAM_OFFSET_MS = 7 * HOUR_MS;
const OFFICE_OPENS_MS = 7.5 * HOUR_MS;
const OFFICE_CLOSES_MS = 17 * HOUR_MS;

/** Days since 1970-01-01 of the Vietnamese calendar day containing `ms`. */
export function vietnamDayIndex(ms: number): number {
  return Math.floor((ms + VIETNAM_OFFSET_MS) / DAY_MS);
}

/** Milliseconds since the epoch of Vietnamese midnight starting day `dayIndex`. */
export function vietnamMidnight(dayIndex: number): number {
  return dayIndex * DAY_MS - VIETNAM_OFFSET_MS;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(dayIndex: number): number {
  return (((dayIndex + 4) % 7) + 7) % 7;
}

export function isWorkingDay(dayIndex: number): boolean {
  const day = weekday(dayIndex);
  return day !== 0 && day !== 6;
}

/** Parses `YYYY-MM-DD` as a Vietnamese calendar day. */
export function parseVietnamDay(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(match[3])) {
    throw new Error(`"${text}" is not a date in the form YYYY-MM-DD`);
  }
  return ms / DAY_MS;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** Date parts by day: a few hundred days cover any run, and `Date` is slow enough to be worth skipping. */
const dayParts = new Map<number, { rfcPrefix: string; yymmdd: string }>();

function partsOf(day: number): { rfcPrefix: string; yymmdd: string } {
  let parts = dayParts.get(day);
  if (parts === undefined) {
    const date = new Date(day * DAY_MS);
    const year = date.getUTCFullYear();
    const month = pad2(date.getUTCMonth() + 1);
    const dayOfMonth = pad2(date.getUTCDate());
    parts = { rfcPrefix: `${year}-${month}-${dayOfMonth}T`, yymmdd: `${pad2(year % 100)}${month}${dayOfMonth}` };
    dayParts.set(day, parts);
  }
  return parts;
}

/** `2025-03-04T08:30:00.123+07:00`. */
export function formatVietnamTime(ms: number): string {
  const local = Math.floor(ms) + VIETNAM_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  let rest = local - day * DAY_MS;
  const hours = Math.floor(rest / HOUR_MS);
  rest -= hours * HOUR_MS;
  const minutes = Math.floor(rest / MINUTE_MS);
  rest -= minutes * MINUTE_MS;
  const seconds = Math.floor(rest / 1000);
  return `${partsOf(day).rfcPrefix}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(rest - seconds * 1000)}+07:00`;
}

/** `250304` for 4 March 2025 in Vietnam: the date part of a dossier code. */
export function vietnamYymmdd(ms: number): string {
  return partsOf(vietnamDayIndex(ms)).yymmdd;
}

/**
 * How processing time passes. Historical data uses the real working-day calendar; live demos
 * compress it (one day a minute by default) so that completions and late dossiers show within minutes.
 */
export interface ProcessingCalendar {
  /** Due moment of a dossier received at `receivedMs` with a legal time of `days` working days. */
  dueAt(receivedMs: number, days: number): number;
  /** Moves a moment of processing forward into office hours (officials do not sign at 3 a.m.). */
  toOfficeHours(ms: number): number;
  /** A duration of simulated time, in real milliseconds. */
  span(simulatedMs: number): number;
}

export const workingDayCalendar: ProcessingCalendar = {
  dueAt(receivedMs, days) {
    let day = vietnamDayIndex(receivedMs);
    const closesToday = vietnamMidnight(day) + OFFICE_CLOSES_MS;
    // Dossiers received after closing or on a day off count from the next working day.
    let remaining = days === 0 && (receivedMs >= closesToday || !isWorkingDay(day)) ? 1 : days;
    while (remaining > 0 || !isWorkingDay(day)) {
      day++;
      if (isWorkingDay(day)) remaining--;
    }
    return vietnamMidnight(day) + OFFICE_CLOSES_MS;
  },
  toOfficeHours(ms) {
    let day = vietnamDayIndex(ms);
    const sinceMidnight = ms - vietnamMidnight(day);
    if (isWorkingDay(day) && sinceMidnight >= OFFICE_OPENS_MS && sinceMidnight < OFFICE_CLOSES_MS) return ms;
    if (sinceMidnight >= OFFICE_OPENS_MS) day++;
    while (!isWorkingDay(day)) day++;
    // Keep the minutes within the hour so that moved moments do not pile up at 07:30 sharp.
    return vietnamMidnight(day) + OFFICE_OPENS_MS + (sinceMidnight % HOUR_MS);
  },
  span: (simulatedMs) => simulatedMs,
};

/** `scale` simulated milliseconds pass per real millisecond; a working day counts as 1.4 calendar days. */
export function compressedCalendar(scale: number): ProcessingCalendar {
  return {
    dueAt: (receivedMs, days) => receivedMs + (Math.max(days, 0.5) * 1.4 * DAY_MS) / scale,
    toOfficeHours: (ms) => ms,
    span: (simulatedMs) => simulatedMs / scale,
  };
}

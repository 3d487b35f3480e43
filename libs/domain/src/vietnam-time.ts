/**
 * Calendar periods in Vietnam's time (Asia/Ho_Chi_Minh). Vietnam has kept UTC+07:00 without daylight
 * saving since 1975, so a fixed offset is exact for every date the system will see, and needs no
 * time-zone database.
 */
const VIETNAM_OFFSET_MINUTES = 7 * 60;

/** `YYYY-MM-DD` of Vietnam's calendar day that contains a canonical UTC instant. */
export function vietnamDay(instant: string): string {
  // The canonical Instant is `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`; minutes resolution is all a day needs.
  // Read from character codes: the aggregator calls this several times per event.
  const minutes = twoDigits(instant, 11) * 60 + twoDigits(instant, 14);
  if (minutes + VIETNAM_OFFSET_MINUTES < 24 * 60) return instant.slice(0, 10);
  const year = Number(instant.slice(0, 4));
  const month = Number(instant.slice(5, 7));
  const day = Number(instant.slice(8, 10));
  return formatDay(addDays({ year, month, day }, 1));
}

/** The number written by the two characters at `at` (`NaN` if they are not digits, like `Number`). */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 0x30;
  const units = text.charCodeAt(at + 1) - 0x30;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : NaN;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

export function addDays(date: CivilDate, days: number): CivilDate {
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are (Date.UTC maps them to 1900–1999).
  const utc = new Date(0);
  utc.setUTCFullYear(date.year, date.month - 1, date.day + days);
  return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() };
}

export function formatDay({ year, month, day }: CivilDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Today's date in Vietnam, `YYYY-MM-DD`. */
export function vietnamToday(now: Date = new Date()): string {
  return vietnamDay(now.toISOString());
}

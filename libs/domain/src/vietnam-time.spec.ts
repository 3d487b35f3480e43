import { instantFromEpochMillis, parseRfc3339 } from '@dvc/contracts';
import { periodLabel } from './periods';
import { mulberry32 } from './testing/dossier-events';
import { addDays, daysInMonth, formatDay, isLeapYear, vietnamDay, vietnamToday } from './vietnam-time';

describe('vietnamDay', () => {
  describe('the day turns at 17:00 UTC (midnight in UTC+07:00)', () => {
    it.each([
      ['2025-03-04T00:00:00.000000000Z', '2025-03-04'],
      ['2025-03-04T01:30:00.000000000Z', '2025-03-04'], // 08:30 in Hà Nội
      ['2025-03-04T16:59:00.000000000Z', '2025-03-04'],
      ['2025-03-04T16:59:59.999999999Z', '2025-03-04'], // 23:59:59.999999999 in Hà Nội
      ['2025-03-04T17:00:00.000000000Z', '2025-03-05'], // 00:00 of the next day in Hà Nội
      ['2025-03-04T17:00:00.000000001Z', '2025-03-05'],
      ['2025-03-04T23:59:59.999999999Z', '2025-03-05'],
    ])('%s is %s in Vietnam', (instant, day) => {
      expect(vietnamDay(instant)).toBe(day);
    });
  });

  describe('month, quarter and year boundaries', () => {
    it.each([
      ['2025-01-31T16:59:59.999999999Z', '2025-01-31'],
      ['2025-01-31T17:00:00.000000000Z', '2025-02-01'],
      ['2025-02-28T17:00:00.000000000Z', '2025-03-01'], // 2025 is not a leap year
      ['2025-03-31T17:00:00.000000000Z', '2025-04-01'],
      ['2025-04-30T17:00:00.000000000Z', '2025-05-01'],
      ['2025-06-30T17:00:00.000000000Z', '2025-07-01'],
      ['2025-09-30T17:00:00.000000000Z', '2025-10-01'],
      ['2025-11-30T17:00:00.000000000Z', '2025-12-01'],
      ['2024-12-31T16:59:59.999999999Z', '2024-12-31'],
      ['2024-12-31T17:00:00.000000000Z', '2025-01-01'],
    ])('%s is %s in Vietnam', (instant, day) => {
      expect(vietnamDay(instant)).toBe(day);
    });

    it('puts 2024-12-31T17:00:00Z in 2025-01, 2025-Q1 and 2025, and one nanosecond earlier in 2024', () => {
      const newYear = vietnamDay('2024-12-31T17:00:00.000000000Z');
      expect([periodLabel(newYear, 'day'), periodLabel(newYear, 'month'), periodLabel(newYear, 'quarter'), periodLabel(newYear, 'year')]).toEqual(
        ['2025-01-01', '2025-01', '2025-Q1', '2025'],
      );
      const oldYear = vietnamDay('2024-12-31T16:59:59.999999999Z');
      expect([periodLabel(oldYear, 'day'), periodLabel(oldYear, 'month'), periodLabel(oldYear, 'quarter'), periodLabel(oldYear, 'year')]).toEqual(
        ['2024-12-31', '2024-12', '2024-Q4', '2024'],
      );
    });

    it('puts 2025-03-31T17:00:00Z in the second quarter', () => {
      expect(periodLabel(vietnamDay('2025-03-31T16:59:59.999999999Z'), 'quarter')).toBe('2025-Q1');
      expect(periodLabel(vietnamDay('2025-03-31T17:00:00.000000000Z'), 'quarter')).toBe('2025-Q2');
    });
  });

  describe('leap days', () => {
    it.each([
      ['2024-02-28T17:00:00.000000000Z', '2024-02-29'],
      ['2024-02-29T00:00:00.000000000Z', '2024-02-29'],
      ['2024-02-29T16:59:59.999999999Z', '2024-02-29'],
      ['2024-02-29T17:00:00.000000000Z', '2024-03-01'],
      ['2000-02-28T17:00:00.000000000Z', '2000-02-29'], // divisible by 400: leap
      ['2100-02-28T17:00:00.000000000Z', '2100-03-01'], // divisible by 100 only: not leap
    ])('%s is %s in Vietnam', (instant, day) => {
      expect(vietnamDay(instant)).toBe(day);
    });
  });

  describe('timestamps written with other offsets land on the right Vietnamese day', () => {
    it.each([
      // written in New York (-05:00): 20:30 on the 4th there is 08:30 on the 5th in Hà Nội
      ['2025-03-04T20:30:00-05:00', '2025-03-05'],
      // written in Tokyo (+09:00): 01:30 on the 5th there is 23:30 on the 4th in Hà Nội
      ['2025-03-05T01:30:00+09:00', '2025-03-04'],
      ['2025-03-05T01:59:59.999999999+09:00', '2025-03-04'],
      ['2025-03-05T02:00:00+09:00', '2025-03-05'],
      // written in Vietnam's own offset: the local date is the day
      ['2025-03-04T00:00:00+07:00', '2025-03-04'],
      ['2025-03-04T23:59:59.999999999+07:00', '2025-03-04'],
      // a new year that is already here in Hà Nội but not yet in New York, and the other way round
      ['2024-12-31T12:00:00-05:00', '2025-01-01'],
      ['2024-12-31T11:59:59-05:00', '2024-12-31'],
      ['2025-01-01T01:59:59+09:00', '2024-12-31'],
      ['2025-01-01T02:00:00+09:00', '2025-01-01'],
      // the leap day written from the west
      ['2024-02-28T12:00:00-05:00', '2024-02-29'],
      ['2024-02-29T11:59:59-05:00', '2024-02-29'],
      ['2024-02-29T12:00:00-05:00', '2024-03-01'],
    ])('%s is %s in Vietnam', (text, day) => {
      expect(vietnamDay(parseRfc3339(text))).toBe(day);
    });

    it('gives one instant the same day whatever offset it was written in', () => {
      const writings = ['2025-06-30T17:30:00Z', '2025-07-01T00:30:00+07:00', '2025-06-30T12:30:00-05:00', '2025-07-01T02:30:00+09:00'];
      expect(writings.map((text) => vietnamDay(parseRfc3339(text)))).toEqual(['2025-07-01', '2025-07-01', '2025-07-01', '2025-07-01']);
    });
  });

  it("agrees with the platform's Asia/Ho_Chi_Minh time zone on 5,000 pseudo-random instants since 1976", () => {
    // Vietnam has kept UTC+07:00 since 1975; the ICU database is an independent oracle for that span.
    const oracle = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' });
    const random = mulberry32(20250304);
    const from = Date.UTC(1976, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    const mismatches: string[] = [];
    for (let i = 0; i < 5000; i++) {
      // half of the samples within a minute of 17:00 UTC, where the day turns
      const millis =
        i % 2 === 0
          ? Math.floor(from + random() * (to - from))
          : Math.floor((from + random() * (to - from)) / 86_400_000) * 86_400_000 + 17 * 3_600_000 + Math.floor((random() - 0.5) * 120_000);
      const instant = instantFromEpochMillis(millis);
      const expected = oracle.format(new Date(millis));
      if (vietnamDay(instant) !== expected) mismatches.push(`${instant}: ${vietnamDay(instant)} ≠ ${expected}`);
    }
    expect(mismatches).toEqual([]);
  });

  // Date.UTC maps years 0–99 to 1900–1999; the contracts accept years 0000–9999 (a typo such as
  // `0025-03-04` passes validation), so the day must turn without that mapping.
  it('keeps years 0000–0099 when the day turns (0025-03-04T18:00Z is 0025-03-05)', () => {
    expect(vietnamDay('0025-03-04T18:00:00.000000000Z')).toBe('0025-03-05');
  });
});

describe('vietnamToday', () => {
  it("gives Vietnam's date of the given moment", () => {
    expect(vietnamToday(new Date('2025-03-04T16:59:59.999Z'))).toBe('2025-03-04');
    expect(vietnamToday(new Date('2025-03-04T17:00:00.000Z'))).toBe('2025-03-05');
    expect(vietnamToday(new Date('2024-12-31T20:00:00-05:00'))).toBe('2025-01-01');
  });
});

describe('calendar helpers', () => {
  it.each([
    [2024, true],
    [2025, false],
    [2000, true],
    [1900, false],
    [2100, false],
    [2400, true],
  ])('isLeapYear(%i) is %s', (year, leap) => {
    expect(isLeapYear(year)).toBe(leap);
  });

  it('knows the length of every month', () => {
    const months2025 = Array.from({ length: 12 }, (_, i) => daysInMonth(2025, i + 1));
    expect(months2025).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
  });

  it.each([
    [{ year: 2025, month: 3, day: 4 }, 1, { year: 2025, month: 3, day: 5 }],
    [{ year: 2025, month: 2, day: 28 }, 1, { year: 2025, month: 3, day: 1 }],
    [{ year: 2024, month: 2, day: 28 }, 1, { year: 2024, month: 2, day: 29 }],
    [{ year: 2024, month: 12, day: 31 }, 1, { year: 2025, month: 1, day: 1 }],
    [{ year: 2025, month: 1, day: 1 }, -1, { year: 2024, month: 12, day: 31 }],
    [{ year: 2024, month: 3, day: 1 }, -1, { year: 2024, month: 2, day: 29 }],
    [{ year: 2025, month: 1, day: 1 }, 365, { year: 2026, month: 1, day: 1 }],
    [{ year: 2024, month: 1, day: 1 }, 365, { year: 2024, month: 12, day: 31 }],
  ])('addDays(%o, %i) is %o', (date, days, expected) => {
    expect(addDays(date, days)).toEqual(expected);
  });

  it('formats days with zero padding', () => {
    expect(formatDay({ year: 2025, month: 3, day: 4 })).toBe('2025-03-04');
    expect(formatDay({ year: 2025, month: 12, day: 31 })).toBe('2025-12-31');
    expect(formatDay({ year: 987, month: 1, day: 9 })).toBe('0987-01-09');
  });
});

import {
  compressedCalendar,
  DAY_MS,
  formatVietnamTime,
  parseVietnamDay,
  vietnamMidnight,
  vietnamYymmdd,
  workingDayCalendar,
} from './vietnam-clock';

const at = (text: string) => Date.parse(text);

describe(formatVietnamTime.name, () => {
  it('writes RFC 3339 in Vietnam time with the +07:00 offset and milliseconds', () => {
    expect(formatVietnamTime(at('2025-03-04T01:30:00.123Z'))).toBe('2025-03-04T08:30:00.123+07:00');
    expect(formatVietnamTime(at('2025-12-31T17:00:00.000Z'))).toBe('2026-01-01T00:00:00.000+07:00');
  });

  it('names the same instant as Date does, across many days', () => {
    for (let ms = at('2024-12-30T00:00:00Z'); ms < at('2026-01-03T00:00:00Z'); ms += 7_654_321) {
      expect(Date.parse(formatVietnamTime(ms))).toBe(ms);
    }
  });

  it('gives the yymmdd of a dossier code by the Vietnamese date', () => {
    expect(vietnamYymmdd(at('2025-03-03T17:30:00Z'))).toBe('250304');
  });
});

describe(parseVietnamDay.name, () => {
  it('refuses impossible dates', () => {
    expect(() => parseVietnamDay('2025-02-30')).toThrow();
    expect(() => parseVietnamDay('2025-2-3')).toThrow();
    expect(vietnamMidnight(parseVietnamDay('2025-03-04'))).toBe(at('2025-03-04T00:00:00+07:00'));
  });
});

describe('workingDayCalendar', () => {
  const due = (received: string, days: number) => formatVietnamTime(workingDayCalendar.dueAt(at(received), days));

  it('counts working days and ends at 17:00', () => {
    expect(due('2025-03-03T09:00:00+07:00', 3)).toBe('2025-03-06T17:00:00.000+07:00'); // Monday → Thursday
    expect(due('2025-03-06T09:00:00+07:00', 3)).toBe('2025-03-11T17:00:00.000+07:00'); // over the weekend
    expect(due('2025-03-08T10:00:00+07:00', 1)).toBe('2025-03-10T17:00:00.000+07:00'); // received on Saturday
  });

  it('makes within-the-day procedures due today, or the next working day after closing', () => {
    expect(due('2025-03-04T09:00:00+07:00', 0)).toBe('2025-03-04T17:00:00.000+07:00');
    expect(due('2025-03-07T21:00:00+07:00', 0)).toBe('2025-03-10T17:00:00.000+07:00');
  });

  it('moves processing into office hours, forward only', () => {
    const moved = (text: string) => formatVietnamTime(workingDayCalendar.toOfficeHours(at(text)));
    expect(moved('2025-03-04T10:15:00+07:00')).toBe('2025-03-04T10:15:00.000+07:00');
    expect(moved('2025-03-04T22:15:00+07:00')).toBe('2025-03-05T07:45:00.000+07:00');
    expect(moved('2025-03-08T10:15:00+07:00')).toBe('2025-03-10T07:45:00.000+07:00');
  });
});

describe(compressedCalendar.name, () => {
  it('shrinks durations by the scale', () => {
    const calendar = compressedCalendar(1440);
    expect(calendar.span(DAY_MS)).toBe(60_000);
    expect(calendar.dueAt(0, 5)).toBe((5 * 1.4 * DAY_MS) / 1440);
  });
});

import {
  isWithinWorkingHours,
  parseWorkingWindows,
  silentFor,
  VIETNAM_OFFICE_HOURS,
  WorkingSchedule,
  workingScheduleProblems,
  workingTimeBetween,
} from './working-hours';

/** A wall-clock time in Hà Nội. 2025-03-03 is a Monday. */
const vn = (local: string) => new Date(`${local}+07:00`);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** 07:30–11:30 and 13:30–17:00 */
const WORKING_DAY = 7.5 * HOUR;

describe('isWithinWorkingHours', () => {
  it.each([
    ['2025-03-03T07:29:59.999', false], // Monday, before opening
    ['2025-03-03T07:30:00.000', true], // opening, inclusive
    ['2025-03-03T09:00:00.000', true],
    ['2025-03-03T11:29:59.999', true],
    ['2025-03-03T11:30:00.000', false], // lunch, exclusive end
    ['2025-03-03T12:30:00.000', false],
    ['2025-03-03T13:29:59.999', false],
    ['2025-03-03T13:30:00.000', true],
    ['2025-03-03T16:59:59.999', true],
    ['2025-03-03T17:00:00.000', false], // closing, exclusive
    ['2025-03-03T23:00:00.000', false],
    ['2025-03-07T16:59:00.000', true], // Friday
    ['2025-03-08T09:00:00.000', false], // Saturday
    ['2025-03-09T09:00:00.000', false], // Sunday
  ])('%s in Hà Nội: %p', (local, expected) => {
    expect(isWithinWorkingHours(vn(local))).toBe(expected);
  });

  it('judges by Vietnam’s clock, not UTC’s', () => {
    // 00:30 UTC Monday is 07:30 in Hà Nội: open
    expect(isWithinWorkingHours(new Date('2025-03-03T00:30:00Z'))).toBe(true);
    // 10:00 UTC Friday is 17:00 in Hà Nội: closed, though 10:00 looks like office hours
    expect(isWithinWorkingHours(new Date('2025-03-07T10:00:00Z'))).toBe(false);
    // 01:00 UTC Saturday is 08:00 Saturday in Hà Nội; 20:00 UTC Sunday is 03:00 Monday there
    expect(isWithinWorkingHours(new Date('2025-03-08T01:00:00Z'))).toBe(false);
    expect(isWithinWorkingHours(new Date('2025-03-09T20:00:00Z'))).toBe(false);
    // 23:59 UTC Sunday is 06:59 Monday in Hà Nội: a weekday, not yet open
    expect(isWithinWorkingHours(new Date('2025-03-09T23:59:00Z'))).toBe(false);
  });

  it('honours holidays and extra working days', () => {
    const schedule: WorkingSchedule = {
      ...VIETNAM_OFFICE_HOURS,
      holidays: ['2025-04-30'], // Wednesday, Reunification Day
      extraWorkingDays: ['2025-04-26'], // a Saturday worked in exchange
    };
    expect(isWithinWorkingHours(vn('2025-04-30T09:00:00'), schedule)).toBe(false);
    expect(isWithinWorkingHours(vn('2025-04-26T09:00:00'), schedule)).toBe(true);
    expect(isWithinWorkingHours(vn('2025-04-26T12:00:00'), schedule)).toBe(false); // still lunch
    expect(isWithinWorkingHours(vn('2025-04-30T09:00:00'))).toBe(true); // default schedule knows no holidays
  });

  it('uses configured windows and weekdays', () => {
    const saturdayMornings: WorkingSchedule = { weekdays: [6], windows: [{ start: '08:00', end: '12:00' }] };
    expect(isWithinWorkingHours(vn('2025-03-08T08:00:00'), saturdayMornings)).toBe(true);
    expect(isWithinWorkingHours(vn('2025-03-08T12:00:00'), saturdayMornings)).toBe(false);
    expect(isWithinWorkingHours(vn('2025-03-03T09:00:00'), saturdayMornings)).toBe(false);
  });

  it('supports a window running to midnight', () => {
    const evenings: WorkingSchedule = { weekdays: [1], windows: [{ start: '18:00', end: '24:00' }] };
    expect(isWithinWorkingHours(vn('2025-03-03T23:59:59.999'), evenings)).toBe(true);
    expect(isWithinWorkingHours(vn('2025-03-04T00:00:00'), evenings)).toBe(false);
  });

  it('rejects an invalid date', () => {
    expect(() => isWithinWorkingHours(new Date('nonsense'))).toThrow(RangeError);
  });
});

describe('workingTimeBetween', () => {
  it.each([
    ['within one window', '2025-03-03T08:00:00', '2025-03-03T09:15:00', 75 * MINUTE],
    ['across lunch', '2025-03-03T11:00:00', '2025-03-03T14:00:00', HOUR],
    ['a whole working day', '2025-03-03T00:00:00', '2025-03-04T00:00:00', WORKING_DAY],
    ['from closing to opening', '2025-03-03T17:00:00', '2025-03-04T07:30:00', 0],
    ['over a weekend', '2025-03-07T17:00:00', '2025-03-10T07:30:00', 0],
    ['Friday 16:00 to Monday 08:00', '2025-03-07T16:00:00', '2025-03-10T08:00:00', 90 * MINUTE],
    ['one working week', '2025-03-03T00:00:00', '2025-03-10T00:00:00', 5 * WORKING_DAY],
    ['a lunch hour only', '2025-03-03T11:30:00', '2025-03-03T13:30:00', 0],
    ['an empty interval', '2025-03-03T09:00:00', '2025-03-03T09:00:00', 0],
    ['a backwards interval', '2025-03-03T10:00:00', '2025-03-03T09:00:00', 0],
    ['one millisecond at opening', '2025-03-03T07:30:00.000', '2025-03-03T07:30:00.001', 1],
    ['the last millisecond before lunch', '2025-03-03T11:29:59.999', '2025-03-03T11:30:00.000', 1],
    ['across a month and a year end', '2024-12-31T16:00:00', '2025-01-01T08:00:00', 90 * MINUTE],
  ])('%s', (_, from, to, expected) => {
    expect(workingTimeBetween(vn(from), vn(to))).toBe(expected);
  });

  it('counts a whole year quickly and exactly', () => {
    // 2025 has 261 weekdays (Mon–Fri)
    expect(workingTimeBetween(vn('2025-01-01T00:00:00'), vn('2026-01-01T00:00:00'))).toBe(261 * WORKING_DAY);
  });

  it('skips holidays', () => {
    const schedule = { ...VIETNAM_OFFICE_HOURS, holidays: ['2025-03-04'] };
    expect(workingTimeBetween(vn('2025-03-03T00:00:00'), vn('2025-03-06T00:00:00'), schedule)).toBe(2 * WORKING_DAY);
  });
});

describe('silentFor', () => {
  const TWO_HOURS = 2 * HOUR;

  it('is not silent on Monday 07:31 after a weekend of silence', () => {
    const verdict = silentFor(vn('2025-03-07T16:59:00'), vn('2025-03-10T07:31:00'), TWO_HOURS);
    expect(verdict).toEqual({ isSilent: false, workingTimeSilent: 2 * MINUTE, threshold: TWO_HOURS });
  });

  it('becomes silent exactly when the working time reaches the threshold', () => {
    // last event Friday 16:00: 1 hour on Friday, then Monday 07:30 → 08:30 makes 2 hours
    const last = vn('2025-03-07T16:00:00');
    expect(silentFor(last, vn('2025-03-10T08:29:59.999'), TWO_HOURS).isSilent).toBe(false);
    expect(silentFor(last, vn('2025-03-10T08:30:00'), TWO_HOURS).isSilent).toBe(true);
  });

  it('does not count lunch', () => {
    const last = vn('2025-03-03T10:30:00');
    expect(silentFor(last, vn('2025-03-03T14:29:59'), TWO_HOURS).isSilent).toBe(false);
    expect(silentFor(last, vn('2025-03-03T14:30:00'), TWO_HOURS)).toEqual({
      isSilent: true,
      workingTimeSilent: TWO_HOURS,
      threshold: TWO_HOURS,
    });
  });

  it('is not silent when the last event is in the future (clock skew)', () => {
    expect(silentFor(vn('2025-03-03T10:00:00'), vn('2025-03-03T09:00:00'), MINUTE).isSilent).toBe(false);
  });

  it('uses the given schedule', () => {
    const schedule = { ...VIETNAM_OFFICE_HOURS, holidays: ['2025-03-10'] };
    expect(silentFor(vn('2025-03-07T16:00:00'), vn('2025-03-10T16:00:00'), TWO_HOURS, schedule).isSilent).toBe(false);
    expect(silentFor(vn('2025-03-07T16:00:00'), vn('2025-03-11T08:30:00'), TWO_HOURS, schedule).isSilent).toBe(true);
  });

  it.each([0, -1, Number.NaN])('rejects threshold %p', (threshold) => {
    expect(() => silentFor(vn('2025-03-03T09:00:00'), vn('2025-03-03T10:00:00'), threshold)).toThrow(RangeError);
  });
});

describe('parseWorkingWindows', () => {
  it('parses the office hours as an environment variable would give them', () => {
    expect(parseWorkingWindows('07:30-11:30, 13:30-17:00')).toEqual(VIETNAM_OFFICE_HOURS.windows);
  });

  it.each(['07:30', '07:30-11:30-12:00', '7:30-11:30', '11:30-07:30', '07:30-11:30,11:00-17:00', '25:00-26:00', ''])(
    'rejects %p',
    (text) => {
      expect(() => parseWorkingWindows(text)).toThrow(RangeError);
    },
  );

  it('accepts adjacent windows', () => {
    expect(parseWorkingWindows('07:30-11:30,11:30-17:00')).toHaveLength(2);
  });
});

describe('workingScheduleProblems', () => {
  it('accepts the office hours', () => {
    expect(workingScheduleProblems(VIETNAM_OFFICE_HOURS)).toEqual([]);
  });

  it('lists every problem', () => {
    expect(
      workingScheduleProblems({ weekdays: [0, 8], windows: [{ start: '09:00', end: '08:00' }], holidays: ['30/04/2025'] }),
    ).toEqual([
      'weekday 0 is not 1–7',
      'weekday 8 is not 1–7',
      'window 09:00–08:00 ends before it starts',
      'day "30/04/2025" is not YYYY-MM-DD',
    ]);
  });

  it('is enforced by the functions that take a schedule', () => {
    expect(() => isWithinWorkingHours(new Date(), { weekdays: [1], windows: [] })).toThrow(/at least one working window/);
  });
});

import {
  dayCount,
  DayWindow,
  evaluationWindow,
  monthToDateWindow,
  previousComparableWindow,
  rollingDaysWindow,
} from './period-windows';

const window = (firstDay: string, lastDay: string): DayWindow => ({ firstDay, lastDay });

describe('monthToDateWindow', () => {
  it.each([
    ['2025-03-15T03:00:00Z', '2025-03-01', '2025-03-15'],
    ['2025-03-01T00:00:00Z', '2025-03-01', '2025-03-01'], // first day: a window of one day
    ['2025-03-31T16:59:59.999Z', '2025-03-01', '2025-03-31'], // 23:59:59.999 on 31 March in Hà Nội
    ['2025-03-31T17:00:00Z', '2025-04-01', '2025-04-01'], // midnight: already April in Hà Nội
    ['2025-02-28T16:59:59Z', '2025-02-01', '2025-02-28'],
    ['2024-02-29T12:00:00Z', '2024-02-01', '2024-02-29'],
    ['2024-12-31T17:00:00Z', '2025-01-01', '2025-01-01'], // New Year in Hà Nội, still 2024 in UTC
  ])('at %s is %s … %s', (instant, firstDay, lastDay) => {
    expect(monthToDateWindow(new Date(instant))).toEqual(window(firstDay, lastDay));
  });
});

describe('rollingDaysWindow', () => {
  it.each([
    ['2025-03-30T03:00:00Z', 30, '2025-03-01', '2025-03-30'],
    ['2025-03-01T03:00:00Z', 30, '2025-01-31', '2025-03-01'], // across a short February
    ['2024-03-01T03:00:00Z', 30, '2024-02-01', '2024-03-01'], // across a leap February
    ['2025-01-10T03:00:00Z', 30, '2024-12-12', '2025-01-10'], // across a year end
    ['2025-03-15T03:00:00Z', 1, '2025-03-15', '2025-03-15'],
    ['2025-03-15T03:00:00Z', 7, '2025-03-09', '2025-03-15'],
    ['2025-03-14T17:00:00Z', 7, '2025-03-09', '2025-03-15'], // midnight in Hà Nội belongs to the new day
    ['2025-03-14T16:59:59Z', 7, '2025-03-08', '2025-03-14'],
  ])('at %s, %i days are %s … %s', (instant, days, firstDay, lastDay) => {
    const result = rollingDaysWindow(new Date(instant), days);
    expect(result).toEqual(window(firstDay, lastDay));
    expect(dayCount(result)).toBe(days);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects %p days', (days) => {
    expect(() => rollingDaysWindow(new Date('2025-03-15T03:00:00Z'), days)).toThrow(RangeError);
  });
});

describe('evaluationWindow', () => {
  const now = new Date('2025-03-15T03:00:00Z');

  it('builds the window a spec names', () => {
    expect(evaluationWindow({ kind: 'monthToDate' }, now)).toEqual(window('2025-03-01', '2025-03-15'));
    expect(evaluationWindow({ kind: 'rollingDays', days: 30 }, now)).toEqual(window('2025-02-14', '2025-03-15'));
  });
});

describe('previousComparableWindow', () => {
  describe('month to date', () => {
    it.each([
      ['2025-03-01', '2025-03-15', '2025-02-01', '2025-02-15'],
      ['2025-03-01', '2025-03-01', '2025-02-01', '2025-02-01'],
      ['2025-03-01', '2025-03-28', '2025-02-01', '2025-02-28'],
      ['2025-03-01', '2025-03-29', '2025-02-01', '2025-02-28'], // clamped to February's end
      ['2025-03-01', '2025-03-31', '2025-02-01', '2025-02-28'],
      ['2024-03-01', '2024-03-31', '2024-02-01', '2024-02-29'], // leap year
      ['2025-05-01', '2025-05-31', '2025-04-01', '2025-04-30'],
      ['2025-01-01', '2025-01-20', '2024-12-01', '2024-12-20'], // across the year
      ['2025-02-01', '2025-02-28', '2025-01-01', '2025-01-28'], // not stretched to January's 31 days
    ])('%s … %s compares with %s … %s', (firstDay, lastDay, previousFirst, previousLast) => {
      expect(previousComparableWindow({ kind: 'monthToDate' }, window(firstDay, lastDay))).toEqual(window(previousFirst, previousLast));
    });
  });

  describe('rolling days', () => {
    it.each([
      ['2025-03-01', '2025-03-30', '2025-01-30', '2025-02-28'],
      ['2025-03-15', '2025-03-15', '2025-03-14', '2025-03-14'],
      ['2025-01-01', '2025-01-07', '2024-12-25', '2024-12-31'],
      ['2024-03-01', '2024-03-30', '2024-01-31', '2024-02-29'],
    ])('%s … %s compares with %s … %s', (firstDay, lastDay, previousFirst, previousLast) => {
      const current = window(firstDay, lastDay);
      const previous = previousComparableWindow({ kind: 'rollingDays', days: dayCount(current) }, current);
      expect(previous).toEqual(window(previousFirst, previousLast));
      expect(dayCount(previous)).toBe(dayCount(current));
    });

    it('depends on the spec: the same dates compare differently as rolling days and as month to date', () => {
      // the same dates as a month-to-date window; the spec decides
      const current = window('2025-03-01', '2025-03-30');
      expect(previousComparableWindow({ kind: 'rollingDays', days: 30 }, current)).not.toEqual(
        previousComparableWindow({ kind: 'monthToDate' }, current),
      );
    });
  });
});

describe('dayCount', () => {
  it.each([
    ['2025-03-15', '2025-03-15', 1],
    ['2025-03-01', '2025-03-31', 31],
    ['2024-01-01', '2024-12-31', 366],
    ['2025-01-01', '2025-12-31', 365],
    ['2025-03-29', '2025-04-02', 5],
  ])('%s … %s has %i days', (firstDay, lastDay, expected) => {
    expect(dayCount(window(firstDay, lastDay))).toBe(expected);
  });
});

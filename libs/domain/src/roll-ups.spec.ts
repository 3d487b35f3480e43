import type { BucketDelta } from './buckets';
import type { IndicatorBucketDelta } from './indicator-ledger';
import { coversWholeMonths, monthStartOf, rollUpBucketsByAgencyMonth, rollUpBucketsByMonth, rollUpIndicatorBucketsByMonth, splitWindowByMonths } from './roll-ups';
import { row as delta } from './testing/dossier-events';
import { addDays, formatDay } from './vietnam-time';

describe('monthStartOf', () => {
  it('is the first day of the month', () => {
    expect(monthStartOf('2025-03-31')).toBe('2025-03-01');
    expect(monthStartOf('2024-02-29')).toBe('2024-02-01');
    expect(monthStartOf('2025-12-01')).toBe('2025-12-01');
  });
});

describe('coversWholeMonths', () => {
  it('holds for month, quarter and year bounds and for open bounds', () => {
    expect(coversWholeMonths('2025-03-01', '2025-03-31')).toBe(true);
    expect(coversWholeMonths('2025-01-01', '2025-03-31')).toBe(true);
    expect(coversWholeMonths('2024-01-01', '2024-12-31')).toBe(true);
    expect(coversWholeMonths('2024-02-01', '2024-02-29')).toBe(true);
    expect(coversWholeMonths(null, null)).toBe(true);
    expect(coversWholeMonths('2025-04-01', null)).toBe(true);
    expect(coversWholeMonths(null, '2025-04-30')).toBe(true);
  });

  it('fails for a bound inside a month', () => {
    expect(coversWholeMonths('2025-03-15', '2025-03-31')).toBe(false);
    expect(coversWholeMonths('2025-03-01', '2025-03-30')).toBe(false);
    expect(coversWholeMonths('2025-02-01', '2025-02-28')).toBe(true);
    expect(coversWholeMonths('2024-02-01', '2024-02-28')).toBe(false);
    expect(coversWholeMonths(null, '2025-04-29')).toBe(false);
  });
});

describe('splitWindowByMonths', () => {
  it('reads whole months from the month rows and the edges from the day rows', () => {
    expect(splitWindowByMonths('2025-01-15', '2025-04-10')).toEqual({
      months: { firstMonth: '2025-02-01', lastMonth: '2025-03-01' },
      dayRanges: [
        { firstDay: '2025-01-15', lastDay: '2025-01-31' },
        { firstDay: '2025-04-01', lastDay: '2025-04-10' },
      ],
    });
    expect(splitWindowByMonths('2024-12-01', '2025-02-28')).toEqual({ months: { firstMonth: '2024-12-01', lastMonth: '2025-02-01' }, dayRanges: [] });
    expect(splitWindowByMonths('2024-02-01', '2024-02-29')).toEqual({ months: { firstMonth: '2024-02-01', lastMonth: '2024-02-01' }, dayRanges: [] });
  });

  it('keeps a window without a whole month in the day rows', () => {
    expect(splitWindowByMonths('2025-03-01', '2025-03-07')).toEqual({ months: null, dayRanges: [{ firstDay: '2025-03-01', lastDay: '2025-03-07' }] });
    expect(splitWindowByMonths('2025-02-08', '2025-03-09')).toEqual({ months: null, dayRanges: [{ firstDay: '2025-02-08', lastDay: '2025-03-09' }] });
    expect(splitWindowByMonths('2025-03-10', '2025-03-31')).toEqual({ months: null, dayRanges: [{ firstDay: '2025-03-10', lastDay: '2025-03-31' }] });
    expect(splitWindowByMonths('2025-03-10', '2025-03-09')).toEqual({ months: null, dayRanges: [] });
  });

  it('covers every day of any window exactly once', () => {
    const day = (offset: number) => formatDay(addDays({ year: 2023, month: 11, day: 20 }, offset));
    for (let start = 0; start < 120; start += 7) {
      for (const length of [1, 2, 28, 30, 31, 45, 60, 62, 90, 400]) {
        const firstDay = day(start);
        const lastDay = day(start + length - 1);
        const { months, dayRanges } = splitWindowByMonths(firstDay, lastDay);
        const covered: string[] = [];
        for (const range of dayRanges) for (let d = range.firstDay; d <= range.lastDay; d = formatDay(addDays(parse(d), 1))) covered.push(d);
        if (months) {
          for (let d = months.firstMonth; monthStartOf(d) <= months.lastMonth; d = formatDay(addDays(parse(d), 1))) covered.push(d);
        }
        covered.sort();
        const expected = Array.from({ length }, (_, i) => day(start + i));
        expect(covered).toEqual(expected);
      }
    }
  });
});

const parse = (d: string) => ({ year: Number(d.slice(0, 4)), month: Number(d.slice(5, 7)), day: Number(d.slice(8, 10)) });

describe('rollUpBucketsByMonth', () => {
  it('sums the days of a month per agency and procedure, in lock order', () => {
    const rolled = rollUpBucketsByMonth([
      delta('2025-03-03', 'B', 'p1', { received: 1, receivedOnline: 1 }),
      delta('2025-03-04', 'A', 'p1', { received: 2 }),
      delta('2025-03-31', 'A', 'p1', { completed: 1, completedOnTime: 1 }),
      delta('2025-04-01', 'A', 'p1', { paid: 1, paidOnline: 1 }),
      delta('2025-03-09', 'A', 'p2', { withdrawn: 1 }),
    ]);
    expect(rolled).toEqual([
      delta('2025-03-01', 'A', 'p1', { received: 2, completed: 1, completedOnTime: 1 }),
      delta('2025-03-01', 'A', 'p2', { withdrawn: 1 }),
      delta('2025-03-01', 'B', 'p1', { received: 1, receivedOnline: 1 }),
      delta('2025-04-01', 'A', 'p1', { paid: 1, paidOnline: 1 }),
    ]);
  });

  it('drops a month whose days net to zero (a correction that moved a dossier within the month)', () => {
    expect(rollUpBucketsByMonth([delta('2025-03-03', 'A', 'p1', { received: -1 }), delta('2025-03-05', 'A', 'p1', { received: 1 })])).toEqual([]);
  });

  it('keeps a move across months as −1 and +1', () => {
    expect(rollUpBucketsByMonth([delta('2025-02-28', 'A', 'p1', { received: -1 }), delta('2025-03-01', 'A', 'p1', { received: 1 })])).toEqual([
      delta('2025-02-01', 'A', 'p1', { received: -1 }),
      delta('2025-03-01', 'A', 'p1', { received: 1 }),
    ]);
  });

  it('does not change its input', () => {
    const input = [delta('2025-03-03', 'A', 'p1', { received: 1 }), delta('2025-03-04', 'A', 'p1', { received: 1 })];
    rollUpBucketsByMonth(input);
    expect(input).toEqual([delta('2025-03-03', 'A', 'p1', { received: 1 }), delta('2025-03-04', 'A', 'p1', { received: 1 })]);
  });

  it('keys codes unambiguously (agency "A1" + procedure "x" is not agency "A" + procedure "1x")', () => {
    expect(rollUpBucketsByMonth([delta('2025-03-03', 'A1', 'x', { received: 1 }), delta('2025-03-03', 'A', '1x', { received: 1 })])).toHaveLength(2);
  });

  it('equals a month-by-month sum of many random deltas', () => {
    let seed = 17;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const deltas = Array.from({ length: 2_000 }, () =>
      delta(`2025-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`, `A${Math.floor(random() * 5)}`, `p${Math.floor(random() * 5)}`, {
        received: Math.floor(random() * 5) - 2,
        paidOnline: Math.floor(random() * 3) - 1,
      }),
    );
    const expected = new Map<string, { received: number; paidOnline: number }>();
    for (const { day, agencyCode, procedureCode, received, paidOnline } of deltas) {
      const key = `${day.slice(0, 7)}|${agencyCode}|${procedureCode}`;
      const sum = expected.get(key) ?? { received: 0, paidOnline: 0 };
      expected.set(key, { received: sum.received + received, paidOnline: sum.paidOnline + paidOnline });
    }
    const rolled = new Map(rollUpBucketsByMonth(deltas).map((row) => [`${row.day.slice(0, 7)}|${row.agencyCode}|${row.procedureCode}`, { received: row.received, paidOnline: row.paidOnline }]));
    expect(rolled).toEqual(new Map([...expected].filter(([, sum]) => sum.received !== 0 || sum.paidOnline !== 0)));
  });
});

describe('rollUpBucketsByAgencyMonth', () => {
  it('sums every procedure of an agency per month, procedure code empty', () => {
    expect(
      rollUpBucketsByAgencyMonth([
        delta('2025-03-03', 'B', 'p1', { received: 1 }),
        delta('2025-03-04', 'A', 'p2', { received: 2, receivedOnline: 1 }),
        delta('2025-03-31', 'A', 'p1', { received: 1, completed: 1 }),
        delta('2025-04-01', 'A', 'p1', { paid: 1 }),
        delta('2025-04-02', 'A', 'p3', { paid: -1 }),
      ]),
    ).toEqual([delta('2025-03-01', 'A', '', { received: 3, receivedOnline: 1, completed: 1 }), delta('2025-03-01', 'B', '', { received: 1 })]);
  });
});

describe('rollUpIndicatorBucketsByMonth', () => {
  const row = (day: string, agencyCode: string, counters: Partial<IndicatorBucketDelta>): IndicatorBucketDelta => ({
    day,
    agencyCode,
    procedureCode: 'p1',
    receivedWithPayment: 0,
    receivedPaidOnline: 0,
    resolved: 0,
    resolutionSeconds: 0,
    ...counters,
  });

  it('sums per month and drops zero sums', () => {
    expect(
      rollUpIndicatorBucketsByMonth([
        row('2025-03-04', 'A', { resolved: 1, resolutionSeconds: 3_600 }),
        row('2025-03-20', 'A', { resolved: 1, resolutionSeconds: 60 }),
        row('2025-03-21', 'B', { receivedWithPayment: 1 }),
        row('2025-03-22', 'B', { receivedWithPayment: -1 }),
        row('2025-01-02', 'B', { receivedWithPayment: 1, receivedPaidOnline: 1 }),
      ]),
    ).toEqual([row('2025-01-01', 'B', { receivedWithPayment: 1, receivedPaidOnline: 1 }), row('2025-03-01', 'A', { resolved: 2, resolutionSeconds: 3_660 })]);
  });
});

import { parsePeriodLabel, periodContaining, periodLabel, PERIOD_KINDS, previousPeriod } from './periods';

describe('periodLabel', () => {
  it('labels a day with each kind of period', () => {
    expect(PERIOD_KINDS.map((kind) => periodLabel('2025-03-04', kind))).toEqual(['2025-03-04', '2025-03', '2025-Q1', '2025']);
  });

  it.each([
    ['2025-01-01', '2025-Q1'],
    ['2025-03-31', '2025-Q1'],
    ['2025-04-01', '2025-Q2'],
    ['2025-06-30', '2025-Q2'],
    ['2025-07-01', '2025-Q3'],
    ['2025-09-30', '2025-Q3'],
    ['2025-10-01', '2025-Q4'],
    ['2025-12-31', '2025-Q4'],
    ['2024-02-29', '2024-Q1'],
  ])('puts %s in quarter %s', (day, quarter) => {
    expect(periodLabel(day, 'quarter')).toBe(quarter);
  });

  it.each([
    ['2024-12-31', '2024-12', '2024'],
    ['2025-01-01', '2025-01', '2025'],
    ['2024-02-29', '2024-02', '2024'],
    ['2025-11-30', '2025-11', '2025'],
  ])('puts %s in month %s and year %s', (day, month, year) => {
    expect(periodLabel(day, 'month')).toBe(month);
    expect(periodLabel(day, 'year')).toBe(year);
  });

  it('gives labels that parse back to a period containing the day', () => {
    for (const day of ['2024-02-29', '2025-01-01', '2025-03-31', '2025-08-15', '2025-12-31']) {
      for (const kind of PERIOD_KINDS) {
        const parsed = parsePeriodLabel(periodLabel(day, kind));
        expect(parsed?.kind).toBe(kind);
        expect(parsed!.firstDay <= day && day <= parsed!.lastDay).toBe(true);
      }
    }
  });
});

describe('parsePeriodLabel', () => {
  it.each([
    ['2025-03-01', 'day', '2025-03-01', '2025-03-01'],
    ['2024-02-29', 'day', '2024-02-29', '2024-02-29'],
    ['2025-12-31', 'day', '2025-12-31', '2025-12-31'],
    ['2025-03', 'month', '2025-03-01', '2025-03-31'],
    ['2025-04', 'month', '2025-04-01', '2025-04-30'],
    ['2025-02', 'month', '2025-02-01', '2025-02-28'],
    ['2024-02', 'month', '2024-02-01', '2024-02-29'],
    ['2000-02', 'month', '2000-02-01', '2000-02-29'],
    ['2100-02', 'month', '2100-02-01', '2100-02-28'],
    ['2025-12', 'month', '2025-12-01', '2025-12-31'],
    ['2025-Q1', 'quarter', '2025-01-01', '2025-03-31'],
    ['2025-Q2', 'quarter', '2025-04-01', '2025-06-30'],
    ['2025-Q3', 'quarter', '2025-07-01', '2025-09-30'],
    ['2025-Q4', 'quarter', '2025-10-01', '2025-12-31'],
    ['2024-Q1', 'quarter', '2024-01-01', '2024-03-31'],
    ['2025', 'year', '2025-01-01', '2025-12-31'],
    ['2024', 'year', '2024-01-01', '2024-12-31'],
  ])('parses %s as a %s from %s to %s', (label, kind, firstDay, lastDay) => {
    expect(parsePeriodLabel(label)).toEqual({ kind, firstDay, lastDay });
  });

  it.each([
    // impossible dates: no roll-over into the next month
    '2025-02-29',
    '2025-02-30',
    '2025-04-31',
    '2025-03-32',
    '2025-03-00',
    '1900-02-29',
    // impossible months and quarters
    '2025-13',
    '2025-00',
    '2025-00-10',
    '2025-13-01',
    '2025-Q5',
    '2025-Q0',
    // not the API's spelling
    '2025-1',
    '2025-3-1',
    '2025-03-1',
    '25-03',
    '202',
    '20250',
    '2025-q1',
    '2025Q1',
    '2025-Q01',
    '2025-W10',
    '2025-03-01T00:00:00Z',
    '2025/03',
    ' 2025',
    '2025 ',
    '2025\n',
    '2025-03\n',
    '２０２５', // full-width digits
    '',
  ])('refuses %j', (label) => {
    expect(parsePeriodLabel(label)).toBeNull();
  });
});

describe('previousPeriod', () => {
  it.each([
    ['2025-03-01', '2025-02-28'],
    ['2025-01', '2024-12'],
    ['2024-03', '2024-02'],
    ['2025-Q1', '2024-Q4'],
    ['2025-Q3', '2025-Q2'],
    ['2025', '2024'],
  ])('comes before %s: %s', (label, previous) => {
    expect(previousPeriod(parsePeriodLabel(label)!)).toEqual(parsePeriodLabel(previous));
  });

  it('finds the period containing a day', () => {
    expect(periodContaining('2025-11-30', 'quarter')).toEqual({ kind: 'quarter', firstDay: '2025-10-01', lastDay: '2025-12-31' });
  });
});

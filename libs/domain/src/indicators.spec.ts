import { comparable, computeIndicators, NO_INDICATOR_COUNTS, periodFinality } from './indicators';
import { parsePeriodLabel } from './periods';

const NONE = NO_INDICATOR_COUNTS;

describe('national indicators', () => {
  it("gives seed 004's Khánh Hòa figures: 183 received, 51 online, 179 resolved, none late", () => {
    // Sở Thông tin và Truyền thông Khánh Hòa, 2019: the 4 dossiers not resolved by the year's end were not late.
    const figures = computeIndicators({ ...NONE, received: 183, receivedOnline: 51, completed: 179, completedOnTime: 179, inProgressWithinDeadline: 4 });
    expect(figures.onlineSubmission).toMatchObject({ code: '3.3', formulaVersion: '3.3-v1', value: 0.2787, numerator: 51, denominator: 183, ci95: [0.2188, 0.3477] });
    expect(figures.onTimeResolution).toMatchObject({ code: '2.1', value: 1, numerator: 183, denominator: 183 });
  });

  it('counts dossiers still in progress at the end of the period in 2.1, on time while within their deadline', () => {
    const figures = computeIndicators({ ...NONE, received: 50, completed: 40, completedOnTime: 30, inProgressWithinDeadline: 6, inProgressOverdue: 4 });
    // (30 on time + 6 within deadline) / (40 completed + 10 in progress)
    expect(figures.onTimeResolution).toMatchObject({ value: 0.72, numerator: 36, denominator: 50 });
  });

  it('averages resolution time over completed dossiers, in days', () => {
    // Three dossiers of 1 day, 2 days and 4.5 days.
    const figures = computeIndicators({ ...NONE, received: 3, completed: 3, completedOnTime: 3, resolved: 3, resolutionSecondsTotal: (1 + 2 + 4.5) * 86_400 });
    expect(figures.averageResolutionDays).toEqual({
      indicator: 'averageResolutionDays',
      code: '2.2',
      formulaVersion: '2.2-v1',
      unit: 'days',
      value: 2.5,
      numerator: 648_000,
      denominator: 3,
    });
  });

  it('computes full-online, online payment, procedures online and online services used over their own denominators', () => {
    const figures = computeIndicators({
      ...NONE,
      received: 1_000,
      receivedOnline: 300,
      receivedOfFullOnlineProcedures: 400,
      receivedOnlineOfFullOnlineProcedures: 100,
      receivedOfFeeProcedures: 250,
      paidOnline: 50,
      procedures: 1_800,
      proceduresOfferedOnline: 1_440,
      onlineProceduresWithOnlineDossiers: 720,
    });
    expect(figures.fullOnline).toMatchObject({ value: 0.25, numerator: 100, denominator: 400 });
    expect(figures.onlinePayment).toMatchObject({ code: '3.6', value: 0.2, numerator: 50, denominator: 250 });
    expect(figures.proceduresOnline).toMatchObject({ code: '3.1', value: 0.8 });
    expect(figures.onlineServicesUsed).toMatchObject({ value: 0.5, numerator: 720, denominator: 1_440 });
  });

  it('gives null, never 0, for every indicator without a denominator', () => {
    const figures = computeIndicators(NONE);
    for (const figure of Object.values(figures)) expect({ indicator: figure.indicator, value: figure.value }).toEqual({ indicator: figure.indicator, value: null });
    expect(figures.onlineSubmission.ci95).toBeNull();
  });

  it('refuses counts that cannot be: a part larger than its whole, a negative or fractional count', () => {
    expect(() => computeIndicators({ ...NONE, received: 5, receivedOnline: 6 })).toThrow('receivedOnline (6) cannot exceed received (5)');
    expect(() => computeIndicators({ ...NONE, received: 5, receivedOfFeeProcedures: 2, paidOnline: 3 })).toThrow('paidOnline (3) cannot exceed receivedOfFeeProcedures (2)');
    expect(() => computeIndicators({ ...NONE, completed: -1 })).toThrow('completed must be a finite number ≥ 0, not -1');
    expect(() => computeIndicators({ ...NONE, received: Number.NaN })).toThrow('received must be a finite number');
  });

  it('compares figures only when the same formula version made them', () => {
    expect(comparable({ formulaVersion: '3.3-v1' }, { formulaVersion: '3.3-v1' })).toBe(true);
    expect(comparable({ formulaVersion: '3.3-v1' }, { formulaVersion: '3.3-v2' })).toBe(false);
  });
});

describe('provisional and final periods', () => {
  const march = parsePeriodLabel('2025-03')!;

  it('keeps a closed period provisional through its grace days, final from the day after', () => {
    expect(periodFinality(march, '2025-03-20', 5)).toEqual({ status: 'provisional', finalFrom: '2025-04-06', revisedAfterFinal: false });
    expect(periodFinality(march, '2025-04-05', 5).status).toBe('provisional');
    expect(periodFinality(march, '2025-04-06', 5).status).toBe('final');
    expect(periodFinality(parsePeriodLabel('2025')!, '2026-01-01', 0)).toEqual({ status: 'final', finalFrom: '2026-01-01', revisedAfterFinal: false });
  });

  it('flags a final period whose figures changed after it became final, not one changed during the grace days', () => {
    expect(periodFinality(march, '2025-04-10', 5, '2025-04-07').revisedAfterFinal).toBe(true);
    expect(periodFinality(march, '2025-04-10', 5, '2025-04-05').revisedAfterFinal).toBe(false);
    expect(periodFinality(march, '2025-04-04', 5, '2025-04-04').revisedAfterFinal).toBe(false);
    expect(() => periodFinality(march, '2025-04-10', -1)).toThrow('graceDays');
  });
});

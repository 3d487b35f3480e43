import { monthEndLookAhead, projectOnlineRate } from './online-rate-projection';
import { isWorkingDay, workingDaysBetween } from './working-hours';

describe('where the online rate ends at the present pace', () => {
  it('projects the rate with an interval and the online dossiers a day the target needs', () => {
    // 400 received (100 online) in 10 working days, 12 left: 480 more expected, 880 in all; 50% needs 440 online.
    expect(projectOnlineRate({ received: 400, receivedOnline: 100, workingDaysElapsed: 10, workingDaysRemaining: 12, target: 0.5 })).toEqual({
      projectedRate: 0.25,
      // The share of the 480 to come within Wilson's interval of 100/400 (0.2101–0.2947), blended with the 100 so far.
      projectedRateCi95: [0.2282, 0.2744],
      expectedRemaining: 480,
      neededOnlinePerWorkingDay: 28.33,
      presentOnlinePerWorkingDay: 10,
      targetOutlook: 'reachable',
    });
  });

  it('says when the target is already reached or out of reach', () => {
    expect(projectOnlineRate({ received: 100, receivedOnline: 90, workingDaysElapsed: 10, workingDaysRemaining: 1, target: 0.8 })).toMatchObject({
      targetOutlook: 'reached',
      neededOnlinePerWorkingDay: 0,
    });
    // Exactly half of 200: reached, not "one more" through rounding.
    expect(projectOnlineRate({ received: 100, receivedOnline: 100, workingDaysElapsed: 5, workingDaysRemaining: 5, target: 0.5 }).targetOutlook).toBe('reached');
    // 40 of 400 online, one working day (40 dossiers) left: 180 more online would be needed.
    expect(projectOnlineRate({ received: 400, receivedOnline: 40, workingDaysElapsed: 10, workingDaysRemaining: 1, target: 0.5 })).toMatchObject({
      targetOutlook: 'unreachable',
      neededOnlinePerWorkingDay: 180,
    });
  });

  it('projects nothing without a pace, and no outlook without a target', () => {
    expect(projectOnlineRate({ received: 0, receivedOnline: 0, workingDaysElapsed: 3, workingDaysRemaining: 19, target: 0.5 })).toMatchObject({
      projectedRate: null,
      targetOutlook: null,
    });
    expect(projectOnlineRate({ received: 10, receivedOnline: 5, workingDaysElapsed: 2, workingDaysRemaining: 0 })).toMatchObject({
      projectedRate: 0.5,
      projectedRateCi95: [0.5, 0.5],
      targetOutlook: null,
      neededOnlinePerWorkingDay: null,
    });
  });

  it('refuses impossible input', () => {
    expect(() => projectOnlineRate({ received: 5, receivedOnline: 6, workingDaysElapsed: 1, workingDaysRemaining: 1 })).toThrow('cannot exceed');
    expect(() => projectOnlineRate({ received: 5, receivedOnline: 1, workingDaysElapsed: 1.5, workingDaysRemaining: 1 })).toThrow('workingDaysElapsed');
    expect(() => projectOnlineRate({ received: 5, receivedOnline: 1, workingDaysElapsed: 1, workingDaysRemaining: 1, target: 80 })).toThrow('within 0..1');
  });
});

describe('working days', () => {
  it('counts weekdays, skipping holidays and counting swapped Saturdays', () => {
    // March 2025: 21 weekdays.
    expect(workingDaysBetween('2025-03-01', '2025-03-31')).toBe(21);
    const schedule = { weekdays: [1, 2, 3, 4, 5], windows: [{ start: '07:30', end: '17:00' }], holidays: ['2025-04-30', '2025-05-01', '2025-05-02'], extraWorkingDays: ['2025-04-26'] };
    // 26 April – 4 May 2025: Saturday 26 (worked in exchange), Monday 28, Tuesday 29; 30 April – 2 May off, then the weekend.
    expect(workingDaysBetween('2025-04-26', '2025-05-04', schedule)).toBe(3);
    expect(isWorkingDay('2025-04-26', schedule)).toBe(true);
    expect(isWorkingDay('2025-05-01', schedule)).toBe(false);
    expect(workingDaysBetween('2025-03-02', '2025-03-01')).toBe(0);
  });
});

describe('the month-end look ahead of a month-to-date alert', () => {
  it('counts the working days of the calendar it is given: holidays off, swapped Saturdays on', () => {
    // The same 1–7 December 2026 with Friday 4 December off and Saturday 12 December worked: 4 working days so far
    // (12.5 dossiers a day), 19 left (18 weekdays and Saturday 12): 237.5 → 238 more by the month end.
    const calendar = { weekdays: [1, 2, 3, 4, 5], windows: [{ start: '07:30', end: '17:00' }], holidays: ['2026-12-04'], extraWorkingDays: ['2026-12-12'] };
    const lookAhead = monthEndLookAhead({ firstDay: '2026-12-01', lastDay: '2026-12-07' }, 50, 10, 0.5, calendar);
    expect(lookAhead).toMatchObject({ workingDaysElapsed: 4, workingDaysRemaining: 19, expectedRemaining: 238, presentOnlinePerWorkingDay: 2.5 });
    // 0.5 × 288 = 144 online needed, 134 more over 19 days.
    expect(lookAhead.neededOnlinePerWorkingDay).toBe(7.05);
  });

  it('projects 1–7 December 2026 (5 working days, 18 left) to the month end', () => {
    // 50 dossiers, 10 online: 10 a working day, so 180 more by 31 December; 0.5 × 230 = 115 online are needed,
    // 105 more, 5.83 a working day against the present 2. The share so far, 0.2, has the Wilson interval
    // 0.1124–0.3304; blended with the 10 online of 230: (10 + 180 × 0.1124) / 230 = 0.1315, (10 + 180 × 0.3304) / 230 = 0.302.
    expect(monthEndLookAhead({ firstDay: '2026-12-01', lastDay: '2026-12-07' }, 50, 10, 0.5)).toEqual({
      month: '2026-12',
      workingDaysElapsed: 5,
      workingDaysRemaining: 18,
      projectedRate: 0.2,
      projectedRateCi95: [0.1315, 0.302],
      expectedRemaining: 180,
      neededOnlinePerWorkingDay: 5.83,
      presentOnlinePerWorkingDay: 2,
      targetOutlook: 'reachable',
    });
  });

  it('has nothing left to project on the last day of the month, and refuses a window that is not month to date', () => {
    const last = monthEndLookAhead({ firstDay: '2026-11-01', lastDay: '2026-11-30' }, 100, 40, 0.5);
    expect(last).toMatchObject({ month: '2026-11', workingDaysRemaining: 0, expectedRemaining: 0, projectedRate: 0.4, neededOnlinePerWorkingDay: null, targetOutlook: 'unreachable' });
    expect(() => monthEndLookAhead({ firstDay: '2026-11-02', lastDay: '2026-11-30' }, 1, 1, null)).toThrow(RangeError);
    expect(() => monthEndLookAhead({ firstDay: '2026-11-01', lastDay: '2026-12-01' }, 1, 1, null)).toThrow(RangeError);
  });
});

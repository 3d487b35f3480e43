import { addDays, daysInMonth, formatDay } from './vietnam-time';
import { round4, wilsonInterval } from './wilson';
import { VIETNAM_OFFICE_HOURS, workingDaysBetween, type WorkingSchedule } from './working-hours';

/**
 * A look ahead for a running period (month, quarter, year): where the online submission rate ends if dossiers keep
 * arriving at the present pace, and how many online dossiers per working day would reach the target.
 *
 * The model, kept simple enough to explain in one line of an e-mail: the dossiers still to come are the present
 * volume per working day times the working days left; the share of them submitted online lies in the 95% Wilson
 * interval of the share so far. The projected rate is the rate so far blended with that share; its interval comes
 * from the interval of the share (the volume is taken as known).
 */

export interface ProjectionInput {
  received: number;
  receivedOnline: number;
  /** Working days of the period elapsed so far (today included once it has begun), and those left after it. */
  workingDaysElapsed: number;
  workingDaysRemaining: number;
  /** The target rate (0..1) the agency is held to, if any. */
  target?: number | null;
}

export interface OnlineRateProjection {
  /** `null` when nothing has been received yet: there is no pace to project. */
  projectedRate: number | null;
  projectedRateCi95: [number, number] | null;
  /** Dossiers expected in the rest of the period at the present pace. */
  expectedRemaining: number;
  /** Online dossiers per working day the rest of the period needs for the target, and the present online pace. */
  neededOnlinePerWorkingDay: number | null;
  presentOnlinePerWorkingDay: number | null;
  /**
   * `reached`: the target is met even if every dossier still expected came in person; `reachable`: the rest can meet it; `unreachable`: not even
   * if every dossier still to come were online; `null` without a target or a pace.
   */
  targetOutlook: 'reached' | 'reachable' | 'unreachable' | null;
}

function checkInput(input: ProjectionInput): void {
  const { received, receivedOnline, workingDaysElapsed, workingDaysRemaining, target } = input;
  for (const [name, value] of Object.entries({ received, receivedOnline, workingDaysElapsed, workingDaysRemaining })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0, not ${value}`);
  }
  if (receivedOnline > received) throw new RangeError(`receivedOnline (${receivedOnline}) cannot exceed received (${received})`);
  if (target !== undefined && target !== null && !(target >= 0 && target <= 1)) throw new RangeError(`target must be within 0..1, not ${target}`);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export function projectOnlineRate(input: ProjectionInput): OnlineRateProjection {
  checkInput(input);
  const { received, receivedOnline, workingDaysElapsed, workingDaysRemaining } = input;
  const target = input.target ?? null;
  if (received === 0 || workingDaysElapsed === 0) {
    return { projectedRate: null, projectedRateCi95: null, expectedRemaining: 0, neededOnlinePerWorkingDay: null, presentOnlinePerWorkingDay: null, targetOutlook: null };
  }
  const expectedRemaining = Math.round((received / workingDaysElapsed) * workingDaysRemaining);
  const total = received + expectedRemaining;
  const share = receivedOnline / received;
  const [low, high] = wilsonInterval(receivedOnline, received)!;
  const blend = (futureShare: number) => round4((receivedOnline + expectedRemaining * futureShare) / total);
  let targetOutlook: OnlineRateProjection['targetOutlook'] = null;
  let neededOnlinePerWorkingDay: number | null = null;
  if (target !== null) {
    // Online dossiers the whole period needs, against what it has and what can still come.
    // (The 1e-9 keeps 0.5 × 200 = 100.00000000000001 from asking for 101.)
    const stillNeeded = Math.max(0, Math.ceil(target * total - receivedOnline - 1e-9));
    targetOutlook = stillNeeded === 0 ? 'reached' : stillNeeded <= expectedRemaining ? 'reachable' : 'unreachable';
    neededOnlinePerWorkingDay = workingDaysRemaining > 0 ? round2(stillNeeded / workingDaysRemaining) : null;
  }
  return {
    projectedRate: blend(share),
    projectedRateCi95: [blend(low), blend(high)],
    expectedRemaining,
    neededOnlinePerWorkingDay,
    presentOnlinePerWorkingDay: round2(receivedOnline / workingDaysElapsed),
    targetOutlook,
  };
}

/** A projection over a running period: its working days so far (today included) and left after today. */
export interface PeriodProjection extends OnlineRateProjection {
  workingDaysElapsed: number;
  workingDaysRemaining: number;
}

/**
 * Where the online rate of a running period (`firstDay`…`lastDay`, holding `today`) ends at the present pace, from
 * the dossiers received so far. Working days are those of `schedule`: Monday to Friday, less the public holidays and
 * plus the swapped Saturdays it lists (the services' INDICATOR_/ALERT_HOLIDAYS). The API's forecasts (month,
 * quarter, year) and the alert sweep's month-end look ahead both come from here.
 */
export function projectPeriodOnlineRate(
  period: { firstDay: string; lastDay: string },
  today: string,
  received: number,
  receivedOnline: number,
  target: number | null,
  schedule: WorkingSchedule = VIETNAM_OFFICE_HOURS,
): PeriodProjection {
  const [year, month, day] = today.split('-').map(Number);
  const workingDaysElapsed = workingDaysBetween(period.firstDay, today, schedule);
  // workingDaysBetween counts 0 when the first day is after the last: nothing is left on the period's last day.
  const workingDaysRemaining = workingDaysBetween(formatDay(addDays({ year, month, day }, 1)), period.lastDay, schedule);
  return { workingDaysElapsed, workingDaysRemaining, ...projectOnlineRate({ received, receivedOnline, workingDaysElapsed, workingDaysRemaining, target }) };
}

/** The look ahead of a month-to-date alert: the month it ends with, and the projection from the window's dossiers. */
export interface MonthEndLookAhead extends PeriodProjection {
  /** `YYYY-MM`. */
  month: string;
}

/**
 * Where a month-to-date online rate ends at the present pace: `window` runs from the 1st of the month to today (as
 * the alert sweep's month-to-date window does), `received`/`receivedOnline` are its dossiers, `target` the alert's
 * threshold.
 */
export function monthEndLookAhead(
  window: { firstDay: string; lastDay: string },
  received: number,
  receivedOnline: number,
  target: number | null,
  schedule: WorkingSchedule = VIETNAM_OFFICE_HOURS,
): MonthEndLookAhead {
  if (!/^\d{4}-\d{2}-01$/.test(window.firstDay) || window.lastDay.slice(0, 7) !== window.firstDay.slice(0, 7) || window.lastDay < window.firstDay) {
    throw new RangeError(`${window.firstDay}…${window.lastDay} is not a month-to-date window`);
  }
  const [year, month] = window.firstDay.split('-').map(Number);
  const monthEnd = formatDay({ year, month, day: daysInMonth(year, month) });
  return { month: window.firstDay.slice(0, 7), ...projectPeriodOnlineRate({ firstDay: window.firstDay, lastDay: monthEnd }, window.lastDay, received, receivedOnline, target, schedule) };
}

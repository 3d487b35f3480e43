import { rate, round4, wilsonInterval } from './wilson';
import { ParsedPeriod } from './periods';
import { addDays, formatDay } from './vietnam-time';

/**
 * The national indicators (Decision 766/QĐ-TTg as the public-service portal applies them; see
 * ../shared/docs/indicators.md) as pure functions of counts. Every figure carries the version of its formula:
 * formulas change, and figures computed by different versions are never compared (`comparable`).
 */

export const INDICATORS = {
  /** 3.3: dossiers received online / all dossiers received. */
  onlineSubmission: { code: '3.3', formulaVersion: '3.3-v1', unit: 'ratio', nameVi: 'Tỷ lệ hồ sơ trực tuyến', nameEn: 'Online submission rate' },
  /** Dossiers submitted online for procedures offered fully online / all dossiers of those procedures. */
  fullOnline: { code: 'full-online', formulaVersion: 'full-online-v1', unit: 'ratio', nameVi: 'Tỷ lệ hồ sơ trực tuyến toàn trình', nameEn: 'Full-online rate' },
  /**
   * 2.1: (completed on time + still in progress within the deadline at the end of the period) / dossiers handled
   * (completed in the period + in progress at its end). Withdrawn dossiers are not handled.
   */
  onTimeResolution: { code: '2.1', formulaVersion: '2.1-v1', unit: 'ratio', nameVi: 'Tỷ lệ giải quyết đúng hạn', nameEn: 'On-time resolution' },
  /** 2.2: total resolution time of the dossiers completed in the period (reception known) / their number, in days. */
  averageResolutionDays: { code: '2.2', formulaVersion: '2.2-v1', unit: 'days', nameVi: 'Thời gian giải quyết trung bình', nameEn: 'Average resolution time' },
  /** 3.6: dossiers paid online / dossiers of fee-charging procedures received in the period. */
  onlinePayment: { code: '3.6', formulaVersion: '3.6-v1', unit: 'ratio', nameVi: 'Tỷ lệ thanh toán trực tuyến', nameEn: 'Online payment rate' },
  /** 3.1: procedures offered partly or fully online / procedures in scope. */
  proceduresOnline: { code: '3.1', formulaVersion: '3.1-v1', unit: 'ratio', nameVi: 'Tỷ lệ thủ tục cung cấp trực tuyến', nameEn: 'Procedures offered online' },
  /** Online services (procedures offered online) with at least one online dossier in the period / online services. */
  onlineServicesUsed: {
    code: 'online-services-used',
    formulaVersion: 'online-services-used-v1',
    unit: 'ratio',
    nameVi: 'Tỷ lệ dịch vụ trực tuyến có phát sinh hồ sơ',
    nameEn: 'Online services with online dossiers',
  },
} as const;

export type IndicatorName = keyof typeof INDICATORS;

/** The counts of one agency (or subtree, procedure, sector) and period that the indicators are computed from. */
export interface IndicatorCounts {
  received: number;
  receivedOnline: number;
  /** Dossiers received for procedures offered fully online, and of them those submitted online. */
  receivedOfFullOnlineProcedures: number;
  receivedOnlineOfFullOnlineProcedures: number;
  completed: number;
  completedOnTime: number;
  /** Dossiers neither completed nor withdrawn at the end of the period, by whether their due time had passed then. */
  inProgressWithinDeadline: number;
  inProgressOverdue: number;
  /** Dossiers completed in the period whose reception is known, and the sum of their (completion − reception) in seconds. */
  resolved: number;
  resolutionSecondsTotal: number;
  /** Dossiers received in the period for fee-charging procedures, and of them those paid online. */
  receivedOfFeeProcedures: number;
  paidOnline: number;
  /** Procedures in scope, and those offered partly or fully online. */
  procedures: number;
  proceduresOfferedOnline: number;
  /** Procedures offered online that received at least one online dossier in the period. */
  onlineProceduresWithOnlineDossiers: number;
}

/** Counts of nothing: an agency or period without a single dossier. */
export const NO_INDICATOR_COUNTS: Readonly<IndicatorCounts> = Object.freeze({
  received: 0,
  receivedOnline: 0,
  receivedOfFullOnlineProcedures: 0,
  receivedOnlineOfFullOnlineProcedures: 0,
  completed: 0,
  completedOnTime: 0,
  inProgressWithinDeadline: 0,
  inProgressOverdue: 0,
  resolved: 0,
  resolutionSecondsTotal: 0,
  receivedOfFeeProcedures: 0,
  paidOnline: 0,
  procedures: 0,
  proceduresOfferedOnline: 0,
  onlineProceduresWithOnlineDossiers: 0,
});

export interface IndicatorFigure {
  indicator: IndicatorName;
  code: string;
  formulaVersion: string;
  unit: 'ratio' | 'days';
  /** `null` when there is no denominator: "no dossiers" is not "0%". Ratios rounded to 4 places, days to 2. */
  value: number | null;
  numerator: number;
  denominator: number;
  /** 95% Wilson interval of a ratio (absent for days). */
  ci95?: [number, number] | null;
}

const SECONDS_PER_DAY = 86_400;

function ratioFigure(indicator: IndicatorName, numerator: number, denominator: number): IndicatorFigure {
  const definition = INDICATORS[indicator];
  const value = rate(numerator, denominator);
  const interval = wilsonInterval(numerator, denominator);
  return {
    indicator,
    code: definition.code,
    formulaVersion: definition.formulaVersion,
    unit: 'ratio',
    value: value === null ? null : round4(value),
    numerator,
    denominator,
    ci95: interval && [round4(interval[0]), round4(interval[1])],
  };
}

function checkCounts(counts: IndicatorCounts): void {
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number ≥ 0, not ${value}`);
  }
  const parts: Array<[keyof IndicatorCounts, keyof IndicatorCounts]> = [
    ['receivedOnline', 'received'],
    ['receivedOfFullOnlineProcedures', 'received'],
    ['receivedOnlineOfFullOnlineProcedures', 'receivedOfFullOnlineProcedures'],
    ['receivedOnlineOfFullOnlineProcedures', 'receivedOnline'],
    ['completedOnTime', 'completed'],
    ['resolved', 'completed'],
    ['receivedOfFeeProcedures', 'received'],
    ['paidOnline', 'receivedOfFeeProcedures'],
    ['proceduresOfferedOnline', 'procedures'],
    ['onlineProceduresWithOnlineDossiers', 'proceduresOfferedOnline'],
  ];
  for (const [part, whole] of parts) {
    if (counts[part] > counts[whole]) throw new RangeError(`${part} (${counts[part]}) cannot exceed ${whole} (${counts[whole]})`);
  }
}

/** Every indicator of one set of counts, in the order of `INDICATORS`. */
export function computeIndicators(counts: IndicatorCounts): Record<IndicatorName, IndicatorFigure> {
  checkCounts(counts);
  const handled = counts.completed + counts.inProgressWithinDeadline + counts.inProgressOverdue;
  const average = counts.resolved > 0 ? Math.round((counts.resolutionSecondsTotal / counts.resolved / SECONDS_PER_DAY) * 100) / 100 : null;
  return {
    onlineSubmission: ratioFigure('onlineSubmission', counts.receivedOnline, counts.received),
    fullOnline: ratioFigure('fullOnline', counts.receivedOnlineOfFullOnlineProcedures, counts.receivedOfFullOnlineProcedures),
    onTimeResolution: ratioFigure('onTimeResolution', counts.completedOnTime + counts.inProgressWithinDeadline, handled),
    averageResolutionDays: {
      indicator: 'averageResolutionDays',
      code: INDICATORS.averageResolutionDays.code,
      formulaVersion: INDICATORS.averageResolutionDays.formulaVersion,
      unit: 'days',
      value: average,
      numerator: counts.resolutionSecondsTotal,
      denominator: counts.resolved,
    },
    onlinePayment: ratioFigure('onlinePayment', counts.paidOnline, counts.receivedOfFeeProcedures),
    proceduresOnline: ratioFigure('proceduresOnline', counts.proceduresOfferedOnline, counts.procedures),
    onlineServicesUsed: ratioFigure('onlineServicesUsed', counts.onlineProceduresWithOnlineDossiers, counts.proceduresOfferedOnline),
  };
}

/** Two figures may be compared (differenced, ranked together) only when the same formula made them. */
export function comparable(a: Pick<IndicatorFigure, 'formulaVersion'>, b: Pick<IndicatorFigure, 'formulaVersion'>): boolean {
  return a.formulaVersion === b.formulaVersion;
}

export type PeriodStatus = 'provisional' | 'final';

export interface PeriodFinality {
  status: PeriodStatus;
  /** The first day on which the period counts as final: its last day + the grace days + 1. */
  finalFrom: string;
  /**
   * True when the period is final but events applied after it became final changed its figures: shown as
   * "revised after closing", never silently rewritten.
   */
  revisedAfterFinal: boolean;
}

/**
 * Whether a period's figures are still provisional (the period is running, or closed less than `graceDays` ago:
 * late events may still arrive) or final. `lastChangedDay` is the Vietnam day its figures last changed.
 */
export function periodFinality(period: ParsedPeriod, today: string, graceDays: number, lastChangedDay?: string | null): PeriodFinality {
  if (!Number.isInteger(graceDays) || graceDays < 0) throw new RangeError(`graceDays must be an integer ≥ 0, not ${graceDays}`);
  const [year, month, day] = period.lastDay.split('-').map(Number);
  const finalFrom = formatDay(addDays({ year, month, day }, graceDays + 1));
  const final = today >= finalFrom;
  return { status: final ? 'final' : 'provisional', finalFrom, revisedAfterFinal: final && !!lastChangedDay && lastChangedDay >= finalFrom };
}

import type { IndicatorFigure, ScoreCard } from '@dvc/domain';

/**
 * The parts of the API's answers the console reads (the API's OpenAPI document is the full description). The console
 * is a client of the API over HTTP like any other, so these mirror the contract rather than import the API's
 * internals; the figures themselves are libs/domain's.
 */
export type { IndicatorFigure, ScoreCard };

export interface Agency {
  code: string;
  name: string | null;
  level: string;
  parentCode: string | null;
  childCount: number;
}

export interface IndicatorsItem {
  agencyCode: string | null;
  agencyName: string | null;
  procedureCode: string | null;
  procedureName: string | null;
  sector: string | null;
  counts: Record<string, number>;
  indicators: Record<string, IndicatorFigure>;
  score: ScoreCard;
}

export interface PeriodStatus {
  period: string;
  periodKind: string;
  firstDay: string;
  lastDay: string;
  asOfDay: string;
  graceDays: number;
  status: 'provisional' | 'final';
  finalFrom: string;
  revisedAfterFinal: boolean;
}

export interface IndicatorsAnswer extends PeriodStatus {
  formulaVersions: Record<string, string>;
  items: IndicatorsItem[];
}

export interface RankedPeer {
  agencyCode: string | null;
  agencyName: string | null;
  visible: boolean;
  numerator: number | null;
  denominator: number | null;
  rate: number | null;
  rank: number | null;
  rankChange: number | null;
  gapToNextRank: number | null;
}

export interface Ranking extends PeriodStatus {
  indicator: string;
  code: string;
  formulaVersion: string;
  previousPeriod: string;
  parentCode: string | null;
  peerCount: number;
  ranked: number;
  median: number | null;
  percentile75: number | null;
  peers: RankedPeer[];
}

export interface ForecastHorizon {
  period: string;
  periodKind: string;
  received: number;
  receivedOnline: number;
  workingDaysElapsed: number;
  workingDaysRemaining: number;
  projectedRate: number | null;
  projectedRateCi95: [number, number] | null;
  expectedRemaining: number;
  neededOnlinePerWorkingDay: number | null;
  presentOnlinePerWorkingDay: number;
  targetOutlook: string;
}

export interface Forecast {
  agencyCode: string;
  subtree: boolean;
  asOfDay: string;
  target: { threshold: number; severity: string; ruleId: string; reason: string; reasonVi: string } | null;
  horizons: ForecastHorizon[];
}

export interface ZeroUptakeItem {
  period: string;
  agencyCode: string;
  agencyName: string | null;
  procedureCode: string;
  procedureName: string | null;
  sector: string | null;
  onlineLevel: string;
  received: number;
  receivedOnline: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AlertItem {
  id: string;
  kind: string;
  status: string;
  severity: string;
  metric: string | null;
  threshold: number | null;
  agencyCode: string | null;
  agencyName: string | null;
  procedureCode: string | null;
  procedureName: string | null;
  windowKind: string | null;
  sourceUri: string | null;
  openedAt: string;
  lastEvaluatedAt: string;
  evaluation: Record<string, unknown>;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgeComment: string | null;
  resolvedAt: string | null;
  resolveReason: string | null;
}

export interface AlertHistoryEntry {
  id: string;
  at: string;
  fromStatus: string | null;
  toStatus: string;
  actor: string;
  comment: string | null;
}

export interface AlertDetail extends AlertItem {
  explanation: Record<string, unknown> | null;
  history: AlertHistoryEntry[];
}

export interface TargetScope {
  kind: string;
  agencyLevel?: string;
  onlineLevel?: string;
  agencyCode?: string;
  includeSubtree?: boolean;
  procedureCode?: string;
}

export interface Target {
  id: string;
  scope: TargetScope;
  metric: string;
  threshold: number;
  severity: string;
  enabled: boolean;
  note: string | null;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

export interface TargetAuditEntry {
  id: string;
  targetId: string;
  action: string;
  actor: string;
  at: string;
  before: Target | null;
  after: Target | null;
}

export interface EffectiveTargets {
  subject: { agencyCode: string; agencyLevel: string; agencyAncestry: string[] };
  targets: {
    metric: string;
    severity: string;
    threshold: number;
    rule: Target;
    matchedBy: { kind: string; subtreeRoot?: { agencyCode: string; distance: number } };
    reason: string;
    reasonVi: string;
    overridden: { rule: Target; matchedBy: { kind: string } }[];
  }[];
}

export interface Recipient {
  id: string;
  agencyCode: string;
  email: string;
  name: string | null;
  createdAt: string;
  createdBy: string | null;
}

import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ALERT_SEVERITIES, TARGET_METRICS, TARGET_SCOPE_PRECEDENCE } from '@dvc/domain';
import { ALERT_KINDS, ALERT_STATUSES, MAX_COMMENT_LENGTH } from './alerts-input.dto';
import { TargetDto, TargetScopeDto } from './target.dto';

/*
 * What the API shows of an alert. The numbers, explanation and history are written by the alerting
 * service (services/alerting); the API reads them as stored and only ever changes the status to
 * acknowledged.
 */

const DECISION_REASONS = ['belowTarget', 'tooFewDossiers', 'notClearlyBelowTarget', 'recovered', 'notYetRecovered', 'tooFewDossiersToJudgeRecovery'];
const RESOLVE_REASONS = ['recovered', 'ruleNoLongerApplies', 'onlineUptake', 'noLongerOffered', 'noDossiers', 'eventsResumed', 'sourceRemoved'];
const SAMPLE_HELP = 'for onlineRate: dossiers received online of dossiers received; for onTimeRate: completed on time of completed';

export class DayWindowDto {
  @ApiProperty({ description: 'Ngày đầu (first day, Asia/Ho_Chi_Minh, inclusive)', example: '2025-03-01' })
  firstDay!: string;

  @ApiProperty({ description: 'Ngày cuối (last day, inclusive; the evaluation day, still in progress)', example: '2025-03-18' })
  lastDay!: string;
}

/** `alerts.last_evaluation`: the numbers of the latest evaluation. */
export class AlertEvaluationDto {
  @ApiProperty({ description: `Successes (${SAMPLE_HELP})`, example: 14 })
  successes!: number;

  @ApiProperty({ description: 'Trials: the rate’s denominator (received for onlineRate, completed for onTimeRate)', example: 120 })
  trials!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'successes / trials; null without dossiers', example: 0.1167 })
  rate!: number | null;

  @ApiProperty({ type: [Number], nullable: true, minItems: 2, maxItems: 2, description: 'Wilson 95% interval [low, high]; null without dossiers', example: [0.0708, 0.1863] })
  interval!: [number, number] | null;

  @ApiProperty({ description: 'The threshold the rate was judged against', example: 0.5 })
  threshold!: number;

  @ApiProperty({ description: 'Hysteresis: the margin above the threshold needed to resolve', example: 0.05 })
  resolveMargin!: number;

  @ApiProperty({ description: 'The rate the alert must reach to resolve (threshold + margin, at most 1)', example: 0.55 })
  resolveAt!: number;

  @ApiProperty({ description: 'Dossiers needed before the alert may fire or resolve', example: 30 })
  minimumDossiers!: number;

  @ApiProperty({ description: 'monthToDate or rolling<N>d', example: 'monthToDate' })
  windowKind!: string;

  @ApiProperty({ type: DayWindowDto })
  window!: DayWindowDto;

  @ApiProperty({ enum: DECISION_REASONS, description: 'The decision of the latest evaluation' })
  reason!: string;
}

/** `alerts.last_evaluation` of a zeroUptake alert. */
export class ZeroUptakeEvaluationDto {
  @ApiProperty({ description: 'Dossiers received in the window', example: 42 })
  received!: number;

  @ApiProperty({ description: 'Of which online (0 while the alert is open)', example: 0 })
  receivedOnline!: number;

  @ApiProperty({ description: 'Dossiers needed before the alert may open', example: 10 })
  minimumDossiers!: number;

  @ApiProperty({ type: DayWindowDto })
  window!: DayWindowDto;
}

/** `alerts.last_evaluation` of a silentSource alert. */
export class SilentSourceEvaluationDto {
  @ApiProperty({ format: 'date-time', description: 'When ingest accepted the source’s latest event' })
  lastEventAt!: string;

  @ApiProperty({ description: 'Working time (Asia/Ho_Chi_Minh) without events, milliseconds' })
  workingTimeSilentMs!: number;

  @ApiProperty({ description: 'The configured working time of silence that raises the alert, milliseconds' })
  thresholdMs!: number;

  @ApiProperty({ format: 'date-time', description: 'When this was evaluated' })
  at!: string;
}

@ApiExtraModels(AlertEvaluationDto, ZeroUptakeEvaluationDto, SilentSourceEvaluationDto)
export class AlertItemDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    enum: ALERT_KINDS,
    description:
      'belowTarget: a target rule on an agency (or one procedure there) over a window; zeroUptake: a procedure offered online ' +
      'at an agency that received dossiers in the window but none online (no target rule: targetId and threshold are null); ' +
      'silentSource: a one-stop system (sourceUri) that sent nothing for the configured working time — an operator alert ' +
      'about no agency (agencyCode, procedureCode, windowKind, metric, threshold and targetId are null)',
  })
  kind!: string;

  @ApiProperty({ enum: ALERT_STATUSES, description: 'firing → acknowledged (by a person) → resolved (by the alerting service)' })
  status!: string;

  @ApiProperty({ enum: ALERT_SEVERITIES })
  severity!: string;

  @ApiProperty({ type: String, nullable: true, enum: TARGET_METRICS, description: 'null for silentSource; onlineRate for zeroUptake' })
  metric!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Ngưỡng (the target threshold when the alert opened); null for zeroUptake and silentSource', example: 0.5 })
  threshold!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Mã cơ quan; null for silentSource', example: '000.00.17.H31' })
  agencyCode!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Tên cơ quan (from the catalogue; null if not catalogued)', example: 'UBND huyện Văn Lâm' })
  agencyName!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Mã thủ tục; null: the agency as a whole (all its procedures)', example: '1.001612' })
  procedureCode!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Tên thủ tục (from the catalogue)', example: 'Đăng ký khai sinh' })
  procedureName!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Cửa sổ đánh giá (evaluation window): monthToDate or rolling<N>d; null for silentSource', example: 'monthToDate' })
  windowKind!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The target rule a belowTarget alert came from (it may have been deleted since); null for the other kinds' })
  targetId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The silent one-stop system (CloudEvents source) of a silentSource alert; null for the other kinds', example: 'urn:dvc:motcua:hung-yen' })
  sourceUri!: string | null;

  @ApiProperty({ format: 'date-time' })
  openedAt!: string;

  @ApiProperty({ format: 'date-time', description: 'When the numbers below were computed' })
  lastEvaluatedAt!: string;

  @ApiProperty({
    oneOf: [{ $ref: getSchemaPath(AlertEvaluationDto) }, { $ref: getSchemaPath(ZeroUptakeEvaluationDto) }, { $ref: getSchemaPath(SilentSourceEvaluationDto) }],
    description: 'The numbers of the latest evaluation, by kind: AlertEvaluationDto (belowTarget), ZeroUptakeEvaluationDto, SilentSourceEvaluationDto',
  })
  evaluation!: AlertEvaluationDto | ZeroUptakeEvaluationDto | SilentSourceEvaluationDto;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  acknowledgedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'X-Actor of the acknowledgement' })
  acknowledgedBy!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: MAX_COMMENT_LENGTH })
  acknowledgeComment!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  resolvedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, enum: RESOLVE_REASONS, description: 'recovered: back at or above threshold + margin; ruleNoLongerApplies: the rule was deleted, disabled or overridden' })
  resolveReason!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was escalated to the parent agency (never for silentSource)' })
  escalatedAt!: string | null;

  @ApiProperty({ description: 'Reminders sent while the alert stayed firing', example: 0 })
  reminderCount!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the latest reminder was decided; null if none' })
  lastRemindedAt!: string | null;
}

export class AlertsPageDto {
  @ApiProperty({ type: [AlertItemDto], description: 'Newest first (opening time, then id)' })
  items!: AlertItemDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class RateTrendDto {
  @ApiProperty({ type: Number, nullable: true })
  currentRate!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The rate over the previous comparable window' })
  previousRate!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'currentRate − previousRate; null when either window had no dossiers' })
  change!: number | null;

  @ApiProperty({ type: String, nullable: true, enum: ['up', 'down', 'unchanged'] })
  direction!: string | null;
}

export class RateSampleDto {
  @ApiProperty()
  successes!: number;

  @ApiProperty()
  trials!: number;
}

export class ExplanationTargetDto {
  @ApiProperty({ format: 'uuid' })
  ruleId!: string;

  @ApiProperty({ type: TargetScopeDto })
  scope!: TargetScopeDto;

  @ApiProperty({ description: 'How the rule matched: { kind, subtreeRoot? }', example: { kind: 'all' } })
  matchedBy!: { kind: (typeof TARGET_SCOPE_PRECEDENCE)[number]; subtreeRoot?: { agencyCode: string; distance: number } };

  @ApiProperty()
  threshold!: number;

  @ApiProperty({ enum: ALERT_SEVERITIES })
  severity!: string;

  @ApiProperty({ enum: TARGET_METRICS })
  metric!: string;
}

export class ProcedureShortfallDto {
  @ApiProperty({ example: '1.001612' })
  procedureCode!: string;

  @ApiProperty({ example: 'Đăng ký khai sinh' })
  procedureName!: string;

  @ApiProperty()
  successes!: number;

  @ApiProperty()
  trials!: number;

  @ApiProperty()
  rate!: number;

  @ApiProperty({ description: 'threshold × trials − successes: its exact part of the agency’s gap' })
  shortfall!: number;

  @ApiProperty({ description: 'Whole dossiers more (online, or on time) that would have put the procedure at the target' })
  missingToReachTarget!: number;

  @ApiProperty({ description: 'Share of the summed shortfall of all below-target procedures, 0..1' })
  shareOfShortfall!: number;

  @ApiProperty({ description: 'The agency’s rate had this procedure reached the target, the others unchanged' })
  agencyRateIfAtTarget!: number;
}

/** Where a month-to-date online rate ends at the present pace (libs/domain monthEndLookAhead). */
export class MonthEndLookAheadDto {
  @ApiProperty({ example: '2026-12' })
  month!: string;

  @ApiProperty({ description: 'Working days of the month elapsed (today included) and left after today' })
  workingDaysElapsed!: number;

  @ApiProperty()
  workingDaysRemaining!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'The rate at month end at the present pace; null before any dossier' })
  projectedRate!: number | null;

  @ApiProperty({ type: [Number], nullable: true, description: '95% interval of the projected rate' })
  projectedRateCi95!: [number, number] | null;

  @ApiProperty({ description: 'Dossiers expected in the rest of the month at the present pace' })
  expectedRemaining!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Online dossiers per working day the rest of the month needs for the target' })
  neededOnlinePerWorkingDay!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  presentOnlinePerWorkingDay!: number | null;

  @ApiProperty({ type: String, nullable: true, enum: ['reached', 'reachable', 'unreachable'] })
  targetOutlook!: string | null;
}

/** `alerts.explanation` of a belowTarget alert: what the alert says besides its numbers. */
export class AlertExplanationDto {
  @ApiProperty()
  agencyName!: string;

  @ApiProperty({ type: String, nullable: true })
  procedureName!: string | null;

  @ApiProperty({ type: DayWindowDto })
  window!: DayWindowDto;

  @ApiProperty({ type: DayWindowDto, description: 'The window compared with (month to date: the same days of the previous month)' })
  previousWindow!: DayWindowDto;

  @ApiProperty({ type: RateTrendDto })
  trend!: RateTrendDto;

  @ApiProperty({ type: RateSampleDto, description: 'The numbers of the previous window' })
  previous!: RateSampleDto;

  @ApiProperty({ type: ExplanationTargetDto, description: 'The target and the rule it came from, as they were when the alert was decided' })
  target!: ExplanationTargetDto;

  @ApiProperty({ type: [ProcedureShortfallDto], description: 'For an agency as a whole: the procedures that pull its rate down most; [] for one procedure' })
  topProcedures!: ProcedureShortfallDto[];
  @ApiPropertyOptional({
    type: MonthEndLookAheadDto,
    description: 'Month-to-date online-rate alerts: where the month ends at the present pace and what the target needs (absent for other windows, and in alerts opened before it existed)',
  })
  lookAhead?: MonthEndLookAheadDto;
}

export class AlertHistoryEntryDto {
  @ApiProperty({ description: 'Sequence number (string: a 64-bit integer)', example: '42' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ type: String, nullable: true, enum: ALERT_STATUSES, description: 'null for the opening' })
  fromStatus!: string | null;

  @ApiProperty({ enum: ALERT_STATUSES })
  toStatus!: string;

  @ApiProperty({ description: 'Who: the name of a signed-in person or machine client (from its token), or the alerting service', example: 'Trần Thị Bình' })
  actor!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The token subject (sub) of a signed-in actor; null for the alerting service and for changes made before sign-in existed' })
  actorSubject!: string | null;

  @ApiProperty({ type: String, nullable: true })
  comment!: string | null;

  @ApiPropertyOptional({ type: Object, nullable: true, description: 'What the change was based on (reason, evaluation), as the writer stored it' })
  details!: unknown;
}

/** `alerts.explanation` of a zeroUptake alert. */
export class ZeroUptakeExplanationDto {
  @ApiProperty()
  agencyName!: string;

  @ApiProperty()
  procedureName!: string;

  @ApiProperty({ enum: ['full', 'partial'], description: 'How the procedure is offered online' })
  onlineLevel!: string;

  @ApiProperty({ type: DayWindowDto })
  window!: DayWindowDto;
}

/** `alerts.explanation` of a silentSource alert. */
export class SilentSourceExplanationDto {
  @ApiProperty({ example: 'urn:dvc:motcua:hung-yen' })
  sourceUri!: string;

  @ApiProperty({ example: 'working time, Asia/Ho_Chi_Minh' })
  schedule!: string;
}

@ApiExtraModels(AlertExplanationDto, ZeroUptakeExplanationDto, SilentSourceExplanationDto)
export class AlertDetailDto extends AlertItemDto {
  @ApiProperty({
    oneOf: [{ $ref: getSchemaPath(AlertExplanationDto) }, { $ref: getSchemaPath(ZeroUptakeExplanationDto) }, { $ref: getSchemaPath(SilentSourceExplanationDto) }],
    description: 'By kind: AlertExplanationDto (belowTarget), ZeroUptakeExplanationDto, SilentSourceExplanationDto',
  })
  explanation!: AlertExplanationDto | ZeroUptakeExplanationDto | SilentSourceExplanationDto;

  @ApiProperty({ type: TargetDto, nullable: true, description: 'The target rule as it is now; null if it has been deleted since (explanation.target keeps it as it was), and for zeroUptake and silentSource alerts, which have none' })
  rule!: TargetDto | null;

  @ApiProperty({ type: [AlertHistoryEntryDto], description: 'Lịch sử (lifecycle), oldest first' })
  history!: AlertHistoryEntryDto[];
}

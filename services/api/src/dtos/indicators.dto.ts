import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INDICATORS } from '@dvc/domain';

const INDICATOR_NAMES = Object.keys(INDICATORS);

export class IndicatorFigureDto {
  @ApiProperty({ enum: INDICATOR_NAMES, example: 'onlineSubmission' })
  indicator!: string;

  @ApiProperty({ description: 'Mã chỉ số in the national set (indicators.md), e.g. 3.3, 2.1', example: '3.3' })
  code!: string;

  @ApiProperty({ description: 'Phiên bản công thức: figures of different versions are never compared', example: '3.3-v1' })
  formulaVersion!: string;

  @ApiProperty({ enum: ['ratio', 'days'] })
  unit!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'Ratio 0..1 (4 places) or days (2 places); null without a denominator', example: 0.2787 })
  value!: number | null;

  @ApiProperty({ example: 51 })
  numerator!: number;

  @ApiProperty({ example: 183 })
  denominator!: number;

  @ApiPropertyOptional({ type: [Number], nullable: true, description: '95% Wilson interval of a ratio', example: [0.2188, 0.3477] })
  ci95?: [number, number] | null;
}

export class IndicatorCountsDto {
  @ApiProperty() received!: number;
  @ApiProperty() receivedOnline!: number;
  @ApiProperty({ description: 'Received for procedures offered fully online (catalogue as it is now)' }) receivedOfFullOnlineProcedures!: number;
  @ApiProperty() receivedOnlineOfFullOnlineProcedures!: number;
  @ApiProperty({ description: 'Completed in the period' }) completed!: number;
  @ApiProperty() completedOnTime!: number;
  @ApiProperty({ description: 'Neither completed nor withdrawn at the end of asOfDay, due after it (or without a due time)' }) inProgressWithinDeadline!: number;
  @ApiProperty({ description: 'In progress at the end of asOfDay and due on or before it' }) inProgressOverdue!: number;
  @ApiProperty({ description: 'Completed in the period with a known reception: the 2.2 denominator' }) resolved!: number;
  @ApiProperty({ description: 'Their total resolution time, seconds' }) resolutionSecondsTotal!: number;
  @ApiProperty({ description: 'Received in the period and paid (fee-charging dossiers)' }) receivedOfFeeProcedures!: number;
  @ApiProperty({ description: 'Of them, paid online' }) paidOnline!: number;
  @ApiProperty({ description: 'Procedures the agencies have had dossiers for up to the period end' }) procedures!: number;
  @ApiProperty({ description: 'Of them, offered online (full or partial)' }) proceduresOfferedOnline!: number;
  @ApiProperty({ description: 'Of those, with at least one online dossier in the period' }) onlineProceduresWithOnlineDossiers!: number;
}

export class IndicatorSetDto {
  @ApiProperty({ type: IndicatorFigureDto, description: '3.3 Tỷ lệ hồ sơ trực tuyến' }) onlineSubmission!: IndicatorFigureDto;
  @ApiProperty({ type: IndicatorFigureDto, description: 'Tỷ lệ hồ sơ trực tuyến toàn trình' }) fullOnline!: IndicatorFigureDto;
  @ApiProperty({ type: IndicatorFigureDto, description: '2.1 Tỷ lệ giải quyết đúng hạn' }) onTimeResolution!: IndicatorFigureDto;
  @ApiProperty({ type: IndicatorFigureDto, description: '2.2 Thời gian giải quyết trung bình (days)' }) averageResolutionDays!: IndicatorFigureDto;
  @ApiProperty({ type: IndicatorFigureDto, description: '3.6 Tỷ lệ thanh toán trực tuyến' }) onlinePayment!: IndicatorFigureDto;
  @ApiProperty({ type: IndicatorFigureDto, description: '3.1 Tỷ lệ thủ tục cung cấp trực tuyến' }) proceduresOnline!: IndicatorFigureDto;
  @ApiProperty({ type: IndicatorFigureDto, description: 'Tỷ lệ dịch vụ trực tuyến có phát sinh hồ sơ' }) onlineServicesUsed!: IndicatorFigureDto;
}

export class ScorePartDto {
  @ApiProperty({ example: 'onTimeResolution' }) part!: string;
  @ApiProperty({ example: 'Tỷ lệ hồ sơ xử lý đúng hạn (2.1)' }) nameVi!: string;
  @ApiProperty({ example: 'On-time resolution (2.1)' }) nameEn!: string;
  @ApiProperty({ example: 20 }) maxPoints!: number;
  @ApiProperty({ type: String, nullable: true, enum: INDICATOR_NAMES, description: 'The indicator the points come from, when computed' }) indicator!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Points (2 places); null when not computable or without a denominator', example: 20 }) points!: number | null;
  @ApiProperty({ description: 'Whether events can give these points at all' }) computable!: boolean;
  @ApiProperty({ description: 'How the points are computed, or why they cannot be', example: '20 × tỷ lệ 2.1' }) basisVi!: string;
  @ApiProperty({ example: '20 × the 2.1 rate' }) basisEn!: string;
}

export class ScoreGroupDto {
  @ApiProperty({ enum: ['transparency', 'progress', 'onlineServiceAndPayment', 'digitisation', 'satisfaction'] }) group!: string;
  @ApiProperty({ example: 'Tiến độ giải quyết' }) nameVi!: string;
  @ApiProperty({ example: 'Progress of resolution' }) nameEn!: string;
  @ApiProperty({ example: 20 }) maxPoints!: number;
  @ApiProperty({ type: [ScorePartDto] }) parts!: ScorePartDto[];
}

export class ScoreCardDto {
  @ApiProperty({ example: 'qd766-score-v1', description: 'Points of different versions are never compared' }) formulaVersion!: string;
  @ApiProperty({ example: 100 }) maxPoints!: number;
  @ApiProperty({ example: 26, description: 'The points events can give at all: 2.1 (20) and part A of online payment (6)' }) computableMaxPoints!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Points earned in the computable parts that have a denominator; null if none has', example: 20 }) points!: number | null;
  @ApiProperty({ example: 20, description: 'The most those parts give' }) earnedOf!: number;
  @ApiProperty({ type: [ScoreGroupDto], description: 'The five groups of Decision 766, each part computed or the reason it cannot be' }) groups!: ScoreGroupDto[];
}

export class IndicatorsItemDto {
  @ApiProperty({ type: String, nullable: true, description: 'The agency (grouped by agency, or the agency asked for)' }) agencyCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) agencyName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Grouped by procedure' }) procedureCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) procedureName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Grouped by sector' }) sector!: string | null;
  @ApiProperty({ type: IndicatorCountsDto }) counts!: IndicatorCountsDto;
  @ApiProperty({ type: IndicatorSetDto }) indicators!: IndicatorSetDto;
  @ApiProperty({ type: ScoreCardDto, description: 'Điểm Bộ chỉ số 766: the points that can be computed from events, and why the rest cannot' }) score!: ScoreCardDto;
}

export class PeriodStatusDto {
  @ApiProperty({ example: '2025-03' }) period!: string;
  @ApiProperty({ enum: ['day', 'month', 'quarter', 'year'] }) periodKind!: string;
  @ApiProperty({ example: '2025-03-01' }) firstDay!: string;
  @ApiProperty({ example: '2025-03-31' }) lastDay!: string;
  @ApiProperty({ description: 'Dossiers in progress are counted at the end of this day: the last day, or today while the period runs' }) asOfDay!: string;
  @ApiProperty({ description: 'INDICATOR_GRACE_DAYS' }) graceDays!: number;
  @ApiProperty({ enum: ['provisional', 'final'], description: 'Tạm tính while running or within the grace days after; chính thức after' }) status!: string;
  @ApiProperty({ description: 'First day the period counts as final' }) finalFrom!: string;
  @ApiProperty({ description: 'Final, and changed by events applied after it became final (flagged, not silently rewritten)' }) revisedAfterFinal!: boolean;
}

export class IndicatorsAnswerDto extends PeriodStatusDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { onlineSubmission: '3.3-v1' } })
  formulaVersions!: Record<string, string>;

  @ApiProperty({ type: [IndicatorsItemDto], description: 'One item without groupBy; else one per group with data, by key' })
  items!: IndicatorsItemDto[];
}

export class RankedPeerDto {
  @ApiProperty({ type: String, nullable: true, description: 'null for a peer outside your scope (shown by rank and rate only)' }) agencyCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) agencyName!: string | null;
  @ApiProperty({ description: 'Whether the peer is in your scope' }) visible!: boolean;
  @ApiProperty({ type: Number, nullable: true }) numerator!: number | null;
  @ApiProperty({ type: Number, nullable: true }) denominator!: number | null;
  @ApiProperty({ type: Number, nullable: true }) rate!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Competition rank (1, 2, 2, 4); null without a denominator' }) rank!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Previous rank − this rank: positive moved up' }) rankChange!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'More dossiers the good way needed to pass the next better rate' }) gapToNextRank!: number | null;
}

export class RankingDto extends PeriodStatusDto {
  @ApiProperty({ enum: INDICATOR_NAMES }) indicator!: string;
  @ApiProperty() code!: string;
  @ApiProperty() formulaVersion!: string;
  @ApiProperty() previousPeriod!: string;
  @ApiProperty({ type: String, nullable: true }) parentCode!: string | null;
  @ApiProperty() peerCount!: number;
  @ApiProperty() ranked!: number;
  @ApiProperty({ type: Number, nullable: true }) median!: number | null;
  @ApiProperty({ type: Number, nullable: true }) percentile75!: number | null;
  @ApiProperty({ type: [RankedPeerDto], description: 'Best first; unranked (no dossiers) last' }) peers!: RankedPeerDto[];
}

export class ForecastHorizonDto {
  @ApiProperty({ example: '2025-03' }) period!: string;
  @ApiProperty({ enum: ['month', 'quarter', 'year'] }) periodKind!: string;
  @ApiProperty() firstDay!: string;
  @ApiProperty() lastDay!: string;
  @ApiProperty() received!: number;
  @ApiProperty() receivedOnline!: number;
  @ApiProperty({ description: 'Working days elapsed, today included: Mon–Fri less INDICATOR_HOLIDAYS, plus INDICATOR_EXTRA_WORKING_DAYS' }) workingDaysElapsed!: number;
  @ApiProperty() workingDaysRemaining!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Where the online rate ends at the present pace' }) projectedRate!: number | null;
  @ApiProperty({ type: [Number], nullable: true }) projectedRateCi95!: [number, number] | null;
  @ApiProperty() expectedRemaining!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Online dossiers per working day the rest needs for the target' }) neededOnlinePerWorkingDay!: number | null;
  @ApiProperty({ type: Number, nullable: true }) presentOnlinePerWorkingDay!: number | null;
  @ApiProperty({ type: String, nullable: true, enum: ['reached', 'reachable', 'unreachable'] }) targetOutlook!: string | null;
}

export class ForecastTargetDto {
  @ApiProperty() threshold!: number;
  @ApiProperty({ enum: ['warning', 'critical'] }) severity!: string;
  @ApiProperty() ruleId!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'The reason in Vietnamese' }) reasonVi!: string;
}

export class ForecastDto {
  @ApiProperty() agencyCode!: string;
  @ApiProperty() subtree!: boolean;
  @ApiProperty() asOfDay!: string;
  @ApiProperty({ type: ForecastTargetDto, nullable: true, description: 'The effective onlineRate target (warning, else critical)' }) target!: ForecastTargetDto | null;
  @ApiProperty({ type: [ForecastHorizonDto] }) horizons!: ForecastHorizonDto[];
}

import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALERT_SEVERITIES, TARGET_METRICS, TARGET_SCOPE_PRECEDENCE, TARGETABLE_ONLINE_LEVELS } from '@dvc/domain';
import { AGENCY_LEVELS } from './agencies-query.dto';
import { ONLINE_LEVELS } from './procedures-query.dto';
import { AUDIT_ACTIONS, MAX_NOTE_LENGTH, SCOPE_HELP, TARGET_SCOPE_KINDS } from './targets-input.dto';

export class TargetScopeDto {
  @ApiProperty({ enum: TARGET_SCOPE_KINDS, example: 'agency' })
  kind!: string;

  @ApiPropertyOptional({ enum: AGENCY_LEVELS, description: 'Cấp cơ quan; kind agencyLevel only' })
  agencyLevel?: string;

  @ApiPropertyOptional({ enum: TARGETABLE_ONLINE_LEVELS, description: 'Mức độ trực tuyến của thủ tục; kind onlineLevel only' })
  onlineLevel?: string;

  @ApiPropertyOptional({ description: 'Mã cơ quan; kinds agency and agencyProcedure', example: '000.00.17.H31' })
  agencyCode?: string;

  @ApiPropertyOptional({ description: 'Kind agency only: true includes every agency below it (default false)', example: true })
  includeSubtree?: boolean;

  @ApiPropertyOptional({ description: 'Mã thủ tục; kinds procedure and agencyProcedure', example: '1.001612' })
  procedureCode?: string;
}

export class TargetDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: TargetScopeDto, description: SCOPE_HELP })
  scope!: TargetScopeDto;

  @ApiProperty({ enum: TARGET_METRICS, description: 'Chỉ số: onlineRate (tỷ lệ trực tuyến) or onTimeRate (tỷ lệ đúng hạn)' })
  metric!: string;

  @ApiProperty({ description: 'Ngưỡng (ratio 0–1): below it is below target', example: 0.5, minimum: 0, maximum: 1 })
  threshold!: number;

  @ApiProperty({ enum: ALERT_SEVERITIES, description: 'Mức độ cảnh báo' })
  severity!: string;

  @ApiProperty({ description: 'false takes the rule out of resolution (it then overrides nothing)' })
  enabled!: boolean;

  @ApiProperty({ type: String, nullable: true, maxLength: MAX_NOTE_LENGTH, description: 'Ghi chú (free text)' })
  note!: string | null;

  @ApiProperty({ description: 'Grows by one on every change; give it back in PATCH (optimistic concurrency)', example: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ description: 'X-Actor of the creation', example: 'nguyen.van.a@hungyen.gov.vn' })
  createdBy!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ description: 'X-Actor of the last change', example: 'nguyen.van.a@hungyen.gov.vn' })
  updatedBy!: string;
}

export class TargetsPageDto {
  @ApiProperty({ type: [TargetDto], description: 'Oldest first (creation time, then id)' })
  items!: TargetDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class TargetAuditEntryDto {
  @ApiProperty({ description: 'Sequence number of the entry (string: a 64-bit integer)', example: '42' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ enum: AUDIT_ACTIONS })
  action!: string;

  @ApiProperty({ description: 'Who: the name in the token of the person or machine client ("system (migration)" for the shipped defaults)', example: 'Trần Thị Bình' })
  actor!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The token subject (sub) of the actor; null for the shipped defaults and changes made before sign-in existed' })
  actorSubject!: string | null;

  @ApiProperty({ format: 'date-time', description: 'When' })
  at!: string;

  @ApiProperty({ type: TargetDto, nullable: true, description: 'The target before the change; null for create' })
  before!: TargetDto | null;

  @ApiProperty({ type: TargetDto, nullable: true, description: 'The target after the change; null for delete' })
  after!: TargetDto | null;
}

export class TargetAuditPageDto {
  @ApiProperty({ type: [TargetAuditEntryDto], description: 'Newest first' })
  items!: TargetAuditEntryDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class TargetMatchDto {
  @ApiProperty({ enum: TARGET_SCOPE_PRECEDENCE, description: 'How the rule matched, most specific first in this list of values' })
  kind!: string;

  @ApiPropertyOptional({
    description: 'For agencySubtree: the agency the rule names, and how many levels above the subject it is (0 = the agency itself)',
    example: { agencyCode: '000.00.00.H31', distance: 1 },
  })
  subtreeRoot?: { agencyCode: string; distance: number };
}

export class OverriddenTargetDto {
  @ApiProperty({ type: TargetDto })
  rule!: TargetDto;

  @ApiProperty({ type: TargetMatchDto })
  matchedBy!: TargetMatchDto;
}

export class EffectiveTargetDto {
  @ApiProperty({ enum: TARGET_METRICS })
  metric!: string;

  @ApiProperty({ enum: ALERT_SEVERITIES })
  severity!: string;

  @ApiProperty({ description: 'The threshold that applies (the winning rule’s)', example: 0.5 })
  threshold!: number;

  @ApiProperty({ type: TargetDto, description: 'The rule that applied' })
  rule!: TargetDto;

  @ApiProperty({ type: TargetMatchDto })
  matchedBy!: TargetMatchDto;

  @ApiProperty({ description: 'Why this rule applied, in words', example: 'rule for the subtree of agency 000.00.00.H31, 1 level above: the most specific enabled warning onlineRate rule for agency 000.00.03.H31 as a whole' })
  reason!: string;

  @ApiProperty({ description: 'The same, in Vietnamese', example: 'quy tắc cho các đơn vị thuộc cơ quan 000.00.00.H31, trên 1 cấp: quy tắc tỷ lệ hồ sơ trực tuyến mức cảnh báo cụ thể nhất đang bật cho toàn cơ quan 000.00.03.H31' })
  reasonVi!: string;

  @ApiProperty({ type: [OverriddenTargetDto], description: 'Other enabled rules that matched but are less specific, best first' })
  overridden!: OverriddenTargetDto[];
}

export class TargetSubjectDto {
  @ApiProperty({ example: '000.17.01.H31' })
  agencyCode!: string;

  @ApiProperty({ enum: AGENCY_LEVELS })
  agencyLevel!: string;

  @ApiProperty({ type: [String], description: 'Cơ quan cấp trên, parent first', example: ['000.00.17.H31', '000.00.00.H31'] })
  agencyAncestry!: string[];

  @ApiProperty({ type: String, nullable: true, description: 'null: the agency as a whole (all its procedures)' })
  procedureCode!: string | null;

  @ApiProperty({ type: String, nullable: true, enum: ONLINE_LEVELS, description: 'The procedure’s online level; null without procedure' })
  procedureOnlineLevel!: string | null;
}

@ApiExtraModels(TargetMatchDto)
export class EffectiveTargetsDto {
  @ApiProperty({ type: TargetSubjectDto })
  subject!: TargetSubjectDto;

  @ApiProperty({
    type: [EffectiveTargetDto],
    description: 'One per metric × severity that some enabled rule covers (by metric, then critical before warning); a pair no rule covers is absent',
  })
  targets!: EffectiveTargetDto[];
}

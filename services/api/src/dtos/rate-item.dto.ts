import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One bucket of `GET /v1/rates`: a period, the group keys asked for, and its counters and rates. */
export class RateItemDto {
  @ApiProperty({ description: 'Kỳ (period label of the requested kind)', example: '2025-03' })
  period!: string;

  @ApiPropertyOptional({ description: 'Mã cơ quan (agency code); present when grouped by agency', example: '000.00.17.H31' })
  agencyCode?: string;

  @ApiPropertyOptional({ description: 'Mã thủ tục (procedure code); present when grouped by procedure', example: '1.001612' })
  procedureCode?: string;

  @ApiPropertyOptional({
    description: 'Lĩnh vực (sector of the procedure); present when grouped by sector; null if the procedure is not catalogued',
    example: 'Hộ tịch',
    type: String,
    nullable: true,
  })
  sector?: string | null;

  @ApiProperty({ description: 'Số hồ sơ tiếp nhận (dossiers received in the period)', example: 120 })
  received!: number;

  @ApiProperty({ description: 'Số hồ sơ tiếp nhận trực tuyến (received through the online channel)', example: 14 })
  receivedOnline!: number;

  @ApiProperty({
    description: 'Tỷ lệ hồ sơ trực tuyến (online submission rate) = receivedOnline / received, 4 decimals; null when received = 0',
    example: 0.1167,
    type: Number,
    nullable: true,
  })
  onlineRate!: number | null;

  @ApiProperty({
    description: 'Khoảng tin cậy 95% Wilson của tỷ lệ trực tuyến (Wilson score 95% interval), [low, high]; null when received = 0',
    example: [0.0708, 0.1863],
    type: [Number],
    minItems: 2,
    maxItems: 2,
    nullable: true,
  })
  onlineRateCi95!: [number, number] | null;

  @ApiProperty({ description: 'Số hồ sơ đã giải quyết (dossiers completed in the period)', example: 98 })
  completed!: number;

  @ApiProperty({ description: 'Số hồ sơ giải quyết đúng hạn (completed on or before the due time)', example: 91 })
  completedOnTime!: number;

  @ApiProperty({
    description: 'Tỷ lệ giải quyết đúng hạn (on-time completion rate) = completedOnTime / completed; null when completed = 0',
    example: 0.9286,
    type: Number,
    nullable: true,
  })
  onTimeRate!: number | null;

  @ApiProperty({ description: 'Số hồ sơ đã thanh toán phí, lệ phí (dossiers first paid in the period)', example: 40 })
  paid!: number;

  @ApiProperty({ description: 'Số hồ sơ thanh toán trực tuyến (paid online)', example: 31 })
  paidOnline!: number;

  @ApiProperty({
    description: 'Tỷ lệ thanh toán trực tuyến (online payment rate) = paidOnline / paid; null when paid = 0',
    example: 0.775,
    type: Number,
    nullable: true,
  })
  paidOnlineRate!: number | null;

  @ApiProperty({ description: 'Số hồ sơ rút (dossiers withdrawn in the period; they still count as received)', example: 2 })
  withdrawn!: number;
}

export class RatesPageDto {
  @ApiProperty({ type: [RateItemDto], description: 'Sorted by period, then agency, procedure, sector (those grouped by)' })
  items!: RateItemDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

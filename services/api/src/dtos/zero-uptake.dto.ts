import { ApiProperty } from '@nestjs/swagger';
import { TARGETABLE_ONLINE_LEVELS } from '@dvc/domain';

/** One agency × procedure in one period: dossiers received, none of them online. */
export class ZeroUptakeItemDto {
  @ApiProperty({ description: 'Kỳ (period label of the requested kind)', example: '2025-03' })
  period!: string;

  @ApiProperty({ description: 'Mã cơ quan', example: '000.17.01.H31' })
  agencyCode!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Tên cơ quan; null if not catalogued', example: 'UBND xã Lạc Đạo' })
  agencyName!: string | null;

  @ApiProperty({ description: 'Mã thủ tục', example: '1.001193' })
  procedureCode!: string;

  @ApiProperty({ description: 'Tên thủ tục', example: 'Đăng ký kết hôn' })
  procedureName!: string;

  @ApiProperty({ description: 'Lĩnh vực', example: 'Hộ tịch' })
  sector!: string;

  @ApiProperty({ enum: TARGETABLE_ONLINE_LEVELS, description: 'Mức độ trực tuyến the procedure is offered at (from the catalogue, as it is now)' })
  onlineLevel!: string;

  @ApiProperty({ description: 'Số hồ sơ tiếp nhận in the period (≥ minReceived)', example: 37 })
  received!: number;

  @ApiProperty({ description: 'Số hồ sơ tiếp nhận trực tuyến: always 0 here', example: 0 })
  receivedOnline!: number;

  @ApiProperty({ description: 'Số hồ sơ đã giải quyết in the period', example: 30 })
  completed!: number;

  @ApiProperty({ description: 'Số hồ sơ rút in the period (they still count as received)', example: 1 })
  withdrawn!: number;
}

export class ZeroUptakePageDto {
  @ApiProperty({ type: [ZeroUptakeItemDto], description: 'By period, then most dossiers received first, then agency and procedure code' })
  items!: ZeroUptakeItemDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

import { ApiProperty } from '@nestjs/swagger';
import { ONLINE_LEVELS } from './procedures-query.dto';

export class ProcedureDto {
  @ApiProperty({ description: 'Mã thủ tục hành chính (procedure code)', example: '1.001612' })
  code!: string;

  @ApiProperty({ description: 'Tên thủ tục (name, Unicode NFC)', example: 'Đăng ký khai sinh' })
  name!: string;

  @ApiProperty({ description: 'Lĩnh vực (sector)', example: 'Hộ tịch' })
  sector!: string;

  @ApiProperty({
    description: 'Mức độ dịch vụ công trực tuyến: full = toàn trình, partial = một phần, none = không',
    enum: ONLINE_LEVELS,
    example: 'full',
  })
  onlineLevel!: string;
}

export class ProceduresPageDto {
  @ApiProperty({ type: [ProcedureDto], description: 'Sorted by code' })
  items!: ProcedureDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

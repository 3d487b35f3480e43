import { ApiProperty } from '@nestjs/swagger';
import { AGENCY_LEVELS } from './agencies-query.dto';

export class AgencyDto {
  @ApiProperty({ description: 'Mã cơ quan (agency code)', example: '000.00.17.H31' })
  code!: string;

  @ApiProperty({ description: 'Tên cơ quan (name, Unicode NFC)', example: 'UBND huyện Văn Lâm' })
  name!: string;

  @ApiProperty({ description: 'Cấp (level)', enum: AGENCY_LEVELS, example: 'district' })
  level!: string;

  @ApiProperty({ description: 'Mã cơ quan cấp trên (parent agency code)', type: String, nullable: true, example: '000.00.00.H31' })
  parentCode!: string | null;

  @ApiProperty({ description: 'Số cơ quan trực thuộc (number of direct children)', example: 12 })
  childCount!: number;
}

export class AgenciesPageDto {
  @ApiProperty({ type: [AgencyDto], description: 'Sorted by code' })
  items!: AgencyDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

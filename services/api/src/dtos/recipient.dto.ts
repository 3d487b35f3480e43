import { ApiProperty } from '@nestjs/swagger';

export class RecipientDto {
  @ApiProperty({ description: 'Id (string: a 64-bit integer)', example: '7' })
  id!: string;

  @ApiProperty({ description: 'Mã cơ quan whose alerts this address receives', example: '000.00.17.H31' })
  agencyCode!: string;

  @ApiProperty({ description: 'E-mail address, as given (unique per agency, case-insensitive)', example: 'nguyen.van.a@hungyen.gov.vn' })
  email!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Họ tên (name to address the e-mail to)', example: 'Nguyễn Văn A' })
  name!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, description: 'X-Actor of the registration', example: 'an@hungyen.gov.vn' })
  createdBy!: string | null;
}

export class RecipientsPageDto {
  @ApiProperty({ type: [RecipientDto], description: 'By agency code, then e-mail address (case-insensitive)' })
  items!: RecipientDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

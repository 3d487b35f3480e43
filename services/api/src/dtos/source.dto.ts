import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_SOURCE_NAME_LENGTH, MAX_SOURCE_URI_LENGTH } from './sources-input.dto';

const AGENCIES_HELP =
  'Agency codes, each with its whole subtree in the recorded hierarchy, and patterns with the wildcard * (e.g. "*.H31": ' +
  'every code of the province suffix H31). An event about any other agency is dead-lettered with agency-not-allowed-for-source.';

/** A registered one-stop system as the API shows it: never its API key or the key's hash. */
export class SourceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Một cửa Hưng Yên' })
  name!: string;

  @ApiProperty({ description: 'The CloudEvents source its events must carry', example: 'urn:dvc:motcua:hung-yen' })
  sourceUri!: string;

  @ApiProperty({ type: [String], description: AGENCIES_HELP, example: ['*.H31'] })
  allowedAgencies!: string[];

  @ApiProperty({ description: 'Whether an HTTP API key (POST /v1/events on ingest) is registered' })
  hasApiKey!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The key of its own Kafka topic and broker user src-<key>', example: 'hung-yen' })
  kafkaTopicKey!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Its own Kafka input topic, <input topic>.<key>', example: 'dvc.dossier-events.v1.hung-yen' })
  kafkaTopic!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Name of the signed-in user who registered it (null: the command line)' })
  createdBy!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Token subject of that user' })
  createdBySubject!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  updatedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  updatedBy!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Set once revoked: its key is refused and its topic’s events dead-lettered' })
  revokedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  revokedBy!: string | null;
}

/** The answer that carries a newly issued API key: the only time it is shown (only its SHA-256 is stored). */
export class SourceWithApiKeyDto extends SourceDto {
  @ApiPropertyOptional({ description: 'The API key, shown this once; send it as x-api-key to ingest', example: 'dvc_Jm2b…' })
  apiKey?: string;
}

export class SourcesListDto {
  @ApiProperty({ type: [SourceDto], description: 'Oldest first' })
  items!: SourceDto[];
}

export class CreateSourceDto {
  @ApiProperty({ maxLength: MAX_SOURCE_NAME_LENGTH, example: 'Một cửa Hưng Yên' })
  name!: string;

  @ApiProperty({ maxLength: MAX_SOURCE_URI_LENGTH, example: 'urn:dvc:motcua:hung-yen' })
  sourceUri!: string;

  @ApiProperty({ type: [String], description: AGENCIES_HELP, example: ['*.H31'] })
  allowedAgencies!: string[];

  @ApiPropertyOptional({
    description: 'Its own Kafka topic <input topic>.<key>; the broker user, ACLs and topic are made with deploy/kafka/kafka.sh add-source <key>',
    example: 'hung-yen',
  })
  kafkaTopicKey?: string;

  @ApiPropertyOptional({ description: 'Issue an HTTP API key (default: true unless kafkaTopicKey is given)' })
  issueApiKey?: boolean;
}

export class UpdateSourceDto {
  @ApiPropertyOptional({ maxLength: MAX_SOURCE_NAME_LENGTH })
  name?: string;

  @ApiPropertyOptional({ type: [String], description: AGENCIES_HELP })
  allowedAgencies?: string[];

  @ApiPropertyOptional({ enum: [true], description: 'Issue a new API key; the old one stops working at once' })
  rotateApiKey?: true;
}

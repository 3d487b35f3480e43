import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AGENCIES_HELP } from './sources-input.dto';


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

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_WEBHOOK_NAME_LENGTH, MAX_WEBHOOK_SECRET_LENGTH, MAX_WEBHOOK_URL_LENGTH, MIN_WEBHOOK_SECRET_LENGTH } from './webhooks-input.dto';

const SIGNING_HELP =
  'The alerting service POSTs the lifecycle events of the alerts in scope, signed: X-DVC-Timestamp is the Unix time in ' +
  'seconds, X-DVC-Signature is sha256=<hex HMAC-SHA256 with the secret over "<X-DVC-Timestamp>.<raw body>">. The secret ' +
  'is read at send time, so a rotation applies to the next call.';

/** A webhook endpoint as GET shows it: never with its secret. */
export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Tên (a label for people)', example: 'Trung tâm giám sát IOC' })
  name!: string | null;

  @ApiProperty({ description: 'http:// or https:// URL the events are POSTed to', example: 'https://ioc.hungyen.gov.vn/hooks/dvc' })
  url!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'null: every alert, operator alerts (silent sources) included; a code: the alerts of that agency and its subtree',
    example: '000.00.00.H31',
  })
  agencyCode!: string | null;

  @ApiProperty({ description: 'A disabled endpoint is not called (calls already queued for it are dropped)' })
  enabled!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, description: 'X-Actor of the registration' })
  createdBy!: string | null;
}

/** The answer of the request that set the secret (creation, or a PATCH changing it): the only time it is shown. */
export class WebhookWithSecretDto extends WebhookDto {
  @ApiProperty({
    description: `The shared secret, shown this once (generated unless the request gave one). ${SIGNING_HELP}`,
    example: 'whsec_4cQy0mJ1Zb7qL2vX9sR3tN8uW5eK6hD0aF1gB2cE3iO',
  })
  secret!: string;
}

export class WebhooksPageDto {
  @ApiProperty({ type: [WebhookDto], description: 'Oldest first (creation time, then id); secrets are never listed' })
  items!: WebhookDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

/** Request body of `POST /v1/webhooks` (documentation; validation is the zod schema). */
export class CreateWebhookDto {
  @ApiProperty({ maxLength: MAX_WEBHOOK_URL_LENGTH, description: 'http:// or https:// only; no user:password@', example: 'https://ioc.hungyen.gov.vn/hooks/dvc' })
  url!: string;

  @ApiPropertyOptional({
    minLength: MIN_WEBHOOK_SECRET_LENGTH,
    maxLength: MAX_WEBHOOK_SECRET_LENGTH,
    description: 'Your own shared secret (printable ASCII, no spaces). Leave it out to have a random one generated; either way it is in the response once and never again',
  })
  secret?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_WEBHOOK_NAME_LENGTH })
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Only this agency’s (and its subtree’s) alerts; null or absent: every alert' })
  agencyCode?: string | null;

  @ApiPropertyOptional({ default: true })
  enabled?: boolean;
}

/** Request body of `PATCH /v1/webhooks/:id` (documentation; validation is the zod schema). */
export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: MAX_WEBHOOK_URL_LENGTH })
  url?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_WEBHOOK_NAME_LENGTH })
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null: every alert' })
  agencyCode?: string | null;

  @ApiPropertyOptional()
  enabled?: boolean;

  @ApiPropertyOptional({ minLength: MIN_WEBHOOK_SECRET_LENGTH, maxLength: MAX_WEBHOOK_SECRET_LENGTH, description: 'Replace the secret with your own (not with rotateSecret)' })
  secret?: string;

  @ApiPropertyOptional({ enum: [true], description: 'true: replace the secret with a generated one, returned in this response only (not with secret)' })
  rotateSecret?: true;
}

export class SourceActivityDto {
  @ApiProperty({ description: 'The one-stop system (CloudEvents source)', example: 'urn:dvc:motcua:hung-yen' })
  sourceUri!: string;

  @ApiProperty({ format: 'date-time', description: 'When ingest accepted its latest event (not the event’s own time)' })
  lastEventAt!: string;

  @ApiProperty({ format: 'date-time', description: 'When the alerting service first saw it' })
  firstSeenAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The open (firing or acknowledged) silentSource alert about it, if any' })
  openAlertId!: string | null;
}

export class SourceActivityPageDto {
  @ApiProperty({ type: [SourceActivityDto], description: 'By source URI (byte order)' })
  items!: SourceActivityDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

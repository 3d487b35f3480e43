import { ApiProperty } from '@nestjs/swagger';

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

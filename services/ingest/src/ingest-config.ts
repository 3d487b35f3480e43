import { z } from 'zod';
import { checkKafkaSecurity, commonEnvironment, httpEnvironment } from '@dvc/config';

export const ingestEnvironment = commonEnvironment.extend(httpEnvironment(3001).shape).extend({
  INGEST_GROUP_ID: z.string().min(1).default('dvc-ingest'),
  INGEST_PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Largest `POST /v1/events` body accepted, in bytes (413 beyond). */
  INGEST_HTTP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Most events in one HTTP batch (413 beyond). */
  INGEST_HTTP_MAX_BATCH_EVENTS: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Events one source may post per minute (429 beyond); counted in Redis, not enforced when Redis is down. */
  INGEST_HTTP_EVENTS_PER_MINUTE: z.coerce.number().int().min(1).default(60_000),
}).superRefine(checkKafkaSecurity);

export type IngestConfig = z.infer<typeof ingestEnvironment>;

import { z } from 'zod';
import { docsAccessEnvironment, oidcEnvironment } from '@dvc/auth';
import { checkKafkaSecurity, commonEnvironment, httpEnvironment } from '@dvc/config';

/**
 * Ingest's environment: the common variables, HTTP on 3001, and the identity provider (OIDC_*) for its admin
 * surfaces (/metrics in token mode, /docs); one-stop systems authenticate with API keys, not tokens.
 */
export const ingestEnvironment = commonEnvironment.extend(httpEnvironment(3001).shape).extend(oidcEnvironment.shape).extend(docsAccessEnvironment.shape).extend({
  INGEST_GROUP_ID: z.string().min(1).default('dvc-ingest'),
  INGEST_PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Largest `POST /v1/events` body accepted, in bytes (413 beyond). */
  INGEST_HTTP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Most events in one HTTP batch (413 beyond). */
  INGEST_HTTP_MAX_BATCH_EVENTS: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Events one source may post per minute (429 beyond); counted in Redis, not enforced when Redis is down. */
  INGEST_HTTP_EVENTS_PER_MINUTE: z.coerce.number().int().min(1).default(60_000),
  /**
   * How often registered sources (bindings, revocations) are read again, and the broker asked for new per-source
   * topics (`<TOPIC_DOSSIER_EVENTS>.<key>`). A message on a topic of a source not yet cached reloads at once.
   */
  INGEST_SOURCE_REFRESH_MS: z.coerce.number().int().min(500).max(3_600_000).default(15_000),
  /**
   * The start of the transactional ids of the Kafka intake's producers, one per input partition:
   * `<prefix>-<topic>-<partition>`. Unset: INGEST_GROUP_ID (as Kafka Streams derives its ids from application.id).
   * The broker principal needs WRITE and DESCRIBE on TransactionalId resources with this prefix.
   */
  INGEST_TRANSACTIONAL_ID_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,120}$/, 'letters, digits, ".", "_" and "-" only, at most 120 characters')
    .optional(),
  /** How long the broker lets a transaction stay open before aborting it (a crashed ingest's, unless fenced sooner). */
  INGEST_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(900_000).default(30_000),
}).superRefine(checkKafkaSecurity);

export type IngestConfig = z.infer<typeof ingestEnvironment>;

import { z } from 'zod';
import { DEFAULT_TOPICS } from '@dvc/contracts';

const port = z.coerce.number().int().min(1).max(65_535);
const brokerList = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .refine((brokers) => brokers.every((broker) => /^[^\s:]+:\d{1,5}$/.test(broker)), 'must be a comma list of host:port');

/** Variables every service reads; each service extends this with its own. */
export const commonEnvironment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/dvc_monitor'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379/0'),
  TOPIC_DOSSIER_EVENTS: z.string().min(1).default(DEFAULT_TOPICS.dossierEvents),
  TOPIC_CANONICAL_EVENTS: z.string().min(1).default(DEFAULT_TOPICS.canonicalEvents),
  TOPIC_DEAD_LETTER: z.string().min(1).default(DEFAULT_TOPICS.deadLetter),
  TOPIC_RATE_CHANGES: z.string().min(1).default(DEFAULT_TOPICS.rateChanges),
  /** How long a readiness check of one dependency may take. */
  HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_000),
});

export const httpEnvironment = (defaultPort: number) =>
  z.object({
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    HTTP_PORT: port.default(defaultPort),
  });

export type CommonEnvironment = z.infer<typeof commonEnvironment>;

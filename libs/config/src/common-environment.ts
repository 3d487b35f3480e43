import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_TOPICS } from '@dvc/contracts';

const port = z.coerce.number().int().min(1).max(65_535);
const brokerList = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .refine((brokers) => brokers.every((broker) => /^[^\s:]+:\d{1,5}$/.test(broker)), 'must be a comma list of host:port');

/** `SASL_SSL` is how Kafka spells it; accept either case. */
function lowerCase<Schema extends z.ZodType>(schema: Schema) {
  return z.preprocess((value) => (typeof value === 'string' ? value.toLowerCase() : value), schema);
}

/**
 * Who may read a service's `/metrics` (and the API's and ingest's `/docs`): `loopback` lets callers on this
 * machine in without a token (judged by the connection's peer address, never a header) and asks others for one;
 * `token` always asks for a bearer token (services that verify tokens only); `open` lets everyone in — for a
 * private network that only the scraper reaches (compose, a cluster with network policies).
 */
export const EDGE_ACCESS_MODES = ['loopback', 'token', 'open'] as const;
export type EdgeAccessMode = (typeof EDGE_ACCESS_MODES)[number];

/** Variables every service reads; each service extends this with its own. */
export const commonEnvironment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  /** `sasl_ssl`: SASL over TLS (the broker's identity via KAFKA_SSL_CA_FILE, ours via KAFKA_SASL_*). */
  KAFKA_SECURITY_PROTOCOL: lowerCase(z.enum(['plaintext', 'sasl_ssl'])).default('plaintext'),
  KAFKA_SASL_MECHANISM: lowerCase(z.enum(['scram-sha-512', 'scram-sha-256'])).default('scram-sha-512'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  /** The password itself, or (better: it stays out of the environment) a file holding it. */
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
  /** PEM file of the CA(s) the broker's certificate must chain to; unset: the system's CAs. */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/dvc_monitor'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379/0'),
  TOPIC_DOSSIER_EVENTS: z.string().min(1).default(DEFAULT_TOPICS.dossierEvents),
  TOPIC_CANONICAL_EVENTS: z.string().min(1).default(DEFAULT_TOPICS.canonicalEvents),
  TOPIC_DEAD_LETTER: z.string().min(1).default(DEFAULT_TOPICS.deadLetter),
  TOPIC_RATE_CHANGES: z.string().min(1).default(DEFAULT_TOPICS.rateChanges),
  /** How long a readiness check of one dependency may take. */
  HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_000),
  METRICS_ACCESS: z.enum(EDGE_ACCESS_MODES).default('loopback'),
});

export const httpEnvironment = (defaultPort: number) =>
  z.object({
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    HTTP_PORT: port.default(defaultPort),
  });

export type CommonEnvironment = z.infer<typeof commonEnvironment>;

/** The Kafka connection security variables of commonEnvironment. */
export type KafkaSecurityEnvironment = Pick<
  CommonEnvironment,
  'KAFKA_SECURITY_PROTOCOL' | 'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD' | 'KAFKA_SASL_PASSWORD_FILE' | 'KAFKA_SSL_CA_FILE'
>;

/**
 * The cross-field rules of the Kafka security variables, for the `superRefine` of every service that
 * talks to Kafka (zod cannot extend a refined object, so commonEnvironment itself stays unrefined):
 * sasl_ssl needs a username and one password source, the files must be readable, and SASL settings
 * without sasl_ssl are a mistake. Messages name the variable and the file, never a password.
 */
export function checkKafkaSecurity(environment: KafkaSecurityEnvironment, context: z.RefinementCtx): void {
  const issue = (path: keyof KafkaSecurityEnvironment, message: string) => context.addIssue({ code: 'custom', path: [path], message });
  if (environment.KAFKA_SECURITY_PROTOCOL !== 'sasl_ssl') {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE', 'KAFKA_SSL_CA_FILE'] as const) {
      if (environment[name] !== undefined) issue(name, 'is set but KAFKA_SECURITY_PROTOCOL is plaintext (set KAFKA_SECURITY_PROTOCOL=sasl_ssl, or unset it)');
    }
    return;
  }
  if (environment.KAFKA_SASL_USERNAME === undefined) issue('KAFKA_SASL_USERNAME', 'is required when KAFKA_SECURITY_PROTOCOL=sasl_ssl');
  if (environment.KAFKA_SASL_PASSWORD === undefined && environment.KAFKA_SASL_PASSWORD_FILE === undefined) {
    issue('KAFKA_SASL_PASSWORD', 'is required when KAFKA_SECURITY_PROTOCOL=sasl_ssl (or KAFKA_SASL_PASSWORD_FILE)');
  }
  if (environment.KAFKA_SASL_PASSWORD !== undefined && environment.KAFKA_SASL_PASSWORD_FILE !== undefined) {
    issue('KAFKA_SASL_PASSWORD_FILE', 'and KAFKA_SASL_PASSWORD are both set: set one');
  }
  if (environment.KAFKA_SASL_PASSWORD_FILE !== undefined) {
    const problem = unreadable(environment.KAFKA_SASL_PASSWORD_FILE, (text) => text.trim() !== '' || 'is empty');
    if (problem) issue('KAFKA_SASL_PASSWORD_FILE', `${environment.KAFKA_SASL_PASSWORD_FILE} ${problem}`);
  }
  if (environment.KAFKA_SSL_CA_FILE !== undefined) {
    const problem = unreadable(environment.KAFKA_SSL_CA_FILE, (text) => text.includes('-----BEGIN CERTIFICATE-----') || 'holds no PEM certificate');
    if (problem) issue('KAFKA_SSL_CA_FILE', `${environment.KAFKA_SSL_CA_FILE} ${problem}`);
  }
}

/** Why a file cannot be used (`check` returns true or the reason), or undefined when it can. */
function unreadable(file: string, check: (text: string) => true | string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  const verdict = check(text);
  return verdict === true ? undefined : verdict;
}

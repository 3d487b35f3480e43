import { readFileSync } from 'node:fs';
import { Kafka, logLevel, LogEntry, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import pino from 'pino';
import type { KafkaSecurityEnvironment } from '@dvc/config';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** The KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_CA_FILE settings; unset: plaintext. */
  security?: KafkaSecurityEnvironment;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const SECURITY_KEYS = [
  'KAFKA_SECURITY_PROTOCOL',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'KAFKA_SSL_CA_FILE',
] as const satisfies ReadonlyArray<keyof KafkaSecurityEnvironment>;

/**
 * The security settings out of a validated configuration: a parsed environment object, or a getter
 * such as `(key) => config.get(key)` of Nest's ConfigService.
 */
export function kafkaSecurity(source: KafkaSecurityEnvironment | ((key: keyof KafkaSecurityEnvironment) => unknown)): KafkaSecurityEnvironment {
  const read = typeof source === 'function' ? source : (key: keyof KafkaSecurityEnvironment) => source[key];
  return Object.fromEntries(SECURITY_KEYS.map((key) => [key, read(key)])) as unknown as KafkaSecurityEnvironment;
}

/**
 * kafkajs `ssl` and `sasl` options: TLS that verifies the broker against KAFKA_SSL_CA_FILE (else the
 * system's CAs), SCRAM with the password from KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE (read
 * here, once). Errors name the variable and file, never the password.
 */
export function kafkaConnectionSecurity(security: KafkaSecurityEnvironment | undefined): { ssl?: ConnectionOptions; sasl?: SASLOptions } {
  if (!security || security.KAFKA_SECURITY_PROTOCOL !== 'sasl_ssl') return {};
  const username = security.KAFKA_SASL_USERNAME;
  if (!username) throw new Error('KAFKA_SASL_USERNAME is required when KAFKA_SECURITY_PROTOCOL=sasl_ssl');
  const password = security.KAFKA_SASL_PASSWORD ?? (security.KAFKA_SASL_PASSWORD_FILE ? readConfigFile(security.KAFKA_SASL_PASSWORD_FILE, 'KAFKA_SASL_PASSWORD_FILE').trim() : '');
  if (!password) throw new Error('KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required when KAFKA_SECURITY_PROTOCOL=sasl_ssl');
  const ssl: ConnectionOptions = { rejectUnauthorized: true };
  if (security.KAFKA_SSL_CA_FILE) ssl.ca = [readConfigFile(security.KAFKA_SSL_CA_FILE, 'KAFKA_SSL_CA_FILE')];
  const mechanism = security.KAFKA_SASL_MECHANISM ?? 'scram-sha-512';
  return { ssl, sasl: { mechanism, username, password } };
}

function readConfigFile(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** A kafkajs client whose own log lines go out as structured JSON like the rest of the service. */
export function createKafkaClient({ brokers, clientId, security }: KafkaClientOptions): Kafka {
  const logger = pino({
    name: `${clientId}:kafkajs`,
    level: process.env.LOG_LEVEL ?? 'info',
    // kafkajs logs no credentials; should a future version put its options into a log line, drop them.
    redact: { paths: ['sasl', 'password', '*.sasl', '*.password'], censor: '[redacted]' },
  });
  return new Kafka({
    clientId,
    brokers,
    ...kafkaConnectionSecurity(security),
    // kafkajs logs every retried connection at ERROR while a broker restarts; WARN and above is enough.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        logger[LEVEL_NAMES[level] ?? 'info']({ namespace, ...extra }, message);
      },
    retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 10_000 },
  });
}

/** Header value as a UTF-8 string (kafkajs hands headers over as Buffers). */
export function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const single = Array.isArray(value) ? value[0] : value;
  return typeof single === 'string' ? single : single?.toString('utf8');
}

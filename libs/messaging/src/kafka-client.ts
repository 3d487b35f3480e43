import { Kafka, logLevel, LogEntry } from 'kafkajs';
import pino from 'pino';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own log lines go out as structured JSON like the rest of the service. */
export function createKafkaClient({ brokers, clientId }: KafkaClientOptions): Kafka {
  const logger = pino({ name: `${clientId}:kafkajs`, level: process.env.LOG_LEVEL ?? 'info' });
  return new Kafka({
    clientId,
    brokers,
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

import type { Message } from 'kafkajs';
import { MEDIA_TYPES } from '@dvc/contracts';
import { createKafkaClient, kafkaSecurity } from '@dvc/messaging';
import type { ReplayArguments } from '../cli/cli-arguments';
import type { SimulatorConfig } from '../config/simulator.environment';
import { createIdempotentProducer } from '../sinks/kafka.sink';
import { readNdjsonLines, subjectKey } from './ndjson-lines';

const PROGRESS_EVERY_MS = 5_000;
/** One buffer for every message's header: kafkajs would otherwise encode the same string a million times. */
const STRUCTURED_CONTENT_TYPE = Buffer.from(MEDIA_TYPES.cloudEvent);

export interface ReplayResult {
  messages: number;
  unkeyed: number;
  seconds: number;
}

/**
 * Streams an NDJSON file into Kafka for backfill: lines are sent as they are (structured mode, the
 * bytes untouched, so that broken lines reach ingest's dead-letter path too), keyed by `subject`, in
 * batches through an idempotent producer. Memory holds one batch and one read chunk; `--rate` paces
 * by a running average.
 */
export async function runReplay(args: ReplayArguments, config: SimulatorConfig, log = console.log): Promise<ReplayResult> {
  const topic = args.topic ?? config.TOPIC_DOSSIER_EVENTS;
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'dvc-simulator-replay', security: kafkaSecurity(config) });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  log(`replaying ${args.file} into ${topic} on ${config.KAFKA_BROKERS.join(',')} at ${args.rate === 'max' ? 'full speed' : `${args.rate} events/s`}`);

  const started = Date.now();
  let messages = 0;
  let unkeyed = 0;
  let lastProgress = started;
  let batch: Message[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.sendBatch({ topicMessages: [{ topic, messages: batch }], acks: -1 });
    messages += batch.length;
    batch = [];
    if (args.rate !== 'max') {
      const aheadMs = (messages / args.rate) * 1000 - (Date.now() - started);
      if (aheadMs > 0) await new Promise((resolve) => setTimeout(resolve, aheadMs));
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      log(`  ${messages} events, ${rate(messages, started)} events/s`);
    }
  };

  try {
    for await (const line of readNdjsonLines(args.file)) {
      const key = subjectKey(line);
      if (key === null) unkeyed++;
      batch.push({ key, value: line, headers: { 'content-type': STRUCTURED_CONTENT_TYPE } });
      if (batch.length >= batchSize(args)) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  const seconds = (Date.now() - started) / 1000;
  log(`replayed ${messages} events in ${seconds.toFixed(2)} s (${rate(messages, started)} events/s); ${unkeyed} without a subject sent unkeyed`);
  return { messages, unkeyed, seconds };
}

/** At a set rate, batches shrink so that pacing stays smooth (about ten sends a second). */
function batchSize(args: ReplayArguments): number {
  return args.rate === 'max' ? args.batch : Math.max(1, Math.min(args.batch, Math.ceil(args.rate / 10)));
}

function rate(count: number, startedMs: number): number {
  return Math.round(count / Math.max((Date.now() - startedMs) / 1000, 1e-3));
}

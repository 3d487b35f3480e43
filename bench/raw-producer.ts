/**
 * The producing half of the Kafka client comparison (issue 10): one client, in its own process, sends an
 * NDJSON file's lines to a topic as `simulator replay` does — keyed by `subject`, the structured content
 * type as a header, batches of `batch` messages, one batch in flight at a time, idempotent, acks from all
 * in-sync replicas — and nothing else. Clients: kafkajs (what the project uses), `@platformatic/kafka`, and
 * `@confluentinc/kafka-javascript` (librdkafka, its KafkaJS-compatible API, from `librdkafkaModule`).
 *
 *   node dist/bench/raw-producer.js '{"brokers":["127.0.0.1:9092"],"topic":"t","file":"events.ndjson","client":"kafkajs"}'
 *
 * Prints one JSON line (RawProducerResult) on stdout and exits 0, or exits 1 on error.
 */
import { performance } from 'node:perf_hooks';
import { MEDIA_TYPES } from '../libs/contracts/src/media-type';
import { readNdjsonLines, subjectKey } from '../services/simulator/src/commands/ndjson-lines';
import { connectionFromEnvironment, librdkafkaConnection, platformaticConnection } from './support/kafka-clients';
import type { KafkaConnection, LibrdkafkaModule, RawKafkaClient } from './support/kafka-clients';

export interface RawProducerOptions {
  brokers: string[];
  topic: string;
  file: string;
  client: RawKafkaClient;
  /** Messages per send (default 1,000, `simulator replay`'s default). */
  batch?: number;
  /** deploy/kafka/security.cjs: SASL/TLS from the environment, as in raw-consumer.ts. */
  securityModule?: string;
  librdkafkaModule?: string;
}

export interface RawProducerResult {
  messages: number;
  bytes: number;
  /** From the first send to the last acknowledgement (connecting excluded). */
  seconds: number;
  cpuSeconds: number;
  maxRssKb: number;
}

interface OutgoingMessage {
  key: Buffer | null;
  value: Buffer;
}

/** Sends one batch and resolves once the broker acknowledged all of it. */
type SendBatch = (messages: OutgoingMessage[]) => Promise<void>;

const CONTENT_TYPE_HEADER = 'content-type';
const STRUCTURED_CONTENT_TYPE = Buffer.from(MEDIA_TYPES.cloudEvent);

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as RawProducerOptions;
  const connection = connectionFromEnvironment(options.securityModule);
  const connect = { kafkajs: withKafkajs, platformatic: withPlatformatic, librdkafka: withLibrdkafka }[options.client];
  const { send, close } = await connect(options, connection);
  const batchSize = options.batch ?? 1_000;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let messages = 0;
  let bytes = 0;
  let batch: OutgoingMessage[] = [];
  for await (const line of readNdjsonLines(options.file)) {
    const key = subjectKey(line);
    batch.push({ key, value: line });
    bytes += line.length;
    if (batch.length >= batchSize) {
      await send(batch);
      messages += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await send(batch);
    messages += batch.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await close();
  const result: RawProducerResult = { messages, bytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssKb: process.resourceUsage().maxRSS };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function withKafkajs(options: RawProducerOptions, connection: KafkaConnection): Promise<{ send: SendBatch; close: () => Promise<void> }> {
  const { Kafka, logLevel, Partitioners } = require('kafkajs') as typeof import('kafkajs');
  const kafka = new Kafka({ clientId: 'dvc-bench-raw-producer', brokers: options.brokers, logLevel: logLevel.WARN, ...connection });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    send: async (messages) => {
      await producer.sendBatch({
        topicMessages: [{ topic: options.topic, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { [CONTENT_TYPE_HEADER]: STRUCTURED_CONTENT_TYPE } })) }],
        acks: -1,
      });
    },
    close: () => producer.disconnect(),
  };
}

async function withPlatformatic(options: RawProducerOptions, connection: KafkaConnection): Promise<{ send: SendBatch; close: () => Promise<void> }> {
  const { Producer } = require('@platformatic/kafka') as typeof import('@platformatic/kafka');
  const producer = new Producer({
    clientId: 'dvc-bench-raw-producer',
    bootstrapBrokers: options.brokers,
    idempotent: true,
    acks: -1,
    ...platformaticConnection(connection),
  });
  const headers = new Map([[Buffer.from(CONTENT_TYPE_HEADER), STRUCTURED_CONTENT_TYPE]]);
  return {
    send: async (messages) => {
      await producer.send({ messages: messages.map((m) => ({ topic: options.topic, key: m.key ?? undefined, value: m.value, headers })) });
    },
    close: () => producer.close(),
  };
}

/** librdkafka batches and encodes on its own threads; the murmur2 partitioner is kafkajs' and Java's. */
async function withLibrdkafka(options: RawProducerOptions, connection: KafkaConnection): Promise<{ send: SendBatch; close: () => Promise<void> }> {
  if (!options.librdkafkaModule) throw new Error('librdkafkaModule is required for the librdkafka client (bench/librdkafka-client.sh)');
  const { KafkaJS } = require(options.librdkafkaModule) as LibrdkafkaModule;
  const kafka = new KafkaJS.Kafka({ ...librdkafkaConnection(connection), kafkaJS: { clientId: 'dvc-bench-raw-producer', brokers: options.brokers, logLevel: KafkaJS.logLevel.WARN } });
  const producer = kafka.producer({ partitioner: 'murmur2_random', kafkaJS: { idempotent: true, acks: -1 } });
  await producer.connect();
  return {
    send: async (messages) => {
      await producer.send({ topic: options.topic, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { [CONTENT_TYPE_HEADER]: STRUCTURED_CONTENT_TYPE } })) });
    },
    close: () => producer.disconnect(),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

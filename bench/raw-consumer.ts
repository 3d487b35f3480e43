/**
 * The ceiling of `run-benchmarks`: plain kafkajs reading a topic with `eachBatch`, in its own process
 * (as the services are), doing nothing with the messages — or only `JSON.parse` of each value. It
 * loads the one Kafka client it measures and nothing else, so its RSS is that client's own. With
 * `"client":"platformatic"` the same read by `@platformatic/kafka` (a maintained pure-JavaScript client),
 * with `"client":"librdkafka"` by `@confluentinc/kafka-javascript` (librdkafka; its KafkaJS-compatible API,
 * loaded from `librdkafkaModule`: bench/librdkafka-client.sh builds it), for the side-by-side of issue 10.
 *
 *   node dist/bench/raw-consumer.js '{"brokers":["127.0.0.1:9092"],"topic":"t","groupId":"g","expected":1000,"parse":false}'
 *
 * Prints one JSON line (RawConsumerResult) on stdout and exits 0, or exits 1 on timeout or error.
 */
import { performance } from 'node:perf_hooks';
import { connectionFromEnvironment, librdkafkaConnection, platformaticConnection } from './support/kafka-clients';
import type { KafkaConnection, LibrdkafkaModule, RawKafkaClient } from './support/kafka-clients';

export interface RawConsumerOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  expected: number;
  /** JSON.parse every value (as UTF-8 text); otherwise only count messages and bytes. */
  parse: boolean;
  /** Same as ingest's consumer unless told otherwise. */
  maxBytesPerPartition?: number;
  partitionsConsumedConcurrently?: number;
  timeoutMs?: number;
  /**
   * deploy/kafka/security.cjs: when given, SASL/TLS from KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and
   * KAFKA_SSL_CA_FILE of the environment (that module loads Node's built-ins only: the RSS stays kafkajs').
   */
  securityModule?: string;
  /** The client measured (default kafkajs). */
  client?: RawKafkaClient;
  /** Where `@confluentinc/kafka-javascript` is installed (bench/librdkafka-client.sh prints it); for `librdkafka`. */
  librdkafkaModule?: string;
}

export interface RawConsumerResult {
  messages: number;
  bytes: number;
  parsed: number;
  /** From `connect()` (group join included) until the last expected message was handed over. */
  seconds: number;
  /** From the first batch to the last one: consumption without the group join. */
  consumingSeconds: number;
  cpuSeconds: number;
  maxRssKb: number;
}

/** What one read counted; `handle` is called with each value, `finished` when `expected` were handed over. */
class Tally {
  messages = 0;
  bytes = 0;
  parsed = 0;
  firstBatchAt: number | null = null;
  doneAt = 0;
  private done: () => void = () => undefined;
  readonly finished = new Promise<void>((resolve) => (this.done = resolve));

  constructor(private readonly options: RawConsumerOptions) {}

  handle(value: Buffer | null | undefined): void {
    this.firstBatchAt ??= performance.now();
    if (value) {
      this.bytes += value.length;
      if (this.options.parse) {
        const event = JSON.parse(value.toString('utf8')) as { id?: unknown };
        if (event.id !== undefined) this.parsed += 1;
      }
    }
    this.messages += 1;
    if (this.messages >= this.options.expected && this.doneAt === 0) {
      this.doneAt = performance.now();
      this.done();
    }
  }
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as RawConsumerOptions;
  const connection = connectionFromEnvironment(options.securityModule);
  const tally = new Tally(options);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const read = { kafkajs: readWithKafkajs, platformatic: readWithPlatformatic, librdkafka: readWithLibrdkafka }[options.client ?? 'kafkajs'];
  const stop = await read(options, connection, tally);
  const timer = setTimeout(() => {
    console.error(`raw consumer: only ${tally.messages} of ${options.expected} messages after ${options.timeoutMs ?? 600_000} ms`);
    process.exit(1);
  }, options.timeoutMs ?? 600_000);
  await tally.finished;
  clearTimeout(timer);
  const cpu = process.cpuUsage(cpuBefore);
  const result: RawConsumerResult = {
    messages: tally.messages,
    bytes: tally.bytes,
    parsed: tally.parsed,
    seconds: (tally.doneAt - started) / 1000,
    consumingSeconds: (tally.doneAt - (tally.firstBatchAt ?? started)) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  await stop();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** kafkajs with `eachBatch`, auto-resolve and auto-commit, as ingest's consumer is configured. */
async function readWithKafkajs(options: RawConsumerOptions, connection: KafkaConnection, tally: Tally): Promise<() => Promise<void>> {
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const kafka = new Kafka({ clientId: 'dvc-bench-raw', brokers: options.brokers, logLevel: logLevel.WARN, ...connection });
  const consumer = kafka.consumer({ groupId: options.groupId, maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 2,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) tally.handle(message.value);
    },
  });
  return () => consumer.disconnect();
}

/** @platformatic/kafka's message stream from the earliest offset, auto-commit, the same bytes per partition. */
async function readWithPlatformatic(options: RawConsumerOptions, connection: KafkaConnection, tally: Tally): Promise<() => Promise<void>> {
  const { Consumer, MessagesStreamModes } = require('@platformatic/kafka') as typeof import('@platformatic/kafka');
  const consumer = new Consumer({
    clientId: 'dvc-bench-raw',
    groupId: options.groupId,
    bootstrapBrokers: options.brokers,
    ...platformaticConnection(connection),
  });
  const stream = await consumer.consume({
    topics: [options.topic],
    mode: MessagesStreamModes.EARLIEST,
    autocommit: true,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024,
  });
  stream.on('data', (message: { value: Buffer | undefined }) => tally.handle(message.value));
  return async () => {
    await stream.close();
    await consumer.close(true);
  };
}

/**
 * `@confluentinc/kafka-javascript`'s KafkaJS-compatible consumer (the API a port of the services would use),
 * `eachBatch` with the same concurrency and bytes per partition, auto-commit. Its batches are capped at 32
 * messages by default; no cap here, as kafkajs has none. TLS and SASL are librdkafka's own settings.
 */
async function readWithLibrdkafka(options: RawConsumerOptions, connection: KafkaConnection, tally: Tally): Promise<() => Promise<void>> {
  if (!options.librdkafkaModule) throw new Error('librdkafkaModule is required for the librdkafka client (bench/librdkafka-client.sh)');
  const { KafkaJS } = require(options.librdkafkaModule) as LibrdkafkaModule;
  const kafka = new KafkaJS.Kafka({ ...librdkafkaConnection(connection), kafkaJS: { clientId: 'dvc-bench-raw', brokers: options.brokers, logLevel: KafkaJS.logLevel.WARN } });
  const consumer = kafka.consumer({
    'js.consumer.max.batch.size': -1,
    kafkaJS: { groupId: options.groupId, fromBeginning: true, autoCommit: true, maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024 },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic] });
  await consumer.run({
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 2,
    eachBatch: async ({ batch }: { batch: { messages: Array<{ value: Buffer | null }> } }) => {
      for (const message of batch.messages) tally.handle(message.value);
    },
  });
  return () => consumer.disconnect();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

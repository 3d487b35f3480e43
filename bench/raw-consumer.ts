/**
 * The ceiling of `run-benchmarks`: plain kafkajs reading a topic with `eachBatch`, in its own process
 * (as the services are), doing nothing with the messages — or only `JSON.parse` of each value. It
 * loads kafkajs and nothing else, so its RSS is kafkajs' own.
 *
 *   node dist/bench/raw-consumer.js '{"brokers":["127.0.0.1:9092"],"topic":"t","groupId":"g","expected":1000,"parse":false}'
 *
 * Prints one JSON line (RawConsumerResult) on stdout and exits 0, or exits 1 on timeout or error.
 */
import { performance } from 'node:perf_hooks';
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';

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

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as RawConsumerOptions;
  const security = options.securityModule ? (require(options.securityModule) as typeof import('../deploy/kafka/security.cjs')) : undefined;
  const connection = (security?.kafkaConnectionOptions(process.env) ?? {}) as Pick<KafkaConfig, 'ssl' | 'sasl'>;
  const kafka = new Kafka({ clientId: 'dvc-bench-raw', brokers: options.brokers, logLevel: logLevel.WARN, ...connection });
  const consumer = kafka.consumer({ groupId: options.groupId, maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024 });
  let messages = 0;
  let bytes = 0;
  let parsed = 0;
  let firstBatchAt: number | null = null;
  let doneAt = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 2,
    eachBatch: async ({ batch }) => {
      firstBatchAt ??= performance.now();
      for (const message of batch.messages) {
        const value = message.value;
        if (value === null) continue;
        bytes += value.length;
        if (options.parse) {
          const event = JSON.parse(value.toString('utf8')) as { id?: unknown };
          if (event.id !== undefined) parsed += 1;
        }
      }
      messages += batch.messages.length;
      if (messages >= options.expected && doneAt === 0) {
        doneAt = performance.now();
        done();
      }
    },
  });
  const timer = setTimeout(() => {
    console.error(`raw consumer: only ${messages} of ${options.expected} messages after ${options.timeoutMs ?? 600_000} ms`);
    process.exit(1);
  }, options.timeoutMs ?? 600_000);
  await finished;
  clearTimeout(timer);
  const cpu = process.cpuUsage(cpuBefore);
  const result: RawConsumerResult = {
    messages,
    bytes,
    parsed,
    seconds: (doneAt - started) / 1000,
    consumingSeconds: (doneAt - (firstBatchAt ?? started)) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  await consumer.disconnect();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

/**
 * The Kafka client comparison of issue 10, item 3: kafkajs (what the services use), `@platformatic/kafka` and
 * `@confluentinc/kafka-javascript` (librdkafka), side by side on the same broker, the same events and the same
 * settings, each in its own process (bench/raw-producer.ts, bench/raw-consumer.ts):
 *
 *   - produce: each client sends the same NDJSON file to a topic of its own (6 partitions) as `simulator
 *     replay` does (keyed, batches of 1,000, one in flight, idempotent, acks=all);
 *   - consume: each client reads the topic kafkajs wrote, from the beginning with a fresh group, first only
 *     counting, then with `JSON.parse` of every value.
 *
 * Per step: events/s, the client's CPU (and per event), the broker's CPU, the client's peak RSS. librdkafka is
 * built once by bench/librdkafka-client.sh; when that fails its rows say why and the rest is still measured.
 *
 * `npm run bench` runs it on the file it generated; alone (Kafka running: `npm run kafka:start`):
 *
 *   npm run build && node dist/bench/kafka-client-benchmark.js
 *
 * Environment: BENCH_KAFKA_CLIENT_EVENTS (least events, default 1,000,000), BENCH_KAFKA_CLIENT_ROUNDS (default 2),
 * BENCH_SEED, KAFKA_BROKERS,
 * BENCH_REPORT (default <repo>/BENCHMARKS.md), BENCH_WORK_DIR, BENCH_KEEP=1 (keep topics and file).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, WriteStream } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { RawConsumerOptions, RawConsumerResult } from './raw-consumer';
import type { RawKafkaClient } from './support/kafka-clients';
import type { RawProducerOptions, RawProducerResult } from './raw-producer';
import { runNode } from './support/children';
import { BenchKafkaSecurity } from './support/kafka-security';
import { findRepoRoot } from './support/repo-root';
import { findKafkaBrokerPid, ProcessSampler, readCpuSeconds } from './support/proc-stats';
import { mb, rate, writeMarkedSection } from './support/report';

export const KAFKA_CLIENTS_SECTION_START = '<!-- kafka-client-benchmark:start -->';
export const KAFKA_CLIENTS_SECTION_END = '<!-- kafka-client-benchmark:end -->';

const CLIENTS: readonly RawKafkaClient[] = ['kafkajs', 'platformatic', 'librdkafka'];
const CLIENT_NAMES: Record<RawKafkaClient, string> = {
  kafkajs: 'kafkajs',
  platformatic: '@platformatic/kafka',
  librdkafka: '@confluentinc/kafka-javascript (librdkafka)',
};
const PARTITIONS = 6;

export interface KafkaClientBenchOptions {
  buildRoot: string;
  repoRoot: string;
  brokers: string[];
  /** The NDJSON file of events and how many lines it holds. */
  file: string;
  events: number;
  kafka: Kafka;
  security: BenchKafkaSecurity;
  sampler: ProcessSampler;
  childLog: WriteStream;
  /** Where `childLog` writes, for the error of a child that failed. */
  childLogPath: string;
  brokerPid: number | null;
  runId: string;
  timeoutMs: number;
  /** Rounds over all clients, every second one in the reverse order (BENCH_KAFKA_CLIENT_ROUNDS, default 2). */
  rounds: number;
  keep: boolean;
  log: (line: string) => void;
}

export interface ClientStep {
  client: RawKafkaClient;
  round: number;
  step: 'produce' | 'consume' | 'consume + JSON.parse';
  /** Absent when the step could not run (`error` says why). */
  seconds?: number;
  clientCpuSeconds?: number;
  brokerCpuSeconds?: number | null;
  peakRssKb?: number;
  error?: string;
}

export interface KafkaClientBenchResult {
  events: number;
  bytes: number;
  /** Installed versions: kafkajs, @platformatic/kafka, @confluentinc/kafka-javascript and its librdkafka. */
  versions: string[];
  rounds: number;
  steps: ClientStep[];
}

/** Builds (once) or finds the librdkafka client: its module directory, or the reason it is not there. */
function librdkafkaModule(repoRoot: string, log: (line: string) => void): { module: string; version: string } | { error: string } {
  try {
    const module = execFileSync('bash', [join(repoRoot, 'bench', 'librdkafka-client.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop() ?? '';
    const version = `@confluentinc/kafka-javascript ${packageVersion(module)}, librdkafka ${String((require(module) as { librdkafkaVersion: string }).librdkafkaVersion)}`;
    log(`librdkafka ${version} from ${module}`);
    return { module, version };
  } catch (error) {
    return { error: `bench/librdkafka-client.sh failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

export async function runKafkaClientBenchmark(options: KafkaClientBenchOptions): Promise<KafkaClientBenchResult> {
  const { log } = options;
  const librdkafka = librdkafkaModule(options.repoRoot, log);
  const topicOf = (client: RawKafkaClient, round: number) => `bench.${options.runId}.clients.${client}.${round}`;
  const groupOf = (client: RawKafkaClient, parse: boolean, round: number) => `bench.${options.runId}.clients.${client}.${parse ? 'parse' : 'count'}.${round}`;
  const allTopics = Array.from({ length: options.rounds }, (_, k) => CLIENTS.map((client) => topicOf(client, k + 1))).flat();
  const admin = options.kafka.admin();
  await admin.connect();
  const steps: ClientStep[] = [];
  let bytes = 0;
  try {
    await admin.createTopics({ waitForLeaders: true, topics: allTopics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) });
    const common = {
      brokers: options.brokers,
      securityModule: options.security.modulePath,
      ...('module' in librdkafka ? { librdkafkaModule: librdkafka.module } : {}),
    };
    const unavailable = (client: RawKafkaClient) => (client === 'librdkafka' && 'error' in librdkafka ? librdkafka.error : null);
    // Two rounds, the second in the reverse order: a client measured first meets a colder broker and page cache,
    // and this machine's speed varies from minute to minute; each round's row is reported.
    const orderOf = (round: number) => (round % 2 === 1 ? CLIENTS : [...CLIENTS].reverse());
    /** Measures one step, or records why it could not run (librdkafka not built). */
    const record = async (client: RawKafkaClient, round: number, stepName: ClientStep['step'], measureStep: () => Promise<ClientStep>) => {
      const reason = unavailable(client);
      if (reason) {
        steps.push({ client, round, step: stepName, error: reason });
        return;
      }
      const step = await measureStep();
      steps.push(step);
      log(`  ${Math.round(rate(options.events, step.seconds ?? 0))} events/s`);
    };

    for (let round = 1; round <= options.rounds; round += 1) {
      for (const client of orderOf(round)) {
        await record(client, round, 'produce', async () => {
          // Each round produces to a topic of its own: the consumers then read round 1's topic of kafkajs.
          const topic = topicOf(client, round);
          log(`round ${round}, produce: ${CLIENT_NAMES[client]} → ${topic}`);
          const producer: RawProducerOptions = { ...common, topic, file: options.file, client };
          const { result, step } = await measure<RawProducerResult>(options, `produce-${client}-${round}`, 'raw-producer.js', producer, client, 'produce', round);
          const written = (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
          if (result.messages !== options.events || written !== options.events) {
            throw new Error(`${client} sent ${result.messages} and the topic holds ${written} messages; the file has ${options.events}`);
          }
          bytes = result.bytes;
          return step;
        });
      }
    }

    for (let round = 1; round <= options.rounds; round += 1) {
      for (const parse of [false, true]) {
        const stepName = parse ? 'consume + JSON.parse' : 'consume';
        for (const client of orderOf(round)) {
          await record(client, round, stepName, async () => {
            const topic = topicOf('kafkajs', 1);
            log(`round ${round}, ${stepName}: ${CLIENT_NAMES[client]} ← ${topic}`);
            const consumer: RawConsumerOptions = { ...common, topic, groupId: groupOf(client, parse, round), expected: options.events, parse, timeoutMs: options.timeoutMs, client };
            const { result, step } = await measure<RawConsumerResult>(options, `${parse ? 'parse' : 'count'}-${client}-${round}`, 'raw-consumer.js', consumer, client, stepName, round);
            if (result.messages !== options.events || (parse && result.parsed !== options.events)) {
              throw new Error(`${client} read ${result.messages} messages (${result.parsed} parsed); expected ${options.events}`);
            }
            return step;
          });
        }
      }
    }
  } finally {
    if (!options.keep) {
      await admin.deleteTopics({ topics: allTopics }).catch((error) => log(`could not delete the client comparison's topics: ${String(error)}`));
      const allGroups = Array.from({ length: options.rounds }, (_, k) => CLIENTS.flatMap((client) => [groupOf(client, false, k + 1), groupOf(client, true, k + 1)])).flat();
      await admin.deleteGroups(allGroups).catch(() => undefined);
    }
    await admin.disconnect();
  }
  const versions = [`kafkajs ${packageVersion(join(options.repoRoot, 'node_modules', 'kafkajs'))}`, `@platformatic/kafka ${packageVersion(join(options.repoRoot, 'node_modules', '@platformatic', 'kafka'))}`];
  if ('version' in librdkafka) versions.push(librdkafka.version);
  return { events: options.events, bytes, versions, rounds: options.rounds, steps };
}

function packageVersion(directory: string): string {
  try {
    return String((JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { version: string }).version);
  } catch {
    return '(version unknown)';
  }
}

/** Runs one child to its end; the step's time is the child's own (from its first send or its connect). */
async function measure<T extends { seconds: number; cpuSeconds: number; maxRssKb: number }>(
  options: KafkaClientBenchOptions,
  name: string,
  script: string,
  childOptions: object,
  client: RawKafkaClient,
  step: ClientStep['step'],
  round: number,
): Promise<{ result: T; step: ClientStep }> {
  const brokerBefore = options.brokerPid === null ? null : readCpuSeconds(options.brokerPid);
  const run = await runNode(name, join(options.buildRoot, 'bench', script), [JSON.stringify(childOptions)], {
    cwd: options.repoRoot,
    // The benchmark's own clients connect as admin: this measures the clients, not the ACLs.
    env: options.security.processEnvironment(process.env),
    sampler: options.sampler,
    log: options.childLog,
    echo: false,
  });
  if (run.code !== 0) throw new Error(`${script} (${client}) exited with ${String(run.code)}; see ${options.childLogPath}`);
  const brokerAfter = options.brokerPid === null ? null : readCpuSeconds(options.brokerPid);
  const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as T;
  return {
    result,
    step: {
      client,
      round,
      step,
      seconds: result.seconds,
      clientCpuSeconds: result.cpuSeconds,
      brokerCpuSeconds: brokerBefore === null || brokerAfter === null ? null : brokerAfter - brokerBefore,
      peakRssKb: Math.max(run.stats.peakRssKb, result.maxRssKb),
    },
  };
}

export function renderKafkaClientSection(result: KafkaClientBenchResult | { error: string }, command: string): string {
  if ('error' in result) {
    return [KAFKA_CLIENTS_SECTION_START, '## Kafka clients side by side (issue 10, item 3)', '', `Command: \`${command}\`. The run failed: ${result.error}`, KAFKA_CLIENTS_SECTION_END].join('\n');
  }
  const lines = [
    KAFKA_CLIENTS_SECTION_START,
    '## Kafka clients side by side (issue 10, item 3)',
    '',
    `Command: \`${command}\`. ${result.events.toLocaleString('en-US')} simulated dossier events (${(result.bytes / 1e6).toFixed(0)} MB of values), ` +
      `the same broker (SASL_SSL/SCRAM when kafka.sh's), each client in its own process loading only itself. Produce: the file to a topic of ` +
      `the client's own with 6 partitions, keyed by subject, batches of 1,000 with one in flight, idempotent, acks=all (as \`simulator replay\`). ` +
      `Consume: the topic kafkajs wrote, from the beginning with a fresh group, 2 MB per partition, two partitions at a time, auto-commit ` +
      `(as ingest's consumer), counting only, then with \`JSON.parse\` of every value. Times from the first send, or from \`connect()\` ` +
      `(group join included) to the last message, in ${result.rounds} round(s), every second one in the reverse order. Client CPU is the child ` +
      `process's own (user + system, all its threads: librdkafka's included); broker CPU is the Kafka JVM's over the step.` +
      ` Versions: ${result.versions.join("; ")}; @confluentinc/kafka-javascript is built by \`bench/librdkafka-client.sh\`.`,
    '',
    '| step | client | round | events/s | client CPU (s) | µs CPU per event | broker CPU (s) | peak RSS |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const stepOrder: ClientStep['step'][] = ['produce', 'consume', 'consume + JSON.parse'];
  const sorted = [...result.steps].sort((a, b) => stepOrder.indexOf(a.step) - stepOrder.indexOf(b.step) || CLIENTS.indexOf(a.client) - CLIENTS.indexOf(b.client) || a.round - b.round);
  for (const step of sorted) {
    if (step.seconds === undefined) {
      lines.push(`| ${step.step} | ${CLIENT_NAMES[step.client]} | ${step.round} | not measured: ${step.error ?? 'unknown'} | | | | |`);
      continue;
    }
    const cpu = step.clientCpuSeconds ?? 0;
    lines.push(
      `| ${step.step} | ${CLIENT_NAMES[step.client]} | ${step.round} | ${Math.round(rate(result.events, step.seconds)).toLocaleString('en-US')} | ${cpu.toFixed(2)} | ` +
        `${((cpu / result.events) * 1e6).toFixed(1)} | ${step.brokerCpuSeconds === null || step.brokerCpuSeconds === undefined ? 'n/a' : step.brokerCpuSeconds.toFixed(2)} | ` +
        `${mb(step.peakRssKb ?? 0).toFixed(0)} MB |`,
    );
  }
  lines.push(KAFKA_CLIENTS_SECTION_END);
  return lines.join('\n');
}

export function writeKafkaClientSection(file: string, section: string): void {
  writeMarkedSection(file, KAFKA_CLIENTS_SECTION_START, KAFKA_CLIENTS_SECTION_END, section);
}

// ------------------------------------------------------------------------------------------------
// alone: generates its own events with the simulator, on a broker that is already running

async function main(): Promise<void> {
  const buildRoot = resolve(__dirname, '..');
  const repoRoot = findRepoRoot(buildRoot);
  const env = process.env;
  const log = (line: string) => console.log(`[kafka-clients] ${line}`);
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim());
  const wanted = Number((env.BENCH_KAFKA_CLIENT_EVENTS ?? '1000000').replace(/_/g, ''));
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const workDir = join(env.BENCH_WORK_DIR ?? tmpdir(), `dvc-bench-clients-${runId}`);
  mkdirSync(workDir, { recursive: true });
  const security = new BenchKafkaSecurity(repoRoot, brokers, env);
  const kafka = new Kafka({ clientId: 'dvc-bench-clients', brokers, logLevel: logLevel.WARN, ...security.connection() });
  const sampler = new ProcessSampler();
  sampler.start();
  const childLogPath = join(workDir, 'children.log');
  const childLog = createWriteStream(childLogPath);
  const keep = env.BENCH_KEEP === '1';
  try {
    const file = join(workDir, 'events.ndjson');
    const dossiers = Math.ceil(wanted / 2.62); // 2.67 events per dossier measured (run-benchmarks.ts)
    log(`generating ${dossiers} dossiers into ${file}`);
    const generated = await runNode('generate', join(buildRoot, 'services', 'simulator', 'src', 'main.js'), ['generate', '--out', file, '--dossiers', String(dossiers), '--seed', env.BENCH_SEED ?? '1'], {
      cwd: repoRoot,
      env: { ...env, SIMULATOR_INVALID_RATE: '0' },
      sampler,
      log: childLog,
      echo: false,
    });
    const events = Number(/^events: (\d+)/m.exec(generated.stdout)?.[1] ?? NaN);
    if (generated.code !== 0 || !Number.isFinite(events)) throw new Error(`simulator generate failed; see ${workDir}/children.log`);
    const dataDir = env.DVC_KAFKA_DATA ?? join(homedir(), '.cache', 'dvc-monitor', `kafka-data-${brokers[0].split(':')[1] ?? '9092'}`);
    const result = await runKafkaClientBenchmark({
      buildRoot,
      repoRoot,
      brokers,
      file,
      events,
      kafka,
      security,
      sampler,
      childLog,
      childLogPath,
      brokerPid: findKafkaBrokerPid(join(dataDir, 'kafka.pid')),
      runId,
      timeoutMs: 600_000,
      rounds: Number(env.BENCH_KAFKA_CLIENT_ROUNDS ?? '2'),
      keep,
      log,
    });
    const report = env.BENCH_REPORT ?? join(repoRoot, 'BENCHMARKS.md');
    writeKafkaClientSection(report, renderKafkaClientSection(result, 'npm run build && node dist/bench/kafka-client-benchmark.js'));
    log(`wrote the comparison into ${report}`);
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  } finally {
    sampler.stop();
    childLog.end();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}

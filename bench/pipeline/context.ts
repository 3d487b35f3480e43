/**
 * The settings and shared state of one `npm run bench` run (bench/run-benchmarks.ts): the configuration
 * read from the environment, the run's topics, groups, database and work directory, and what every
 * stage of bench/pipeline/ uses (the broker client, the process sampler, the services still running).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Kafka } from 'kafkajs';
import type { ServiceProcess } from '../support/children';
import { BenchKafkaSecurity } from '../support/kafka-security';
import { concurrentActivity, ProcessSampler } from '../support/proc-stats';
import { findRepoRoot } from '../support/repo-root';

/** dist/ (or wherever swc wrote libs, services and bench): this file is <build>/bench/pipeline/context.js. */
export const BUILD_ROOT = resolve(__dirname, '..', '..');
export const REPO_ROOT = findRepoRoot(BUILD_ROOT);

/** Production partition counts, as deploy/kafka/create-topics.mjs creates them. */
export const PARTITIONS = {
  dossierEvents: 6,
  canonicalEvents: 6,
  deadLetter: 3,
  rateChanges: 6,
  scaleCanonicalEvents: 6,
  scaleDeadLetter: 3,
  scaleRateChanges: 6,
  freshDossierEvents: 6,
  freshCanonicalEvents: 6,
  freshDeadLetter: 3,
  freshRateChanges: 6,
};
/** Events per dossier of the simulator's year (2.67 measured); a little under it, so one generation is enough. */
export const EVENTS_PER_DOSSIER_ESTIMATE = 2.62;

export const env = process.env;
export const config = {
  events: positiveInt('BENCH_EVENTS', 1_000_000),
  seed: positiveInt('BENCH_SEED', 1, 0),
  databaseName: env.BENCH_DATABASE ?? 'dvc_bench',
  postgresUrl: (env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, ''),
  brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()).filter(Boolean),
  redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  reportFile: env.BENCH_REPORT ?? join(REPO_ROOT, 'BENCHMARKS.md'),
  keep: env.BENCH_KEEP === '1',
  timeoutMs: positiveInt('BENCH_TIMEOUT_S', 3600) * 1000,
  serviceLogLevel: env.BENCH_SERVICE_LOG_LEVEL ?? 'warn',
};
/** The scale-out run: instances of each service on the same 6 partitions (BENCH_SCALE_INGESTS, BENCH_SCALE_AGGREGATORS). */
export const SCALE_OUT = { ingests: positiveInt('BENCH_SCALE_INGESTS', 2), aggregators: positiveInt('BENCH_SCALE_AGGREGATORS', 3) };
export const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
export const workDir = join(env.BENCH_WORK_DIR ?? tmpdir(), `dvc-bench-${runId}`);
export const databaseUrl = `${config.postgresUrl}/${config.databaseName}`;
export const topics = {
  dossierEvents: `bench.${runId}.dossier-events`,
  canonicalEvents: `bench.${runId}.canonical`,
  deadLetter: `bench.${runId}.dlq`,
  rateChanges: `bench.${runId}.rate-changes`,
  // The scale-out run writes its own canonical topic from the same input topic.
  scaleCanonicalEvents: `bench.${runId}.scale.canonical`,
  scaleDeadLetter: `bench.${runId}.scale.dlq`,
  scaleRateChanges: `bench.${runId}.scale.rate-changes`,
  // The freshness run: a live stream through topics of its own into the same database.
  freshDossierEvents: `bench.${runId}.fresh.dossier-events`,
  freshCanonicalEvents: `bench.${runId}.fresh.canonical`,
  freshDeadLetter: `bench.${runId}.fresh.dlq`,
  freshRateChanges: `bench.${runId}.fresh.rate-changes`,
};
export const groups = {
  ingest: `bench.${runId}.ingest`,
  aggregator: `bench.${runId}.aggregator`,
  rawCount: `bench.${runId}.raw-count`,
  rawParse: `bench.${runId}.raw-parse`,
  platformaticCount: `bench.${runId}.platformatic-count`,
  platformaticParse: `bench.${runId}.platformatic-parse`,
  scaleIngest: `bench.${runId}.scale.ingest`,
  scaleAggregator: `bench.${runId}.scale.aggregator`,
  freshIngest: `bench.${runId}.fresh.ingest`,
  freshAggregator: `bench.${runId}.fresh.aggregator`,
};

/** SASL/TLS on a secured broker: the benchmark's clients as admin, each service as its own principal. */
export const kafkaSecurity = new BenchKafkaSecurity(REPO_ROOT, config.brokers, env);
export const sampler = new ProcessSampler(250);
export const ourPids = new Set<number>();
/** Other work seen on the machine at the stage boundaries: command line → pids. */
export const concurrent = new Map<string, Set<number>>();
export const noteConcurrent = () => {
  for (const { pid, command } of concurrentActivity(ourPids)) {
    const pids = concurrent.get(command) ?? new Set<number>();
    if (!pids.has(pid)) log(`other work on the machine: pid ${pid}: ${command}`);
    concurrent.set(command, pids.add(pid));
  }
};
/**
 * What the stages share and change: the broker client (created once the broker answers: a broker this run
 * starts has no credentials before), the broker's pid, and the services of the run that may still be running
 * (stopped by the clean-up whatever happened).
 */
export const runState: { kafka: Kafka; brokerPid: number | null; services: ServiceProcess[] } = {
  kafka: undefined as unknown as Kafka,
  brokerPid: null,
  services: [],
};
export const log = (line: string) => console.log(`[bench] ${line}`);
export const now = () => performance.now();

export function printLogTail(file: string, lines = 8): void {
  try {
    const tail = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
    console.error(`[bench] last lines of ${file}:`);
    for (const line of tail) console.error(`    ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
  } catch {
    // no log
  }
}

export function simulatorMain(): string {
  return join(BUILD_ROOT, 'services', 'simulator', 'src', 'main.js');
}

export function serviceMain(name: 'ingest' | 'aggregator'): string {
  return join(BUILD_ROOT, 'services', name, 'src', 'main.js');
}

export function positiveInt(name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

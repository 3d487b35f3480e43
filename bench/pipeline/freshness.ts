/**
 * The freshness section of the report (bench/run-benchmarks.ts): event → visible under a sustained live
 * load, on the database the pipeline run filled, through topics and groups of its own
 * (bench/freshness-benchmark.ts measures; this stage generates the stream and starts the services).
 */
import { closeSync, openSync, readSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { periodContaining, previousPeriod, vietnamToday } from '@dvc/domain';
import { provinceShape } from '../api-latency-benchmark';
import { FRESHNESS_SECTION_END, FRESHNESS_SECTION_START, FreshnessResult, renderFreshnessSection, runFreshnessBenchmark } from '../freshness-benchmark';
import { freePort, runNode, ServiceProcess } from '../support/children';
import { writeMarkedSection } from '../support/report';
import {
  BUILD_ROOT,
  config,
  databaseUrl,
  env,
  EVENTS_PER_DOSSIER_ESTIMATE,
  groups,
  kafkaSecurity,
  log,
  positiveInt,
  REPO_ROOT,
  runState,
  sampler,
  serviceMain,
  simulatorMain,
  topics,
  workDir,
} from './context';

/** Runs the freshness benchmark and writes its section (a failure is reported there, not thrown). */
export async function freshnessSection(serviceEnv: NodeJS.ProcessEnv, provinceYearFile: string, childLog: WriteStream): Promise<void> {
  const freshness = await runFreshness(serviceEnv, provinceYearFile, childLog).catch((error: unknown) => ({ error: String(error) }));
  writeMarkedSection(config.reportFile, FRESHNESS_SECTION_START, FRESHNESS_SECTION_END, renderFreshnessSection(freshness));
  log(`wrote the freshness section of ${config.reportFile}`);
}

/**
 * The freshness stage (bench/freshness-benchmark.ts): a stream of the same province for the months before the
 * current one of 2026 on (the province-year above is 2025, so no dossier code repeats), BENCH_FRESHNESS_RATE events/s
 * (1,000) for about BENCH_FRESHNESS_S seconds (300), through topics and groups of its own, with probes dated now.
 */
async function runFreshness(serviceEnv: NodeJS.ProcessEnv, provinceYearFile: string, childLog: WriteStream): Promise<FreshnessResult> {
  const rate = positiveInt('BENCH_FRESHNESS_RATE', 1_000);
  const seconds = positiveInt('BENCH_FRESHNESS_S', 300);
  const today = vietnamToday();
  const to = previousPeriod(periodContaining(today, 'month')).lastDay;
  const from = '2026-01-01';
  if (to < from) throw new Error(`no whole month of 2026 before ${today} to stream (the province-year is 2025)`);
  const file = join(workDir, 'freshness.ndjson');
  const dossiers = Math.ceil((rate * seconds) / EVENTS_PER_DOSSIER_ESTIMATE);
  log(`freshness: generating ${dossiers} dossiers from ${from} to ${to}`);
  const generated = await runNode('generate-fresh', simulatorMain(), ['generate', '--out', file, '--dossiers', String(dossiers), '--seed', String(config.seed + 1), '--from', from, '--to', to], {
    cwd: REPO_ROOT,
    env: { ...env, SIMULATOR_INVALID_RATE: '0' },
    sampler,
    log: childLog,
  });
  if (generated.code !== 0) throw new Error(`simulator generate exited with ${String(generated.code)}`);
  // The first event of the province-year names a real agency and procedure for the probes (read: its first 4 KB only).
  const head = Buffer.alloc(4_096);
  const descriptor = openSync(provinceYearFile, 'r');
  const length = readSync(descriptor, head, 0, head.length, 0);
  closeSync(descriptor);
  const template = JSON.parse(head.subarray(0, length).toString('utf8').split('\n')[0]) as {
    source: string;
    data: { agency: Record<string, unknown>; procedure: Record<string, unknown> };
  };
  const freshEnv = {
    ...serviceEnv,
    TOPIC_DOSSIER_EVENTS: topics.freshDossierEvents,
    TOPIC_CANONICAL_EVENTS: topics.freshCanonicalEvents,
    TOPIC_DEAD_LETTER: topics.freshDeadLetter,
    TOPIC_RATE_CHANGES: topics.freshRateChanges,
    INGEST_GROUP_ID: groups.freshIngest,
    AGGREGATOR_GROUP_ID: groups.freshAggregator,
  };
  await kafkaSecurity.grant(runState.kafka, freshEnv, ['ingest', 'aggregator', 'simulator']);
  const { scopeRoot } = await provinceShape(databaseUrl);
  return runFreshnessBenchmark({
    kafka: runState.kafka,
    inputTopic: topics.freshDossierEvents,
    databaseUrl,
    serviceEnv,
    apiMain: join(BUILD_ROOT, 'services', 'api', 'src', 'main.js'),
    repoRoot: REPO_ROOT,
    workDir,
    scopeRoot,
    probe: { agency: template.data.agency, procedure: template.data.procedure, source: template.source },
    rate,
    log: (line) => log(`freshness: ${line}`),
    startServices: async () => {
      const started = await Promise.all(
        (['ingest', 'aggregator'] as const).map(async (service) =>
          new ServiceProcess(`${service}-fresh`, serviceMain(service), kafkaSecurity.processEnvironment(freshEnv, service), await freePort(), join(workDir, `${service}-fresh.log`), REPO_ROOT).spawn(),
        ),
      );
      runState.services.push(...started);
      await Promise.all(started.map((service) => service.waitUntilReady()));
      return started;
    },
    startLoad: async () => {
      const replay = await runNode('replay-fresh', simulatorMain(), ['replay', '--file', file, '--topic', topics.freshDossierEvents, '--rate', String(rate)], {
        cwd: REPO_ROOT,
        env: kafkaSecurity.processEnvironment({ ...env, KAFKA_BROKERS: config.brokers.join(','), LOG_LEVEL: 'warn' }, 'simulator'),
        sampler,
        log: childLog,
        echo: false,
      });
      if (replay.code !== 0) throw new Error(`simulator replay exited with ${String(replay.code)}`);
      const messages = Number(/replayed (\d+) events/.exec(replay.stdout)?.[1] ?? NaN);
      return { messages, seconds: replay.seconds };
    },
  });
}

/**
 * `npm run bench`: the throughput of the rates pipeline on a backlog of at least BENCH_EVENTS
 * simulated dossier events (default 1,000,000), against the raw speed of kafkajs on the same broker,
 * with an exactness check of the stored counts; writes BENCHMARKS.md at the repository root.
 *
 * Steps: Kafka (started when nothing answers, stopped at the end only then), a fresh database and
 * fresh topics; `simulator generate` → NDJSON → `simulator replay` into the input topic (producer
 * throughput); two raw kafkajs reads of that topic (the ceiling); ingest + aggregator from dist/ as
 * separate processes until PostgreSQL holds every event (end-to-end throughput), their RSS sampled
 * from /proc every 250 ms; checks; report; clean-up. Exit 1 when a check fails.
 *
 * Environment (all optional):
 *   BENCH_EVENTS      least number of events to generate (default 1000000)
 *   BENCH_SEED        simulator seed (default 1)
 *   BENCH_DATABASE    database to (re)create (default dvc_bench); BENCH_POSTGRES_URL server (postgres://postgres@127.0.0.1:5432)
 *   KAFKA_BROKERS     (default 127.0.0.1:9092); REDIS_URL (default redis://127.0.0.1:6379/0)
 *   BENCH_REPORT      where to write the report (default <repo>/BENCHMARKS.md)
 *   BENCH_WORK_DIR    where the NDJSON file and service logs go (default the OS temp dir)
 *   BENCH_KEEP=1      keep the database, topics and files for a post-mortem
 *   BENCH_TIMEOUT_S   give up on the pipeline after this long (default 3600)
 *   BENCH_SERVICE_LOG_LEVEL  LOG_LEVEL of the services (default warn)
 *   BENCH_API_SKIP=1  skip the API latency run on the stored province-year (bench/api-latency-benchmark.ts);
 *                     BENCH_API_CONNECTIONS (default 200), BENCH_API_DURATION_S per endpoint (default 10)
 *   BENCH_CPU_PROF_DIR  write V8 CPU profiles of the services there (`node --cpu-prof`); summarise them with
 *                     `node dist/bench/cpu-profile-summary.js <file>`
 *   BENCH_KAFKA_CLIENTS_SKIP=1  skip the Kafka client comparison (bench/kafka-client-benchmark.ts: kafkajs,
 *                     @platformatic/kafka and librdkafka producing and consuming the same file; alone:
 *                     `node dist/bench/kafka-client-benchmark.js`)
 *   BENCH_ALERTING_SKIP=1  skip the alerting benchmark run at the end (bench/alerting-benchmark.ts,
 *                     its own settings there; `node dist/bench/alerting-benchmark.js` runs it alone)
 *   BENCH_DECODER_FUZZ_SKIP=1  skip the decoder's property fuzzing (bench/decoder-fuzz.ts; DECODER_FUZZ_RUNS cases
 *                     per property, default 100000; alone: `node dist/bench/decoder-fuzz.js`)
 * Service settings (AGGREGATOR_*, INGEST_*, DATABASE_POOL_SIZE, …) pass through to the services.
 *
 * This file is the runner: the order of the stages, the clean-up and the exit code. The stages are in
 * bench/pipeline/ (context: settings and shared state; infrastructure: PostgreSQL, Redis, the broker, the
 * database and topics; produce: generate, replay, ceiling; pipeline; exactness; summary: BENCHMARKS.md;
 * freshness, scale-out and sections: the report's later sections).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { liveChildren } from './support/children';
import { findKafkaBrokerPid } from './support/proc-stats';
import type { Report, StageRow } from './support/report';
import { config, env, kafkaSecurity, log, noteConcurrent, now, REPO_ROOT, runId, runState, sampler, workDir } from './pipeline/context';
import { brokerPidFile, createTopics, deleteKafkaResources, describeMachine, dropDatabase, ensureKafka, kafkaScriptEnv, prepareDatabase, requirePostgresAndRedis } from './pipeline/infrastructure';
import { ceilingStage, generateStage, replayStage } from './pipeline/produce';
import { pipelineStage } from './pipeline/pipeline';
import { exactnessStage } from './pipeline/exactness';
import { writePipelineReport } from './pipeline/summary';
import { freshnessSection } from './pipeline/freshness';
import { scaleOutSection } from './pipeline/scale-out';
import { alertingSection, apiLatencySection, decoderFuzzSection, kafkaClientSection } from './pipeline/sections';

async function main(): Promise<number> {
  const benchStarted = now();
  const loadAverageAtStart = loadavg();
  mkdirSync(workDir, { recursive: true });
  const childLog = createWriteStream(join(workDir, 'children.log'));
  log(`run ${runId}: at least ${config.events.toLocaleString('en-US')} events, work dir ${workDir}`);
  noteConcurrent();
  if (existsSync(join(REPO_ROOT, 'dist', '.kafka-started-by-tests'))) {
    log('warning: a test run started the broker and will stop it when it ends');
  }

  await requirePostgresAndRedis();
  const kafkaStartedByRun = await ensureKafka();
  runState.kafka = new Kafka({ clientId: 'dvc-bench', brokers: config.brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 }, ...kafkaSecurity.connection() });
  log(`Kafka ${config.brokers.join(',')}: ${kafkaSecurity.secured ? 'SASL_SSL/SCRAM with ACLs; services as their own principals' : 'plaintext'}`);

  let failedScaleOut = false;
  let failedFuzz = false;
  const cleanUp = async () => {
    await Promise.all(runState.services.map((service) => service.stop().catch(() => undefined)));
    for (const child of liveChildren) child.kill('SIGTERM');
    if (!config.keep) {
      await deleteKafkaResources();
      await dropDatabase().catch((error) => log(`could not drop ${config.databaseName}: ${String(error)}`));
      rmSync(join(workDir, 'events.ndjson'), { force: true });
    }
    childLog.end();
    if (kafkaStartedByRun) {
      log('stopping the broker this run started');
      execFileSync('bash', [join(REPO_ROOT, 'deploy/kafka/kafka.sh'), 'stop'], { stdio: 'inherit', env: kafkaScriptEnv() });
    }
  };
  process.once('SIGINT', () => {
    log('interrupted: stopping the processes this run started');
    for (const child of liveChildren) child.kill('SIGTERM');
  });

  let failed = true;
  try {
    runState.brokerPid = findKafkaBrokerPid(brokerPidFile());
    const machine = await describeMachine(runState.brokerPid);
    log(`machine: ${machine.cores} cores, ${machine.ramGb.toFixed(1)} GB, Node ${machine.node}, Kafka ${machine.kafka}`);
    sampler.start();
    await prepareDatabase();
    await createTopics();
    const rows: StageRow[] = [];
    const cpuRows: Report['cpu'] = [];

    // 1. Generate the events.
    const file = join(workDir, 'events.ndjson');
    const generated = await generateStage(file, childLog, rows);

    // The expected counts are computed from the file after the pipeline, so that the benchmark's own
    // process stays small and quiet while the stages are measured.
    const events = generated.events;

    // 2. Replay into the input topic: producer throughput (as the trusted producer dvc-simulator).
    noteConcurrent();
    await replayStage(file, events, childLog, rows, cpuRows);

    // 3. The ceiling: raw kafkajs reads of the same topic.
    noteConcurrent();
    const ceiling = await ceilingStage(events, childLog, rows, cpuRows);

    // 4. The pipeline.
    noteConcurrent();
    const pipelineRun = await pipelineStage(events, rows, cpuRows);
    const { serviceEnv, pipeline } = pipelineRun;

    // 5. Exactness, then the report.
    const exactness = await exactnessStage(file, generated.dossiers, events);
    const mismatches = writePipelineReport({ benchStarted, loadAverageAtStart, machine, kafkaStartedByRun, generated, rows, cpuRows, ceiling, pipelineRun, exactness });
    // The API's read latency on the province-year just stored (before the clean-up drops it): its own section.
    if (env.BENCH_API_SKIP !== '1') await apiLatencySection(serviceEnv);
    // Event → visible under a sustained live load, on the same database: its own section.
    if (env.BENCH_FRESHNESS_SKIP !== '1') await freshnessSection(serviceEnv, file, childLog);
    // Several instances of each service on the same partitions, with a rebalance mid-replay: its own section.
    if (env.BENCH_SCALE_SKIP !== '1') failedScaleOut = await scaleOutSection(serviceEnv, exactness.expected, generated.dossiers, events, pipeline.seconds);
    // The Kafka clients side by side on the same file and broker (issue 10, item 3): its own section.
    if (env.BENCH_KAFKA_CLIENTS_SKIP !== '1') await kafkaClientSection(file, events, childLog);
    // The alerting benchmark (event → e-mail latency, full sweep): its own section of the report.
    if (env.BENCH_ALERTING_SKIP !== '1') await alertingSection();
    // The decoder's properties at ≥ 100,000 cases each (issue 11, item 4): its own section; a counterexample fails the run.
    if (env.BENCH_DECODER_FUZZ_SKIP !== '1') failedFuzz = decoderFuzzSection();
    failed = mismatches.length > 0 || failedScaleOut || failedFuzz;
    return failed ? 1 : 0;
  } finally {
    sampler.stop();
    await cleanUp();
    if (!config.keep && !failed) rmSync(workDir, { recursive: true, force: true });
    else log(`kept ${workDir} (service logs${config.keep ? ', events' : ''})`);
    log(`done in ${((now() - benchStarted) / 1000).toFixed(1)} s`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);

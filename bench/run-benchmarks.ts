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
 * Service settings (AGGREGATOR_*, INGEST_*, DATABASE_POOL_SIZE, …) pass through to the services.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, WriteStream } from 'node:fs';
import { cpus, homedir, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import Redis from 'ioredis';
import { migrate, MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL, MONTHLY_BUCKETS_FROM_DAYS_SQL, MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL } from '@dvc/persistence';
import { renderKafkaClientSection, runKafkaClientBenchmark, writeKafkaClientSection } from './kafka-client-benchmark';
import { alertingOptionsFromEnvironment, renderAlertingSection, runAlertingBenchmark, writeAlertingSection } from './alerting-benchmark';
import type { RawConsumerOptions, RawConsumerResult } from './raw-consumer';
import { freePort, liveChildren, runNode, ServiceProcess, sleep } from './support/children';
import { BenchKafkaSecurity } from './support/kafka-security';
import { findRepoRoot } from './support/repo-root';
import { COUNTERS, Counts, ExpectedCounts, expectedCountsOf, zeroCounts } from './support/expected-counts';
import {
  busySecondsBetween,
  concurrentActivity,
  cpuSecondsOfAll,
  findKafkaBrokerPid,
  kafkaVersionOf,
  ProcessSampler,
  readCpuSeconds,
  readExitedChildrenCpuSeconds,
  readMachineCpu,
} from './support/proc-stats';
import { Check, CpuBreakdown, Goal, mb, rate, renderReport, Report, StageRow, writeMarkedSection } from './support/report';
import { API_SECTION_END, API_SECTION_START, provinceShape, renderApiLatencySection, runApiLatencyBenchmark } from './api-latency-benchmark';
import { FRESHNESS_SECTION_END, FRESHNESS_SECTION_START, FreshnessResult, renderFreshnessSection, runFreshnessBenchmark } from './freshness-benchmark';
import { periodContaining, previousPeriod, vietnamToday } from '@dvc/domain';

/** dist/ (or wherever swc wrote libs, services and bench): this file is <build>/bench/run-benchmarks.js. */
const BUILD_ROOT = resolve(__dirname, '..');
const REPO_ROOT = findRepoRoot(BUILD_ROOT);

/** Production partition counts, as deploy/kafka/create-topics.mjs creates them. */
const PARTITIONS = {
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
const EVENTS_PER_DOSSIER_ESTIMATE = 2.62;

const GOAL_EVENTS_PER_SECOND = 25_000;
/** Issue 10: of the raw kafkajs read with JSON.parse of every value. */
const GOAL_SHARE_OF_PARSE_CEILING = 0.33;
const GOAL_CPU_MICROS_PER_EVENT = 80;
const GOAL_SERVICE_RSS_MB = 300;

const env = process.env;
const config = {
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
const SCALE_OUT = { ingests: positiveInt('BENCH_SCALE_INGESTS', 2), aggregators: positiveInt('BENCH_SCALE_AGGREGATORS', 3) };
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const workDir = join(env.BENCH_WORK_DIR ?? tmpdir(), `dvc-bench-${runId}`);
const databaseUrl = `${config.postgresUrl}/${config.databaseName}`;
const topics = {
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
const groups = {
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
const kafkaSecurity = new BenchKafkaSecurity(REPO_ROOT, config.brokers, env);
/** Created once the broker answers (a broker this run starts has no credentials before). */
let kafka: Kafka;
const sampler = new ProcessSampler(250);
const ourPids = new Set<number>();
/** Other work seen on the machine at the stage boundaries: command line → pids. */
const concurrent = new Map<string, Set<number>>();
const noteConcurrent = () => {
  for (const { pid, command } of concurrentActivity(ourPids)) {
    const pids = concurrent.get(command) ?? new Set<number>();
    if (!pids.has(pid)) log(`other work on the machine: pid ${pid}: ${command}`);
    concurrent.set(command, pids.add(pid));
  }
};
let brokerPid: number | null = null;
/** The services of the run that may still be running: stopped by the clean-up whatever happened. */
let services: ServiceProcess[] = [];
const log = (line: string) => console.log(`[bench] ${line}`);
const now = () => performance.now();

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
  kafka = new Kafka({ clientId: 'dvc-bench', brokers: config.brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 }, ...kafkaSecurity.connection() });
  log(`Kafka ${config.brokers.join(',')}: ${kafkaSecurity.secured ? 'SASL_SSL/SCRAM with ACLs; services as their own principals' : 'plaintext'}`);

  let failedScaleOut = false;
  const cleanUp = async () => {
    await Promise.all(services.map((service) => service.stop().catch(() => undefined)));
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
    brokerPid = findKafkaBrokerPid(brokerPidFile());
    const machine = await describeMachine(brokerPid);
    log(`machine: ${machine.cores} cores, ${machine.ramGb.toFixed(1)} GB, Node ${machine.node}, Kafka ${machine.kafka}`);
    sampler.start();
    await prepareDatabase();
    await createTopics();
    const rows: StageRow[] = [];
    const cpuRows: Report['cpu'] = [];
    const cpuWindow = () => startCpuWindow(brokerPid);

    // 1. Generate the events.
    const file = join(workDir, 'events.ndjson');
    const generated = await generate(file, childLog);
    const fileMb = statSync(file).size / 1e6;
    rows.push({
      stage: 'generate (simulator → NDJSON file)',
      events: generated.events,
      seconds: generated.seconds,
      peakRss: `${mb(generated.peakRssKb).toFixed(0)} MB`,
      note: `${generated.dossiers.toLocaleString('en-US')} dossiers, ${fileMb.toFixed(0)} MB; context only, not part of the pipeline.`,
    });

    // The expected counts are computed from the file after the pipeline, so that the benchmark's own
    // process stays small and quiet while the stages are measured.
    const events = generated.events;

    // 2. Replay into the input topic: producer throughput (as the trusted producer dvc-simulator).
    noteConcurrent();
    await kafkaSecurity.grant(kafka, { ...env, TOPIC_DOSSIER_EVENTS: topics.dossierEvents }, ['simulator']);
    log(`replaying into ${topics.dossierEvents}`);
    let window = cpuWindow();
    const replay = await runNode('replay', simulatorMain(), ['replay', '--file', file, '--topic', topics.dossierEvents], {
      cwd: REPO_ROOT,
      env: kafkaSecurity.processEnvironment({ ...env, KAFKA_BROKERS: config.brokers.join(','), LOG_LEVEL: 'warn' }, 'simulator'),
      sampler,
      log: childLog,
    });
    if (replay.code !== 0) throw new Error(`simulator replay exited with ${String(replay.code)}`);
    cpuRows.push({ stage: 'produce', breakdown: window.end([{ name: 'replay', cpuSeconds: window.childrenCpu() }]) });
    const inputCount = await endOffsetTotal(topics.dossierEvents);
    if (inputCount !== events) throw new Error(`the input topic holds ${inputCount} messages, the simulator generated ${events} events`);
    const simulatorRate = /\((\d+) events\/s\)/.exec(replay.stdout)?.[1];
    rows.push({
      stage: 'produce (simulator replay → input topic)',
      events,
      seconds: replay.seconds,
      peakRss: `${mb(replay.stats.peakRssKb).toFixed(0)} MB`,
      note:
        `timed from spawning the process to its exit` +
        (simulatorRate ? `; the simulator's own figure (after connecting) is ${Number(simulatorRate).toLocaleString('en-US')} events/s` : '') +
        '.',
    });

    // 3. The ceiling: raw kafkajs reads of the same topic.
    noteConcurrent();
    const rawCount = await rawRead('raw-count', groups.rawCount, false, events, childLog);
    cpuRows.push({ stage: 'ceiling (raw, no parsing)', breakdown: rawCount.cpu });
    rows.push({
      stage: '**ceiling**: raw kafkajs eachBatch, no parsing',
      events,
      seconds: rawCount.result.seconds,
      peakRss: `${mb(rawCount.peakRssKb).toFixed(0)} MB`,
      note: `${(rawCount.result.bytes / 1e6).toFixed(0)} MB of values; ${rawCount.result.consumingSeconds.toFixed(2)} s from the first batch (without the group join).`,
    });
    const rawParse = await rawRead('raw-parse', groups.rawParse, true, events, childLog);
    cpuRows.push({ stage: 'raw + JSON.parse', breakdown: rawParse.cpu });
    rows.push({
      stage: 'raw kafkajs eachBatch + JSON.parse of each value',
      events,
      seconds: rawParse.result.seconds,
      peakRss: `${mb(rawParse.peakRssKb).toFixed(0)} MB`,
      note: `${rawParse.result.consumingSeconds.toFixed(2)} s from the first batch.`,
    });
    // The same two reads by @platformatic/kafka: the consuming side of the Kafka client comparison (issue 10).
    for (const [name, group, parse] of [['platformatic-count', groups.platformaticCount, false], ['platformatic-parse', groups.platformaticParse, true]] as const) {
      const read = await rawRead(name, group, parse, events, childLog, 'platformatic');
      cpuRows.push({ stage: `@platformatic/kafka${parse ? ' + JSON.parse' : ''}`, breakdown: read.cpu });
      rows.push({
        stage: `raw @platformatic/kafka stream${parse ? ' + JSON.parse of each value' : ', no parsing'}`,
        events,
        seconds: read.result.seconds,
        peakRss: `${mb(read.peakRssKb).toFixed(0)} MB`,
        note: `${read.result.consumingSeconds.toFixed(2)} s from the first message; the same topic, group settings and bytes per partition.`,
      });
    }

    // 4. The pipeline.
    noteConcurrent();
    window = cpuWindow();
    const serviceEnv = {
      ...env,
      NODE_ENV: 'production',
      LOG_LEVEL: config.serviceLogLevel,
      KAFKA_BROKERS: config.brokers.join(','),
      DATABASE_URL: databaseUrl,
      REDIS_URL: config.redisUrl,
      TOPIC_DOSSIER_EVENTS: topics.dossierEvents,
      TOPIC_CANONICAL_EVENTS: topics.canonicalEvents,
      TOPIC_DEAD_LETTER: topics.deadLetter,
      TOPIC_RATE_CHANGES: topics.rateChanges,
      INGEST_GROUP_ID: groups.ingest,
      AGGREGATOR_GROUP_ID: groups.aggregator,
    };
    await kafkaSecurity.grant(kafka, serviceEnv, ['ingest', 'aggregator']);
    const ingest = new ServiceProcess('ingest', serviceMain('ingest'), kafkaSecurity.processEnvironment(serviceEnv, 'ingest'), await freePort(), join(workDir, 'ingest.log'), REPO_ROOT);
    const aggregator = new ServiceProcess(
      'aggregator',
      serviceMain('aggregator'),
      kafkaSecurity.processEnvironment(serviceEnv, 'aggregator'),
      await freePort(),
      join(workDir, 'aggregator.log'),
      REPO_ROOT,
    );
    services = [ingest, aggregator];
    log('starting ingest and aggregator');
    const pipeline = await runPipeline({ ingests: [ingest], aggregators: [aggregator], canonicalTopic: topics.canonicalEvents, aggregatorGroup: groups.aggregator }, events).catch((error: unknown) => {
      for (const service of [ingest, aggregator]) printLogTail(service.logFile);
      throw error;
    });
    const ingestStats = sampler.finish('ingest');
    const aggregatorStats = sampler.finish('aggregator');
    const breakdown = window.end([
      { name: 'ingest', cpuSeconds: pipeline.ingestCpu },
      { name: 'aggregator', cpuSeconds: pipeline.aggregatorCpu },
    ]);
    cpuRows.push({ stage: 'pipeline', breakdown });
    noteConcurrent();
    await Promise.all(services.map((service) => service.stop()));
    services = [];

    rows.push({
      stage: 'ingest stage (spawn → canonical topic complete)',
      events,
      seconds: pipeline.ingestSeconds,
      peakRss: `ingest ${mb(ingestStats.peakRssKb).toFixed(0)} MB`,
      note: 'measured inside the pipeline run: the aggregator consumes at the same time on the same cores.',
    });
    rows.push({
      stage: '**pipeline end-to-end** (spawn → all counts in PostgreSQL)',
      events,
      seconds: pipeline.seconds,
      peakRss: `aggregator ${mb(aggregatorStats.peakRssKb).toFixed(0)} MB, ingest ${mb(ingestStats.peakRssKb).toFixed(0)} MB`,
      note:
        `includes the services' start (${pipeline.readySeconds.toFixed(2)} s to /health/ready); from both ready: ` +
        `${Math.round(rate(events, pipeline.seconds - pipeline.readySeconds)).toLocaleString('en-US')} events/s. ` +
        `Aggregator VmHWM ${mb(aggregatorStats.hwmKb).toFixed(0)} MB, highest 250 ms sample ${mb(aggregatorStats.maxSampledRssKb).toFixed(0)} MB.`,
    });

    // 5. Exactness.
    log('computing the expected counts from the file');
    const expectStarted = now();
    const expected = await expectedCountsOf(file);
    log(`expected: ${expected.lines} events, ${expected.dossiers} dossiers, ${expected.total.received} received (${((now() - expectStarted) / 1000).toFixed(1)} s)`);
    const { checks, storedTotals } = await checkResults(expected, generated.dossiers, events);
    const pipelineRate = rate(events, pipeline.seconds);
    const ceilingRate = rate(events, rawCount.result.seconds);
    const parseCeilingRate = rate(events, rawParse.result.seconds);
    const aggregatorRssMb = mb(aggregatorStats.peakRssKb);
    const ingestRssMb = mb(ingestStats.peakRssKb);
    // Every process of the pipeline: both services, the broker and PostgreSQL (the benchmark's own polling excluded).
    const cpuMicrosPerEvent = (1e6 * (pipeline.ingestCpu + pipeline.aggregatorCpu + (breakdown.kafka ?? 0) + breakdown.postgres)) / events;
    const goals: Goal[] = [
      {
        goal: 'end-to-end throughput',
        target: `≥ ${GOAL_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`,
        measured: `${Math.round(pipelineRate).toLocaleString('en-US')} events/s`,
        met: pipelineRate >= GOAL_EVENTS_PER_SECOND,
      },
      {
        goal: 'CPU per event, all processes',
        target: `≤ ${GOAL_CPU_MICROS_PER_EVENT} µs`,
        measured: `${cpuMicrosPerEvent.toFixed(0)} µs`,
        met: cpuMicrosPerEvent <= GOAL_CPU_MICROS_PER_EVENT,
      },
      {
        goal: 'share of the raw kafkajs read with JSON.parse',
        target: `≥ ${GOAL_SHARE_OF_PARSE_CEILING}`,
        measured: (pipelineRate / parseCeilingRate).toFixed(2),
        met: pipelineRate / parseCeilingRate >= GOAL_SHARE_OF_PARSE_CEILING,
      },
      {
        goal: 'aggregator peak RSS',
        target: `< ${GOAL_SERVICE_RSS_MB} MB`,
        measured: `${aggregatorRssMb.toFixed(0)} MB`,
        met: aggregatorRssMb < GOAL_SERVICE_RSS_MB,
      },
      {
        goal: 'ingest peak RSS',
        target: `< ${GOAL_SERVICE_RSS_MB} MB`,
        measured: `${ingestRssMb.toFixed(0)} MB`,
        met: ingestRssMb < GOAL_SERVICE_RSS_MB,
      },
    ];

    const report: Report = {
      date: new Date().toISOString(),
      machine,
      command: commandLine(),
      settings: settings(),
      concurrentActivity: [...concurrent].map(([command, pids]) => `${command} (${pids.size === 1 ? 'pid' : `${pids.size} processes, pids`} ${[...pids].join(', ')})`),
      loadAverageAtStart,
      kafkaStartedByRun,
      kafkaStartedByTests: !kafkaStartedByRun && existsSync(join(REPO_ROOT, 'dist', '.kafka-started-by-tests')),
      events,
      dossiers: generated.dossiers,
      fileMb,
      rows,
      cpu: cpuRows,
      pipeline: {
        seconds: pipeline.seconds,
        ingestSeconds: pipeline.ingestSeconds,
        readySeconds: pipeline.readySeconds,
        appliedWhenIngestDone: pipeline.appliedWhenIngestDone,
        aggregatorRssMb,
        ingestRssMb: mb(ingestStats.peakRssKb),
        ratioToCeiling: pipelineRate / ceilingRate,
        ceilingRate,
        parseRate: rate(events, rawParse.result.seconds),
      },
      goals,
      checks,
      expectedTotals: expected.total,
      storedTotals,
      totalSeconds: (now() - benchStarted) / 1000,
    };

    const mismatches = checks.filter((check) => !check.ok);
    log('');
    for (const row of rows) {
      log(`${row.stage.replace(/\*/g, '').padEnd(62)} ${row.events} events ${row.seconds.toFixed(2).padStart(8)} s ${Math.round(rate(row.events, row.seconds)).toString().padStart(8)} events/s  ${row.peakRss}`);
    }
    log(`pipeline / ceiling: ${(pipelineRate / ceilingRate).toFixed(2)}`);
    for (const goal of goals) log(`goal ${goal.goal}: ${goal.target}, measured ${goal.measured}: ${goal.met ? 'met' : 'NOT MET'}`);
    if (mismatches.length > 0) {
      console.error('\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
      console.error(`!!! EXACTNESS CHECK FAILED: ${mismatches.length} mismatch(es)`);
      for (const check of mismatches) console.error(`!!!   ${check.what}: expected ${check.expected}, stored ${check.actual}`);
      console.error('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n');
    } else {
      log(`exactness: all ${checks.length} checks passed`);
    }
    report.totalSeconds = (now() - benchStarted) / 1000;
    writeFileSync(config.reportFile, renderReport(report));
    log(`wrote ${config.reportFile}`);
    // The API's read latency on the province-year just stored (before the clean-up drops it): its own section.
    if (env.BENCH_API_SKIP !== '1') {
      const api = await runApiLatencyBenchmark({
        databaseUrl,
        serviceEnv,
        apiMain: join(BUILD_ROOT, 'services', 'api', 'src', 'main.js'),
        repoRoot: REPO_ROOT,
        workDir,
        connections: positiveInt('BENCH_API_CONNECTIONS', 200),
        durationSeconds: positiveInt('BENCH_API_DURATION_S', 10),
        log: (line) => log(`api: ${line}`),
      }).catch((error: unknown) => ({ error: String(error) }));
      writeMarkedSection(config.reportFile, API_SECTION_START, API_SECTION_END, renderApiLatencySection(api, 'npm run bench'));
      log(`wrote the API latency section of ${config.reportFile}`);
    }
    // Event → visible under a sustained live load, on the same database: its own section.
    if (env.BENCH_FRESHNESS_SKIP !== '1') {
      const freshness = await runFreshness(serviceEnv, file, childLog).catch((error: unknown) => ({ error: String(error) }));
      writeMarkedSection(config.reportFile, FRESHNESS_SECTION_START, FRESHNESS_SECTION_END, renderFreshnessSection(freshness));
      log(`wrote the freshness section of ${config.reportFile}`);
    }
    // Several instances of each service on the same partitions, with a rebalance mid-replay: its own section.
    if (env.BENCH_SCALE_SKIP !== '1') {
      const scaleOut = await runScaleOut(serviceEnv, expected, generated.dossiers, events, pipeline.seconds).catch((error: unknown) => ({ error: String(error) }));
      writeMarkedSection(config.reportFile, SCALE_SECTION_START, SCALE_SECTION_END, renderScaleOutSection(scaleOut));
      if (!('error' in scaleOut) && scaleOut.checks.some((check) => !check.ok)) failedScaleOut = true;
      log(`wrote the scale-out section of ${config.reportFile}`);
    }
    // The Kafka clients side by side on the same file and broker (issue 10, item 3): its own section.
    if (env.BENCH_KAFKA_CLIENTS_SKIP !== '1') {
      const clients = await runKafkaClientBenchmark({
        buildRoot: BUILD_ROOT,
        repoRoot: REPO_ROOT,
        brokers: config.brokers,
        file,
        events,
        kafka,
        security: kafkaSecurity,
        sampler,
        childLog,
        childLogPath: join(workDir, 'children.log'),
        brokerPid,
        runId,
        timeoutMs: config.timeoutMs,
        rounds: positiveInt('BENCH_KAFKA_CLIENT_ROUNDS', 2),
        keep: config.keep,
        log: (line) => log(`kafka clients: ${line}`),
      }).catch((error: unknown) => ({ error: String(error) }));
      writeKafkaClientSection(config.reportFile, renderKafkaClientSection(clients, 'npm run bench'));
      log(`wrote the Kafka client section of ${config.reportFile}`);
    }
    // The alerting benchmark (event → e-mail latency, full sweep): its own section of the report.
    if (env.BENCH_ALERTING_SKIP !== '1') {
      const alerting = await runAlertingBenchmark(alertingOptionsFromEnvironment((line) => log(`alerting: ${line}`), join(workDir, 'alerting')));
      writeAlertingSection(config.reportFile, renderAlertingSection(alerting));
      log(`wrote the alerting section of ${config.reportFile}`);
    }
    failed = mismatches.length > 0 || failedScaleOut;
    return failed ? 1 : 0;
  } finally {
    sampler.stop();
    await cleanUp();
    if (!config.keep && !failed) rmSync(workDir, { recursive: true, force: true });
    else log(`kept ${workDir} (service logs${config.keep ? ', events' : ''})`);
    log(`done in ${((now() - benchStarted) / 1000).toFixed(1)} s`);
  }
}

// ------------------------------------------------------------------------------------------------
// stages

async function generate(file: string, childLog: WriteStream) {
  let dossiers = Math.ceil(config.events / EVENTS_PER_DOSSIER_ESTIMATE);
  for (let attempt = 1; ; attempt += 1) {
    log(`generating ${dossiers} dossiers (seed ${config.seed})`);
    const result = await runNode('generate', simulatorMain(), ['generate', '--out', file, '--dossiers', String(dossiers), '--seed', String(config.seed)], {
      cwd: REPO_ROOT,
      // No broken events: every message must reach the counts, so that the check can be exact.
      env: { ...env, SIMULATOR_INVALID_RATE: '0' },
      sampler,
      log: childLog,
    });
    if (result.code !== 0) throw new Error(`simulator generate exited with ${String(result.code)}`);
    const events = Number(/^events: (\d+)/m.exec(result.stdout)?.[1] ?? NaN);
    const received = Number(/^dossiers received: (\d+)/m.exec(result.stdout)?.[1] ?? NaN);
    if (!Number.isFinite(events)) throw new Error('could not read the number of events from simulator generate');
    if (events >= config.events || attempt >= 3) {
      if (events < config.events) throw new Error(`only ${events} events after ${attempt} attempts`);
      return { events, dossiers: received, seconds: result.seconds, peakRssKb: result.stats.peakRssKb };
    }
    dossiers = Math.ceil(dossiers * (config.events / events) * 1.01);
  }
}

async function rawRead(name: string, groupId: string, parse: boolean, expected: number, childLog: WriteStream, client: RawConsumerOptions['client'] = 'kafkajs') {
  log(`raw ${client} read of ${topics.dossierEvents} (${parse ? 'JSON.parse of each value' : 'no parsing'})`);
  const window = startCpuWindow(brokerPid);
  const options: RawConsumerOptions = {
    brokers: config.brokers,
    topic: topics.dossierEvents,
    groupId,
    expected,
    parse,
    timeoutMs: config.timeoutMs,
    securityModule: kafkaSecurity.modulePath,
    client,
  };
  const run = await runNode(name, join(BUILD_ROOT, 'bench', 'raw-consumer.js'), [JSON.stringify(options)], {
    cwd: REPO_ROOT,
    // The raw consumer is the benchmark's own client (admin): it measures kafkajs, not the ACLs.
    env: kafkaSecurity.processEnvironment(env),
    sampler,
    log: childLog,
    echo: false,
  });
  if (run.code !== 0) throw new Error(`raw consumer exited with ${String(run.code)}; see ${workDir}/children.log`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as RawConsumerResult;
  if (result.messages !== expected) throw new Error(`raw consumer read ${result.messages} messages, expected ${expected}`);
  log(`  ${result.messages} in ${result.seconds.toFixed(2)} s: ${Math.round(rate(result.messages, result.seconds))} events/s`);
  const cpu = window.end([{ name, cpuSeconds: window.childrenCpu() }]);
  return { result, cpu, peakRssKb: Math.max(run.stats.peakRssKb, result.maxRssKb) };
}

interface PipelineTimes {
  seconds: number;
  ingestSeconds: number;
  readySeconds: number;
  appliedWhenIngestDone: number;
  /** CPU of every ingest (or aggregator) process of the run, replaced ones included. */
  ingestCpu: number;
  aggregatorCpu: number;
}

interface PipelineRun {
  ingests: ServiceProcess[];
  aggregators: ServiceProcess[];
  canonicalTopic: string;
  aggregatorGroup: string;
  /**
   * With re-sends possible (a rebalance of ingest), the canonical topic's end no longer says that ingest is done:
   * then ingest's group must also have committed the whole input topic (`events` messages).
   */
  ingestGroup?: string;
  /**
   * Called once, when the aggregators have applied `midwayShare` of the events: returns the instances to stop
   * (SIGTERM: they drain and leave their groups) and their replacements (spawned then), so that both groups
   * rebalance mid-replay.
   */
  midway?: { share: number; replace: () => Promise<Array<{ stop: ServiceProcess; start: ServiceProcess }>> };
}

/** Spawns the services and polls until PostgreSQL's stored offsets cover the whole canonical topic. */
async function runPipeline(run: PipelineRun, events: number): Promise<PipelineTimes> {
  const database = new Client({ connectionString: databaseUrl, application_name: 'dvc-bench-probe' });
  await database.connect();
  const admin = kafka.admin();
  await admin.connect();
  const applied = async () => {
    const { rows } = await database.query<{ applied: string }>(
      'SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
      [run.aggregatorGroup, run.canonicalTopic],
    );
    return Number(rows[0].applied);
  };
  const canonicalEnd = async () => (await admin.fetchTopicOffsets(run.canonicalTopic)).reduce((sum, p) => sum + Number(p.high), 0);
  const ingestCommittedAll = async () => {
    if (!run.ingestGroup) return true;
    const [entry] = await admin.fetchOffsets({ groupId: run.ingestGroup, topics: [topics.dossierEvents] });
    return (entry?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0) >= events;
  };
  const live = { ingests: [...run.ingests], aggregators: [...run.aggregators] };
  const replacedCpu = { ingest: 0, aggregator: 0 };
  const launch = (service: ServiceProcess) => {
    service.spawn();
    ourPids.add(service.pid);
    sampler.track(service.name, service.pid);
  };

  try {
    const started = now();
    for (const service of [...live.ingests, ...live.aggregators]) launch(service);
    let readySeconds = NaN;
    let readyError: unknown = null;
    void Promise.all([...live.ingests, ...live.aggregators].map((service) => service.waitUntilReady())).then(
      () => (readySeconds = (now() - started) / 1000),
      (error: unknown) => (readyError = error),
    );

    let ingestSeconds: number | null = null;
    let appliedWhenIngestDone = 0;
    let lastProgress = started;
    let lastChange = started;
    let lastSeen = -1;
    let midwayDone = run.midway === undefined;
    for (;;) {
      if (readyError) throw readyError;
      for (const service of [...live.ingests, ...live.aggregators]) if (service.hasExited) throw new Error(service.describeExit());
      const [written, done] = await Promise.all([canonicalEnd(), applied()]);
      const at = now();
      if (!midwayDone && run.midway && done >= run.midway.share * events) {
        midwayDone = true;
        for (const { stop, start } of await run.midway.replace()) {
          const kind = live.ingests.includes(stop) ? 'ingests' : 'aggregators';
          replacedCpu[kind === 'ingests' ? 'ingest' : 'aggregator'] += readCpuSeconds(stop.pid) ?? 0;
          log(`  ${((at - started) / 1000).toFixed(1)} s, ${done} applied: stopping ${stop.name} (SIGTERM) and starting ${start.name}`);
          live[kind] = live[kind].filter((service) => service !== stop);
          await stop.stop();
          launch(start);
          live[kind].push(start);
        }
        continue;
      }
      if (ingestSeconds === null && written >= events && (await ingestCommittedAll())) {
        ingestSeconds = (at - started) / 1000;
        appliedWhenIngestDone = done;
        log(`  ingest: canonical topic complete after ${ingestSeconds.toFixed(2)} s (aggregator at ${done})`);
      }
      if (ingestSeconds !== null && done >= written) {
        const seconds = (at - started) / 1000;
        const cpuOf = (services: ServiceProcess[]) => services.reduce((sum, service) => sum + (readCpuSeconds(service.pid) ?? 0), 0);
        const times = {
          seconds,
          ingestSeconds,
          readySeconds,
          appliedWhenIngestDone,
          ingestCpu: cpuOf(live.ingests) + replacedCpu.ingest,
          aggregatorCpu: cpuOf(live.aggregators) + replacedCpu.aggregator,
        };
        log(`  aggregator: all ${done} events applied after ${seconds.toFixed(2)} s`);
        return times;
      }
      if (written + done !== lastSeen) {
        lastSeen = written + done;
        lastChange = at;
      }
      if (at - lastChange > 120_000) throw new Error(`no progress for 120 s (canonical ${written}, applied ${done} of ${events})`);
      if (at - started > config.timeoutMs) throw new Error(`pipeline not done after ${config.timeoutMs / 1000} s (applied ${done} of ${events})`);
      if (at - lastProgress >= 5_000) {
        lastProgress = at;
        log(`  ${((at - started) / 1000).toFixed(0)} s: canonical ${written}, applied ${done} of ${events}`);
      }
      await sleep(250);
    }
  } finally {
    services = [...new Set([...services, ...live.ingests, ...live.aggregators])];
    await admin.disconnect().catch(() => undefined);
    await database.end().catch(() => undefined);
  }
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
  await kafkaSecurity.grant(kafka, freshEnv, ['ingest', 'aggregator', 'simulator']);
  const { scopeRoot } = await provinceShape(databaseUrl);
  return runFreshnessBenchmark({
    kafka,
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
      services.push(...started);
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

const SCALE_SECTION_START = '<!-- scale-out-benchmark:start -->';
const SCALE_SECTION_END = '<!-- scale-out-benchmark:end -->';

interface ScaleOutResult {
  events: number;
  ingests: number;
  aggregators: number;
  seconds: number;
  singleSeconds: number;
  ingestSeconds: number;
  cpuSeconds: { ingest: number; aggregator: number };
  peakRssMb: Array<[string, number]>;
  rebalance: string;
  checks: Check[];
}

/**
 * The same replay again, from the same input topic into a canonical topic of its own, with SCALE_OUT.ingests ingest
 * and SCALE_OUT.aggregators aggregator instances in fresh groups, the aggregator's tables emptied first. When half
 * the events are applied, one aggregator and one ingest are stopped (SIGTERM) and replaced: both groups rebalance
 * mid-replay. Then the same exactness checks as the single-instance run.
 */
async function runScaleOut(serviceEnv: NodeJS.ProcessEnv, expected: ExpectedCounts, simulatorDossiers: number, events: number, singleSeconds: number): Promise<ScaleOutResult> {
  log(`scale-out: ${SCALE_OUT.ingests} ingest and ${SCALE_OUT.aggregators} aggregator instances`);
  const database = new Client({ connectionString: databaseUrl, application_name: 'dvc-bench-probe' });
  await database.connect();
  try {
    await database.query(
      `TRUNCATE dossier_states, daily_buckets, monthly_buckets, monthly_agency_buckets, indicator_buckets, monthly_indicator_buckets, dossier_spans, bucket_changes, consumer_offsets`,
    );
  } finally {
    await database.end();
  }
  const scaleEnv = {
    ...serviceEnv,
    TOPIC_CANONICAL_EVENTS: topics.scaleCanonicalEvents,
    TOPIC_DEAD_LETTER: topics.scaleDeadLetter,
    TOPIC_RATE_CHANGES: topics.scaleRateChanges,
    INGEST_GROUP_ID: groups.scaleIngest,
    AGGREGATOR_GROUP_ID: groups.scaleAggregator,
  };
  await kafkaSecurity.grant(kafka, scaleEnv, ['ingest', 'aggregator']);
  const instance = async (service: 'ingest' | 'aggregator', name: string) =>
    new ServiceProcess(name, serviceMain(service), kafkaSecurity.processEnvironment(scaleEnv, service), await freePort(), join(workDir, `${name}.log`), REPO_ROOT);
  const ingests = await Promise.all(Array.from({ length: SCALE_OUT.ingests }, (_, i) => instance('ingest', `ingest-${i + 1}`)));
  const aggregators = await Promise.all(Array.from({ length: SCALE_OUT.aggregators }, (_, i) => instance('aggregator', `aggregator-${i + 1}`)));
  const replacements = [await instance('aggregator', `aggregator-${SCALE_OUT.aggregators}b`), await instance('ingest', `ingest-${SCALE_OUT.ingests}b`)];
  const everyInstance = [...ingests, ...aggregators, ...replacements];
  const times = await runPipeline(
    {
      ingests,
      aggregators,
      canonicalTopic: topics.scaleCanonicalEvents,
      aggregatorGroup: groups.scaleAggregator,
      ingestGroup: groups.scaleIngest,
      midway: {
        share: 0.5,
        replace: async () => [
          { stop: aggregators[aggregators.length - 1], start: replacements[0] },
          { stop: ingests[ingests.length - 1], start: replacements[1] },
        ],
      },
    },
    events,
  ).catch((error: unknown) => {
    for (const service of everyInstance) printLogTail(service.logFile);
    throw error;
  });
  const peakRssMb = everyInstance.map((service): [string, number] => [service.name, mb(sampler.finish(service.name).peakRssKb)]);
  await Promise.all(everyInstance.map((service) => service.stop()));
  const { checks } = await checkResults(expected, simulatorDossiers, events, {
    canonicalTopic: topics.scaleCanonicalEvents,
    deadLetterTopic: topics.scaleDeadLetter,
    aggregatorGroup: groups.scaleAggregator,
    resendsAllowed: true,
  });
  const failed = checks.filter((check) => !check.ok);
  log(`scale-out: ${times.seconds.toFixed(2)} s (single instances ${singleSeconds.toFixed(2)} s); exactness ${failed.length === 0 ? `all ${checks.length} checks passed` : `${failed.length} FAILED`}`);
  return {
    events,
    ingests: SCALE_OUT.ingests,
    aggregators: SCALE_OUT.aggregators,
    seconds: times.seconds,
    singleSeconds,
    ingestSeconds: times.ingestSeconds,
    cpuSeconds: { ingest: times.ingestCpu, aggregator: times.aggregatorCpu },
    peakRssMb,
    rebalance: `at half the events applied, ${aggregators[aggregators.length - 1].name} and ${ingests[ingests.length - 1].name} were stopped (SIGTERM) and replaced by ${replacements[0].name} and ${replacements[1].name}`,
    checks,
  };
}

function renderScaleOutSection(result: ScaleOutResult | { error: string }): string {
  const lines = [SCALE_SECTION_START, '', '## Scale-out: several instances, a rebalance mid-replay (issue 10)', ''];
  if ('error' in result) return [...lines, `The run failed: ${result.error}`, '', SCALE_SECTION_END, ''].join('\n');
  const perSecond = (seconds: number) => Math.round(result.events / seconds);
  lines.push(
    `Measured by \`npm run bench\` after the single-instance run above: the same input topic read again by ${result.ingests} ingest and ${result.aggregators} aggregator instances (fresh groups, a canonical topic of their own, the aggregator's tables emptied), on the same 6 partitions and the same 2 cores; ${result.rebalance}.`,
    '',
    '| run | seconds | events/s | ingest done | CPU ingest / aggregator (s) |',
    '|---|---:|---:|---:|---|',
    `| single instances (above) | ${result.singleSeconds.toFixed(2)} | ${perSecond(result.singleSeconds).toLocaleString('en-US')} | | |`,
    `| ${result.ingests} ingest + ${result.aggregators} aggregator | ${result.seconds.toFixed(2)} | ${perSecond(result.seconds).toLocaleString('en-US')} | ${result.ingestSeconds.toFixed(2)} s | ${result.cpuSeconds.ingest.toFixed(1)} / ${result.cpuSeconds.aggregator.toFixed(1)} |`,
    '',
    `Speed-up: **${(result.singleSeconds / result.seconds).toFixed(2)}×** (single-instance seconds ÷ scale-out seconds). Peak RSS: ${result.peakRssMb.map(([name, rss]) => `${name} ${rss.toFixed(0)} MB`).join(', ')}.`,
    '',
    '| check | expected | stored | |',
    '|---|---:|---:|---|',
    ...result.checks.map((check) => `| ${check.what} | ${check.expected} | ${check.actual} | ${check.ok ? 'ok' : '**MISMATCH**'} |`),
    '',
    SCALE_SECTION_END,
    '',
  );
  return lines.join('\n');
}

interface CheckedRun {
  canonicalTopic: string;
  deadLetterTopic: string;
  aggregatorGroup: string;
  /**
   * A rebalance of ingest re-sends what a revoked member had produced but not committed (at-least-once between ingest
   * and the canonical topic, by design): the canonical topic may then hold more messages than events, every one of
   * which the aggregator must still have applied (its stored offsets reach the topic's end) without counting twice.
   */
  resendsAllowed?: boolean;
}

async function checkResults(
  expected: ExpectedCounts,
  simulatorDossiers: number,
  events: number,
  run: CheckedRun = { canonicalTopic: topics.canonicalEvents, deadLetterTopic: topics.deadLetter, aggregatorGroup: groups.aggregator },
) {
  const checks: Check[] = [];
  const check = (what: string, wanted: number | string, actual: number | string) => checks.push({ what, expected: wanted, actual, ok: wanted === actual });
  const database = new Client({ connectionString: databaseUrl, application_name: 'dvc-bench-probe' });
  await database.connect();
  try {
    check('events in the file (lines) = events the simulator generated', events, expected.lines);
    check('events in the file that are not dossier events', 0, expected.unparsable);
    const canonicalMessages = await endOffsetTotal(run.canonicalTopic);
    if (run.resendsAllowed) {
      checks.push({
        what: `canonical messages ≥ events (${(canonicalMessages - events).toLocaleString('en-US')} re-sent after the rebalance)`,
        expected: `≥ ${events}`,
        actual: canonicalMessages,
        ok: canonicalMessages >= events,
      });
    } else {
      check('canonical messages (ingest accepted every event)', events, canonicalMessages);
    }
    check('dead-lettered messages', 0, await endOffsetTotal(run.deadLetterTopic));
    const { rows: offsetRows } = await database.query<{ applied: string }>(
      'SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
      [run.aggregatorGroup, run.canonicalTopic],
    );
    check(`offsets stored by the aggregator (sum of next_offset) = ${run.resendsAllowed ? 'canonical messages' : 'events'}`, run.resendsAllowed ? canonicalMessages : events, Number(offsetRows[0].applied));
    const { rows: stateRows } = await database.query<{ n: string }>('SELECT count(*) AS n FROM dossier_states');
    check('dossiers with a state (distinct subjects in the file)', expected.dossiers, Number(stateRows[0].n));
    check('received, total = dossiers the simulator generated', simulatorDossiers, expected.dossiersReceived);

    const { rows } = await database.query<Record<string, string>>(`
      SELECT to_char(day, 'YYYY-MM') AS month, sum(received) AS received, sum(received_online) AS "receivedOnline",
             sum(completed) AS completed, sum(completed_on_time) AS "completedOnTime", sum(paid) AS paid,
             sum(paid_online) AS "paidOnline", sum(withdrawn) AS withdrawn
      FROM daily_buckets GROUP BY 1 ORDER BY 1`);
    const storedByMonth = new Map(rows.map((row) => [row.month, Object.fromEntries(COUNTERS.map((name) => [name, Number(row[name])])) as Counts]));
    const storedTotals = zeroCounts();
    for (const counts of storedByMonth.values()) for (const name of COUNTERS) storedTotals[name] += counts[name];
    for (const name of COUNTERS) check(`daily_buckets total ${name}`, expected.total[name], storedTotals[name]);
    const months = [...new Set([...expected.byMonth.keys(), ...storedByMonth.keys()])].sort();
    let monthMismatches = 0;
    for (const month of months) {
      for (const name of COUNTERS) {
        const wanted = expected.byMonth.get(month)?.[name] ?? 0;
        const actual = storedByMonth.get(month)?.[name] ?? 0;
        if (wanted !== actual) {
          monthMismatches += 1;
          check(`daily_buckets ${month} ${name}`, wanted, actual);
        }
      }
    }
    checks.push({
      what: `per Vietnam month (${months.length} months × ${COUNTERS.length} counters)`,
      expected: 'equal',
      actual: monthMismatches === 0 ? 'equal' : `${monthMismatches} differ`,
      ok: monthMismatches === 0,
    });
    // The month roll-ups, kept in the same transactions, against the sums of their day rows (both ways).
    for (const [table, fromDays, columns] of [
      ['monthly_buckets', MONTHLY_BUCKETS_FROM_DAYS_SQL, 'received, received_online, completed, completed_on_time, paid, paid_online, withdrawn'],
      ['monthly_agency_buckets', MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL, 'received, received_online, completed, completed_on_time, paid, paid_online, withdrawn'],
      ['monthly_indicator_buckets', MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL, 'received_with_payment, received_paid_online, resolved, resolution_seconds'],
    ] as const) {
      const keys = table === 'monthly_agency_buckets' ? 'month, agency_code' : 'month, agency_code, procedure_code';
      const stored = `SELECT ${keys}, ${columns} FROM ${table} WHERE ${columns.split(', ').map((column) => `${column} <> 0`).join(' OR ')}`;
      const { rows: differing } = await database.query<{ n: string; total: string }>(
        `SELECT (SELECT count(*) FROM ((${stored} EXCEPT ${fromDays}) UNION ALL (${fromDays} EXCEPT ${stored})) d) AS n, (SELECT count(*) FROM ${table}) AS total`,
      );
      checks.push({
        what: `${table} rows = sums of their day rows (${Number(differing[0].total).toLocaleString('en-US')} rows)`,
        expected: 'equal',
        actual: Number(differing[0].n) === 0 ? 'equal' : `${differing[0].n} differ`,
        ok: Number(differing[0].n) === 0,
      });
    }
    return { checks, storedTotals };
  } finally {
    await database.end();
  }
}

// ------------------------------------------------------------------------------------------------
// infrastructure

async function requirePostgresAndRedis(): Promise<void> {
  const client = new Client({ connectionString: `${config.postgresUrl}/postgres` });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL does not answer at ${config.postgresUrl}: ${String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis does not answer at ${config.redisUrl}: ${String(error)}`);
  } finally {
    redis.disconnect();
  }
}

async function kafkaAnswers(): Promise<boolean> {
  let connection: ReturnType<BenchKafkaSecurity['connection']>;
  try {
    connection = kafkaSecurity.connection();
  } catch {
    return false; // a secured data dir without credentials yet: nothing of ours answers
  }
  const probe = new Kafka({ clientId: 'dvc-bench-probe', brokers: config.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000, ...connection });
  const admin = probe.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Starts the broker of deploy/kafka when nothing answers; true when this run started it. */
async function ensureKafka(): Promise<boolean> {
  if (await kafkaAnswers()) return false;
  log(`no Kafka broker answers on ${config.brokers.join(',')}: starting one with deploy/kafka/kafka.sh`);
  execFileSync('bash', [join(REPO_ROOT, 'deploy/kafka/kafka.sh'), 'start'], { stdio: 'inherit', env: kafkaScriptEnv() });
  return true;
}

function kafkaPort(): string {
  return config.brokers[0].split(':')[1] ?? '9092';
}

/** kafka.sh for the broker of KAFKA_BROKERS: on another port than 9092, the controller takes the next one. */
function kafkaScriptEnv(): NodeJS.ProcessEnv {
  const port = env.KAFKA_PORT ?? kafkaPort();
  const controllerPort = env.KAFKA_CONTROLLER_PORT ?? (port === '9092' ? '9093' : String(Number(port) + 1));
  return { ...env, KAFKA_PORT: port, KAFKA_CONTROLLER_PORT: controllerPort };
}

function brokerPidFile(): string {
  const dataDir = env.DVC_KAFKA_DATA ?? join(homedir(), '.cache', 'dvc-monitor', `kafka-data-${env.KAFKA_PORT ?? kafkaPort()}`);
  return join(dataDir, 'kafka.pid');
}

async function prepareDatabase(): Promise<void> {
  await dropDatabase();
  await migrate(databaseUrl);
  log(`created and migrated ${config.databaseName}`);
}

async function dropDatabase(): Promise<void> {
  const admin = new Client({ connectionString: `${config.postgresUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${config.databaseName.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function createTopics(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: (Object.keys(topics) as Array<keyof typeof topics>).map((key) => ({ topic: topics[key], numPartitions: PARTITIONS[key], replicationFactor: 1 })),
    });
    log(`created topics bench.${runId}.* (partitions ${Object.values(PARTITIONS).join('/')})`);
  } finally {
    await admin.disconnect();
  }
}

async function deleteKafkaResources(): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch((error) => log(`could not delete the topics: ${String(error)}`));
    await admin.deleteGroups(Object.values(groups)).catch(() => undefined);
    await kafkaSecurity.revoke(kafka, Object.values(topics), Object.values(groups)).catch((error) => log(`could not delete the run's ACLs: ${String(error)}`));
  } catch (error) {
    log(`could not clean up Kafka: ${String(error)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function endOffsetTotal(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Snapshot of CPU counters at the start of a stage; `end` gives the stage's breakdown. */
function startCpuWindow(brokerPid: number | null) {
  const started = now();
  const machine = readMachineCpu();
  const broker = brokerPid === null ? null : readCpuSeconds(brokerPid);
  const postgres = cpuSecondsOfAll('postgres');
  const self = process.cpuUsage();
  const children = readExitedChildrenCpuSeconds();
  return {
    /** CPU of the children that exited since the window started. */
    childrenCpu: () => readExitedChildrenCpuSeconds() - children,
    end(measured: CpuBreakdown['measured']): CpuBreakdown {
      const brokerNow = brokerPid === null ? null : readCpuSeconds(brokerPid);
      const selfUsage = process.cpuUsage(self);
      return {
        wallSeconds: (now() - started) / 1000,
        machineBusy: busySecondsBetween(machine, readMachineCpu()),
        measured,
        kafka: broker === null || brokerNow === null ? null : brokerNow - broker,
        postgres: cpuSecondsOfAll('postgres') - postgres,
        bench: (selfUsage.user + selfUsage.system) / 1e6,
      };
    },
  };
}

async function describeMachine(brokerPid: number | null): Promise<Report['machine']> {
  const client = new Client({ connectionString: `${config.postgresUrl}/postgres` });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let redisVersion = 'unknown';
  try {
    await redis.connect();
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    ramGb: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    kafka: (brokerPid !== null ? kafkaVersionOf(brokerPid) : null) ?? 'unknown',
    postgres: `PostgreSQL ${rows[0].server_version}`,
    redis: redisVersion,
  };
}

// ------------------------------------------------------------------------------------------------
// helpers

function printLogTail(file: string, lines = 8): void {
  try {
    const tail = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
    console.error(`[bench] last lines of ${file}:`);
    for (const line of tail) console.error(`    ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
  } catch {
    // no log
  }
}

function simulatorMain(): string {
  return join(BUILD_ROOT, 'services', 'simulator', 'src', 'main.js');
}

function serviceMain(name: 'ingest' | 'aggregator'): string {
  return join(BUILD_ROOT, 'services', name, 'src', 'main.js');
}

function positiveInt(name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

/** The variables that shape the run, as set in the environment (the rest are defaults). */
const RELEVANT = /^(BENCH_|KAFKA_BROKERS$|REDIS_URL$|DATABASE_POOL_SIZE$|AGGREGATOR_|INGEST_|SIMULATOR_)/;

function commandLine(): string {
  const set = Object.keys(env).filter((name) => RELEVANT.test(name)).sort();
  const prefix = set.map((name) => `${name}=${env[name]}`).join(' ');
  const command = env.npm_lifecycle_event === 'bench' ? 'npm run bench' : `node ${process.argv.slice(1).join(' ')}`;
  return prefix ? `${prefix} ${command}` : command;
}

function settings(): Array<[string, string]> {
  return [
    ['BENCH_EVENTS', String(config.events)],
    ['BENCH_SEED', String(config.seed)],
    ['BENCH_DATABASE', config.databaseName],
    ['KAFKA_BROKERS', config.brokers.join(',')],
    ['services LOG_LEVEL', config.serviceLogLevel],
    ['AGGREGATOR_PARTITIONS_CONCURRENCY', env.AGGREGATOR_PARTITIONS_CONCURRENCY ?? '2 (default)'],
    ['AGGREGATOR_MAX_BYTES_PER_PARTITION', env.AGGREGATOR_MAX_BYTES_PER_PARTITION ?? '2097152 (default)'],
    ['INGEST_PARTITIONS_CONCURRENCY', env.INGEST_PARTITIONS_CONCURRENCY ?? '2 (default)'],
    ['DATABASE_POOL_SIZE', env.DATABASE_POOL_SIZE ?? '10 (default)'],
    ['SIMULATOR_INVALID_RATE', '0'],
  ];
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);

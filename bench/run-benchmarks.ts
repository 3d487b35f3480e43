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
 *   BENCH_ALERTING_SKIP=1  skip the alerting benchmark run at the end (bench/alerting-benchmark.ts,
 *                     its own settings there; `node dist/bench/alerting-benchmark.js` runs it alone)
 * Service settings (AGGREGATOR_*, INGEST_*, DATABASE_POOL_SIZE, …) pass through to the services.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, WriteStream } from 'node:fs';
import { cpus, homedir, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import Redis from 'ioredis';
import { migrate } from '@dvc/persistence';
import { alertingOptionsFromEnvironment, renderAlertingSection, runAlertingBenchmark, writeAlertingSection } from './alerting-benchmark';
import type { RawConsumerOptions, RawConsumerResult } from './raw-consumer';
import { freePort, liveChildren, runNode, ServiceProcess, sleep } from './support/children';
import { BenchKafkaSecurity } from './support/kafka-security';
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
import { Check, CpuBreakdown, Goal, mb, rate, renderReport, Report, StageRow } from './support/report';

/** dist/ (or wherever swc wrote libs, services and bench): this file is <build>/bench/run-benchmarks.js. */
const BUILD_ROOT = resolve(__dirname, '..');
const REPO_ROOT = findRepoRoot(BUILD_ROOT);

/** Production partition counts, as deploy/kafka/create-topics.mjs creates them. */
const PARTITIONS = { dossierEvents: 6, canonicalEvents: 6, deadLetter: 3, rateChanges: 6 };
/** Events per dossier of the simulator's year (2.67 measured); a little under it, so one generation is enough. */
const EVENTS_PER_DOSSIER_ESTIMATE = 2.62;

const GOAL_EVENTS_PER_SECOND = 25_000;
const GOAL_SHARE_OF_CEILING = 0.5;
const GOAL_AGGREGATOR_RSS_MB = 300;

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
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const workDir = join(env.BENCH_WORK_DIR ?? tmpdir(), `dvc-bench-${runId}`);
const databaseUrl = `${config.postgresUrl}/${config.databaseName}`;
const topics = {
  dossierEvents: `bench.${runId}.dossier-events`,
  canonicalEvents: `bench.${runId}.canonical`,
  deadLetter: `bench.${runId}.dlq`,
  rateChanges: `bench.${runId}.rate-changes`,
};
const groups = {
  ingest: `bench.${runId}.ingest`,
  aggregator: `bench.${runId}.aggregator`,
  rawCount: `bench.${runId}.raw-count`,
  rawParse: `bench.${runId}.raw-parse`,
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

  let services: ServiceProcess[] = [];
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
    const pipeline = await runPipeline(ingest, aggregator, events).catch((error: unknown) => {
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
    const aggregatorRssMb = mb(aggregatorStats.peakRssKb);
    const goals: Goal[] = [
      {
        goal: 'end-to-end throughput',
        target: `≥ ${GOAL_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`,
        measured: `${Math.round(pipelineRate).toLocaleString('en-US')} events/s`,
        met: pipelineRate >= GOAL_EVENTS_PER_SECOND,
      },
      {
        goal: 'share of the raw ceiling',
        target: `≥ ${GOAL_SHARE_OF_CEILING}`,
        measured: (pipelineRate / ceilingRate).toFixed(2),
        met: pipelineRate / ceilingRate >= GOAL_SHARE_OF_CEILING,
      },
      {
        goal: 'aggregator peak RSS',
        target: `< ${GOAL_AGGREGATOR_RSS_MB} MB`,
        measured: `${aggregatorRssMb.toFixed(0)} MB`,
        met: aggregatorRssMb < GOAL_AGGREGATOR_RSS_MB,
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
    // The alerting benchmark (event → e-mail latency, full sweep): its own section of the report.
    if (env.BENCH_ALERTING_SKIP !== '1') {
      const alerting = await runAlertingBenchmark(alertingOptionsFromEnvironment((line) => log(`alerting: ${line}`), join(workDir, 'alerting')));
      writeAlertingSection(config.reportFile, renderAlertingSection(alerting));
      log(`wrote the alerting section of ${config.reportFile}`);
    }
    failed = mismatches.length > 0;
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

async function rawRead(name: string, groupId: string, parse: boolean, expected: number, childLog: WriteStream) {
  log(`raw read of ${topics.dossierEvents} (${parse ? 'JSON.parse of each value' : 'no parsing'})`);
  const window = startCpuWindow(brokerPid);
  const options: RawConsumerOptions = {
    brokers: config.brokers,
    topic: topics.dossierEvents,
    groupId,
    expected,
    parse,
    timeoutMs: config.timeoutMs,
    securityModule: kafkaSecurity.modulePath,
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
  ingestCpu: number;
  aggregatorCpu: number;
}

/** Spawns both services and polls until PostgreSQL's stored offsets cover the whole canonical topic. */
async function runPipeline(ingest: ServiceProcess, aggregator: ServiceProcess, events: number): Promise<PipelineTimes> {
  const database = new Client({ connectionString: databaseUrl, application_name: 'dvc-bench-probe' });
  await database.connect();
  const admin = kafka.admin();
  await admin.connect();
  const applied = async () => {
    const { rows } = await database.query<{ applied: string }>(
      'SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
      [groups.aggregator, topics.canonicalEvents],
    );
    return Number(rows[0].applied);
  };
  const canonicalEnd = async () => (await admin.fetchTopicOffsets(topics.canonicalEvents)).reduce((sum, p) => sum + Number(p.high), 0);

  try {
    const started = now();
    for (const service of [ingest, aggregator]) {
      service.spawn();
      ourPids.add(service.pid);
      sampler.track(service.name, service.pid);
    }
    let readySeconds = NaN;
    let readyError: unknown = null;
    void Promise.all([ingest.waitUntilReady(), aggregator.waitUntilReady()]).then(
      () => (readySeconds = (now() - started) / 1000),
      (error: unknown) => (readyError = error),
    );

    let ingestSeconds: number | null = null;
    let appliedWhenIngestDone = 0;
    let lastProgress = started;
    let lastChange = started;
    let lastSeen = -1;
    for (;;) {
      if (readyError) throw readyError;
      for (const service of [ingest, aggregator]) if (service.hasExited) throw new Error(service.describeExit());
      const [written, done] = await Promise.all([canonicalEnd(), applied()]);
      const at = now();
      if (ingestSeconds === null && written >= events) {
        ingestSeconds = (at - started) / 1000;
        appliedWhenIngestDone = done;
        log(`  ingest: canonical topic complete after ${ingestSeconds.toFixed(2)} s (aggregator at ${done})`);
      }
      if (ingestSeconds !== null && done >= written) {
        const seconds = (at - started) / 1000;
        const times = {
          seconds,
          ingestSeconds,
          readySeconds,
          appliedWhenIngestDone,
          ingestCpu: readCpuSeconds(ingest.pid) ?? 0,
          aggregatorCpu: readCpuSeconds(aggregator.pid) ?? 0,
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
    await admin.disconnect().catch(() => undefined);
    await database.end().catch(() => undefined);
  }
}

async function checkResults(expected: ExpectedCounts, simulatorDossiers: number, events: number) {
  const checks: Check[] = [];
  const check = (what: string, wanted: number | string, actual: number | string) => checks.push({ what, expected: wanted, actual, ok: wanted === actual });
  const database = new Client({ connectionString: databaseUrl, application_name: 'dvc-bench-probe' });
  await database.connect();
  try {
    check('events in the file (lines) = events the simulator generated', events, expected.lines);
    check('events in the file that are not dossier events', 0, expected.unparsable);
    check('canonical messages (ingest accepted every event)', events, await endOffsetTotal(topics.canonicalEvents));
    check('dead-lettered messages', 0, await endOffsetTotal(topics.deadLetter));
    const { rows: offsetRows } = await database.query<{ applied: string }>(
      'SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
      [groups.aggregator, topics.canonicalEvents],
    );
    check('offsets stored by the aggregator (sum of next_offset)', events, Number(offsetRows[0].applied));
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

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'deploy', 'kafka', 'kafka.sh')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root (with deploy/kafka/kafka.sh) above ${start}`);
  }
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

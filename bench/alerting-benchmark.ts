/**
 * The alerting benchmark (issue 3, item 10), run at the end of `npm run bench` and runnable alone:
 * `node dist/bench/alerting-benchmark.js` (writes its section into BENCHMARKS.md, replacing an older
 * one). Needs PostgreSQL, Redis and a Kafka broker (as `npm run bench`; it does not start Kafka).
 *
 * (a) Latency: ingest, aggregator and alerting from dist/ as separate processes, a real SMTP server
 *     (smtp-server) in this process. Each trial agency is seeded one dossier short of an alert (its
 *     Wilson upper bound just above the 50% warning target, at least the minimum of dossiers); the
 *     trial produces ONE dossier event (offline) to the input topic and measures the time until the
 *     SMTP server accepted the e-mail to that agency's administrator. The periodic sweep is set to a
 *     day: only the rate-change path can deliver it. Trials run one after another, each on a fresh agency.
 * (b) Full sweep (bench/alerting-sweep-benchmark.ts): a synthetic province of BENCH_SWEEP_AGENCIES agencies × BENCH_SWEEP_PROCEDURES
 *     procedures seeded with SQL (every pair has dossiers today — month to date — and in the rest of
 *     the rolling 30 days and in the previous windows, so both windows and the trend have data); the
 *     alerting service runs its sweeps (every BENCH_SWEEP_INTERVAL_MS) and its own histogram gives the
 *     time of each: the first (which opens the alerts) and the following ones (nothing changes). Peak
 *     RSS of the alerting process is sampled from /proc.
 *
 * Environment (all optional): BENCH_ALERT_TRIALS (60), BENCH_SWEEP_AGENCIES (1000),
 * BENCH_SWEEP_PROCEDURES (1800), BENCH_SWEEP_SKIP=1, BENCH_LATENCY_SKIP=1, BENCH_SWEEP_INTERVAL_MS
 * (5000), BENCH_POSTGRES_URL, KAFKA_BROKERS, REDIS_URL, BENCH_REPORT, BENCH_KEEP=1, BENCH_SWEEP_REUSE=1 (reuse the sweep database kept by BENCH_KEEP=1), ALERT_CHANGE_DEBOUNCE_MS
 * and other ALERT_* / OUTBOX_* settings pass through to the alerting service.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { SMTPServer } from 'smtp-server';
import { decideAlert } from '@dvc/domain';
import { migrate } from '@dvc/persistence';
import { freePort, ServiceProcess, sleep } from './support/children';
import { BenchKafkaSecurity } from './support/kafka-security';
import { findRepoRoot } from './support/repo-root';
import { ProcessSampler } from './support/proc-stats';
import { writeMarkedSection } from './support/report';
import { AlertingBenchOptions, createTopics, deleteTopics, dropDatabase, recreateDatabase, sweepCount, today, waitFor, withClient } from './support/alerting-support';
import { sweepBenchmark, SweepResult } from './alerting-sweep-benchmark';

export type { AlertingBenchOptions } from './support/alerting-support';

export const SECTION_START = '<!-- alerting-benchmark:start -->';
export const SECTION_END = '<!-- alerting-benchmark:end -->';
const GOAL_P99_MS = 5_000;
const GOAL_SWEEP_S = 10;
const GOAL_SWEEP_RSS_MB = 500;


export interface LatencyResult {
  trials: number;
  failed: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  minMs: number;
  meanMs: number;
  debounceMs: string;
  seed: { received: number; online: number };
  alertingPeakRssMb: number;
}

export interface AlertingBenchResult {
  at: string;
  latency: LatencyResult | { error: string } | null;
  sweep: SweepResult | { error: string } | null;
  totalSeconds: number;
}


export async function runAlertingBenchmark(options: AlertingBenchOptions): Promise<AlertingBenchResult> {
  const started = performance.now();
  mkdirSync(options.workDir, { recursive: true });
  const result: AlertingBenchResult = { at: new Date().toISOString(), latency: null, sweep: null, totalSeconds: 0 };
  if (!options.skipLatency) {
    try {
      result.latency = await latencyBenchmark(options);
    } catch (error) {
      options.log(`alerting latency benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      result.latency = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  if (!options.skipSweep) {
    try {
      result.sweep = await sweepBenchmark(options);
    } catch (error) {
      options.log(`alerting sweep benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      result.sweep = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  result.totalSeconds = (performance.now() - started) / 1000;
  return result;
}

// ------------------------------------------------------------------------------------------------
// (a) latency

/** A real SMTP server that notes when it accepted a message, by recipient. */
class TimingSmtpSink {
  readonly acceptedAt = new Map<string, number>();
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, session, callback) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const at = performance.now();
        for (const to of session.envelope.rcptTo) if (!this.acceptedAt.has(to.address.toLowerCase())) this.acceptedAt.set(to.address.toLowerCase(), at);
        callback();
      });
    },
  });
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A count (received, online) with no alert, one offline dossier short of a warning (50%) alert. */
export function tippingSeed(): { received: number; online: number } {
  const policy = { minimumDossiers: 30, resolveMargin: 0.05 };
  for (let received = 60; received < 1_000; received += 1) {
    for (let online = received; online >= 0; online -= 1) {
      const before = decideAlert({ sample: { successes: online, trials: received }, threshold: 0.5, state: 'none', policy });
      if (before.action === 'fire') break;
      const after = decideAlert({ sample: { successes: online, trials: received + 1 }, threshold: 0.5, state: 'none', policy });
      if (after.action === 'fire') return { received, online };
    }
  }
  throw new Error('no tipping seed found');
}

async function latencyBenchmark(options: AlertingBenchOptions): Promise<LatencyResult> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const databaseName = 'dvc_bench_alerting';
  const databaseUrl = `${options.postgresUrl}/${databaseName}`;
  const prefix = `bench-alerting.${runId}`;
  const topics = {
    dossierEvents: `${prefix}.dossier-events`,
    canonical: `${prefix}.canonical`,
    dlq: `${prefix}.dlq`,
    rateChanges: `${prefix}.rate-changes`,
    alerts: `${prefix}.alerts`,
  };
  const kafkaSecurity = new BenchKafkaSecurity(options.repoRoot, options.brokers);
  const kafka = new Kafka({ clientId: 'dvc-bench-alerting', brokers: options.brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 }, ...kafkaSecurity.connection() });
  const trials = options.trials;
  const seed = tippingSeed();
  const day = today();
  options.log(`alerting latency: ${trials} trials, each agency seeded at ${seed.online}/${seed.received} online (no alert; one more offline dossier fires)`);

  await recreateDatabase(options.postgresUrl, databaseName);
  await migrate(databaseUrl);
  await createTopics(kafka, Object.values(topics), 3);
  const sink = await new TimingSmtpSink().start();
  const agencies = Array.from({ length: trials + 1 }, (_, i) => `BA.${String(i).padStart(4, '0')}`);
  await withClient(databaseUrl, async (client) => {
    await client.query(
      `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id)
       SELECT code, 'UBND xã Đo Thử ' || code, 'commune', NULL, '2025-01-01T00:00:00Z', 'bench' FROM unnest($1::text[]) AS code`,
      [agencies],
    );
    await client.query(
      `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id)
       VALUES ('BA.P1', 'Đăng ký khai sinh (đo thử)', 'Hộ tịch', 'full', '2025-01-01T00:00:00Z', 'bench')`,
    );
    await client.query(
      `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online)
       SELECT $2::date, code, 'BA.P1', $3, $4 FROM unnest($1::text[]) AS code`,
      [agencies, day, seed.received, seed.online],
    );
    await client.query(
      `INSERT INTO alert_recipients (agency_code, email, name) SELECT code, lower(replace(code, '.', '-')) || '@bench.test', NULL FROM unnest($1::text[]) AS code`,
      [agencies],
    );
  });

  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: options.brokers.join(','),
    REDIS_URL: options.redisUrl,
    TOPIC_DOSSIER_EVENTS: topics.dossierEvents,
    TOPIC_CANONICAL_EVENTS: topics.canonical,
    TOPIC_DEAD_LETTER: topics.dlq,
    TOPIC_RATE_CHANGES: topics.rateChanges,
    TOPIC_ALERTS: topics.alerts,
    INGEST_GROUP_ID: `${prefix}.ingest`,
    AGGREGATOR_GROUP_ID: `${prefix}.aggregator`,
    ALERT_RATE_CHANGES_GROUP_ID: `${prefix}.alerting-rate-changes`,
    ALERT_SOURCE_ACTIVITY_GROUP_ID: `${prefix}.alerting-activity`,
    ALERT_LEADER_LOCK_KEY: `dvc:bench:alerting:${runId}`,
    // Alerting seals webhook secrets at rest and will not start without a key; none is stored by the benchmark.
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    // Only the rate-change path can deliver within the run: one sweep at start, the next in a day.
    ALERT_SWEEP_INTERVAL_MS: String(24 * 3_600_000),
    LOG_LEVEL: options.serviceLogLevel,
  };
  const sampler = new ProcessSampler(250);
  sampler.start();
  const services: ServiceProcess[] = [];
  const start = async (name: 'ingest' | 'aggregator' | 'alerting') => {
    const port = await freePort();
    await kafkaSecurity.grant(kafka, environment, [name]);
    const service = new ServiceProcess(
      name,
      join(options.buildRoot, 'services', name, 'src/main.js'),
      kafkaSecurity.processEnvironment(environment, name),
      port,
      join(options.workDir, `${name}-latency.log`),
      options.repoRoot,
    ).spawn();
    services.push(service);
    await service.waitUntilReady();
    return service;
  };
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await start('ingest');
    await start('aggregator');
    const alerting = await start('alerting');
    sampler.track('alerting', alerting.pid);
    await waitFor(async () => (await sweepCount(alerting.port)) >= 1, 60_000, 'the start-up sweep');
    await producer.connect();

    let sequence = 0;
    const trial = async (agency: string): Promise<number | null> => {
      const recipient = `${agency.toLowerCase().replace(/\./g, '-')}@bench.test`;
      const dossierCode = `${agency}-${runId}-${sequence++}`;
      const at = new Date().toISOString();
      const event = {
        specversion: '1.0',
        id: `bench-alerting-${runId}-${sequence}`,
        source: 'urn:dvc:motcua:bench-alerting',
        type: 'vn.gov.dvc.dossier.received.v1',
        time: at,
        subject: dossierCode,
        datacontenttype: 'application/json',
        data: {
          dossierCode,
          procedure: { code: 'BA.P1', name: 'Đăng ký khai sinh (đo thử)', sector: 'Hộ tịch', onlineLevel: 'full' },
          agency: { code: agency, name: `UBND xã Đo Thử ${agency}`, level: 'commune', parentCode: null },
          channel: 'in_person',
          receivedAt: at,
        },
      };
      const producedAt = performance.now();
      await producer.send({
        topic: topics.dossierEvents,
        acks: -1,
        messages: [{ key: dossierCode, value: JSON.stringify(event), headers: { 'content-type': 'application/cloudevents+json' } }],
      });
      const deadline = producedAt + 60_000;
      while (performance.now() < deadline) {
        const accepted = sink.acceptedAt.get(recipient);
        if (accepted !== undefined) return accepted - producedAt;
        await sleep(5);
      }
      return null;
    };

    // Warm-up (consumer groups joined, connections open, code paths compiled): not counted.
    const warm = await trial(agencies[trials]);
    options.log(`alerting latency: warm-up ${warm === null ? 'timed out' : `${Math.round(warm)} ms`}`);
    const latencies: number[] = [];
    let failed = 0;
    for (let i = 0; i < trials; i += 1) {
      const ms = await trial(agencies[i]);
      if (ms === null) failed += 1;
      else latencies.push(ms);
      await sleep(50);
    }
    const stats = sampler.finish('alerting');
    latencies.sort((a, b) => a - b);
    const result: LatencyResult = {
      trials,
      failed,
      p50Ms: quantile(latencies, 0.5),
      p90Ms: quantile(latencies, 0.9),
      p99Ms: quantile(latencies, 0.99),
      maxMs: latencies[latencies.length - 1] ?? NaN,
      minMs: latencies[0] ?? NaN,
      meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
      debounceMs: process.env.ALERT_CHANGE_DEBOUNCE_MS ? `${process.env.ALERT_CHANGE_DEBOUNCE_MS} ms` : '500 ms, the default',
      seed,
      alertingPeakRssMb: stats.peakRssKb / 1024,
    };
    options.log(
      `alerting latency: p50 ${Math.round(result.p50Ms)} ms, p99 ${Math.round(result.p99Ms)} ms, max ${Math.round(result.maxMs)} ms over ${latencies.length} trials (${failed} timed out)`,
    );
    return result;
  } finally {
    sampler.stop();
    await producer.disconnect().catch(() => undefined);
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    await sink.stop();
    if (!options.keep) {
      await deleteTopics(kafka, Object.values(topics));
      const groups = [environment.INGEST_GROUP_ID, environment.AGGREGATOR_GROUP_ID, environment.ALERT_RATE_CHANGES_GROUP_ID, environment.ALERT_SOURCE_ACTIVITY_GROUP_ID];
      await kafkaSecurity.revoke(kafka, Object.values(topics), groups.filter((group): group is string => !!group)).catch(() => undefined);
      await dropDatabase(options.postgresUrl, databaseName).catch(() => undefined);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// report

const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms).toLocaleString('en-US')} ms` : 'n/a');

export function renderAlertingSection(result: AlertingBenchResult): string {
  const lines: string[] = [SECTION_START, '', '## Alerting (issue 3, item 10)', ''];
  lines.push(`Measured ${result.at} by \`bench/alerting-benchmark.ts\` (${result.totalSeconds.toFixed(0)} s); run alone with \`node dist/bench/alerting-benchmark.js\`.`, '');
  const goals: Array<[string, string, string, boolean | null]> = [];
  lines.push('### Event → e-mail latency', '');
  const latency = result.latency;
  if (latency === null) lines.push('Skipped.', '');
  else if ('error' in latency) lines.push(`**Failed:** ${latency.error}`, '');
  else {
    lines.push(
      `Ingest, aggregator and alerting as separate processes, a real SMTP server (smtp-server). Each of ${latency.trials} trial agencies was seeded at ` +
        `${latency.seed.online}/${latency.seed.received} dossiers online (no alert: the Wilson upper bound is still above the 50% warning target); ONE offline ` +
        `dossier event is produced to the input topic and the time runs until the SMTP server accepted the e-mail to that agency's administrator. ` +
        `The periodic sweep was set to 24 h, so every e-mail came through the rate-change path (debounce ${latency.debounceMs}). Trials one after another.`,
      '',
      '| trials | timed out | min | p50 | p90 | p99 | max | mean | alerting peak RSS |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${latency.trials} | ${latency.failed} | ${fmtMs(latency.minMs)} | ${fmtMs(latency.p50Ms)} | ${fmtMs(latency.p90Ms)} | ${fmtMs(latency.p99Ms)} | ${fmtMs(latency.maxMs)} | ${fmtMs(latency.meanMs)} | ${latency.alertingPeakRssMb.toFixed(0)} MB |`,
      '',
    );
    goals.push(['event → e-mail p99', `< ${GOAL_P99_MS / 1000} s`, fmtMs(latency.p99Ms), latency.failed === 0 && latency.p99Ms < GOAL_P99_MS]);
  }
  lines.push('### Full sweep', '');
  const sweep = result.sweep;
  if (sweep === null) lines.push('Skipped.', '');
  else if ('error' in sweep) lines.push(`**Failed:** ${sweep.error}`, '');
  else {
    const drainedMax = Math.max(...sweep.drained.map((s) => s.seconds));
    lines.push(
      `A synthetic province of ${sweep.agencies.toLocaleString('en-US')} agencies × ${sweep.procedures.toLocaleString('en-US')} procedures ` +
        `(${sweep.pairs.toLocaleString('en-US')} pairs, ${sweep.bucketRows.toLocaleString('en-US')} daily bucket rows: every pair has dossiers today, 12 and 45 days ago; ` +
        `seeded with SQL in ${sweep.seedSeconds.toFixed(0)} s${sweep.reusedDatabase ? ' by an earlier run whose database this one reused, with BENCH_SWEEP_REUSE=1' : ''}). Windows month to date and rolling 30 days, default targets and detectors; ` +
        `times from the service's own \`dvc_alerting_sweep_duration_seconds\` (one transaction: load, evaluate, write alerts, history and outbox).`,
      '',
      '| sweep | seconds | alerts opened |',
      '|---|---:|---:|',
      `| first (opens the alerts) | ${sweep.first.seconds.toFixed(2)} | ${sweep.first.opened.toLocaleString('en-US')} |`,
      ...sweep.steady.map((s, i) => `| next ${i + 1} (nothing changed; the first sweep's notices being sent) | ${s.seconds.toFixed(2)} | ${s.opened.toLocaleString('en-US')} |`),
      ...sweep.drained.map((s, i) => `| steady state ${i + 1} (nothing changed, notices sent) | ${s.seconds.toFixed(2)} | ${s.opened.toLocaleString('en-US')} |`),
      '',
      `Open alerts afterwards: ${sweep.openAlerts.toLocaleString('en-US')}; outbox rows: ${sweep.outboxRows.toLocaleString('en-US')}. ` +
        `Alerting process peak RSS up to the outbox drained (the first sweep's): ${sweep.alertingPeakRssMb.toFixed(0)} MB; RSS sampled during the steady-state sweeps: at most ${sweep.drainedRssMb.toFixed(0)} MB.`,
      '',
      `The first sweep's notices (\`alert.opened\` to the alerts topic, OUTBOX_KAFKA_BATCH at its default): ${sweep.outboxDrain.sent.toLocaleString('en-US')} sent, ` +
        `${sweep.outboxDrain.seconds.toFixed(1)} s from the first to the last (\`sent_at\`), ${sweep.outboxDrain.pending.toLocaleString('en-US')} still pending after up to 10 minutes of waiting. ` +
        `The "next" sweeps ran while they were being sent (on the same two cores); the steady-state ones after.`,
      '',
    );
    const incremental = sweep.incremental;
    lines.push(
      '### Incremental sweeps',
      '',
      `The sweeps above ran with ALERT_FULL_SWEEP_INTERVAL_MS=0 (every sweep over every agency). Then a second alerting process with the default (1 h) ` +
        `on the same database: its first sweep is full (${incremental.fullAfterRestartSeconds.toFixed(2)} s, with the alerts above open); the next ones evaluate only the agencies ` +
        `named in \`alert_sweep_pending\` (services/alerting/src/evaluation/sweep-mode.ts). Before each, the bench changed the buckets of that many agencies as the aggregator ` +
        `would (one more dossier received online today in each of their pairs, day and month rows, the agencies named as pending), spread over the province; the changes were taken back afterwards. ` +
        `Seconds are the service's histogram (\`mode="incremental"\`) over the sweeps until no pending agency was left. Alerting process peak RSS: ${incremental.alertingPeakRssMb.toFixed(0)} MB.`,
      '',
      '| agencies changed | pairs changed | seconds | sweeps |',
      '|---:|---:|---:|---:|',
      ...incremental.runs.map((r) => `| ${r.changedAgencies.toLocaleString('en-US')} | ${r.changedPairs.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${r.sweeps} |`),
      '',
    );
    goals.push(['full sweep (first)', `< ${GOAL_SWEEP_S} s`, `${sweep.first.seconds.toFixed(2)} s`, sweep.first.seconds < GOAL_SWEEP_S]);
    goals.push(['full sweep (steady state)', `< ${GOAL_SWEEP_S} s`, `${drainedMax.toFixed(2)} s`, drainedMax < GOAL_SWEEP_S]);
    // Both processes in steady state: the first after its first sweep (RSS sampled), the second from its start (peak).
    const steadyRssMb = Math.max(sweep.drainedRssMb, incremental.alertingPeakRssMb);
    goals.push(['alerting RSS in steady state (full and incremental sweeps)', `< ${GOAL_SWEEP_RSS_MB} MB`, `${steadyRssMb.toFixed(0)} MB`, steadyRssMb < GOAL_SWEEP_RSS_MB]);
    const incrementalMax = Math.max(...incremental.runs.map((r) => r.seconds));
    goals.push([
      `incremental sweep (up to ${Math.max(...incremental.runs.map((r) => r.changedAgencies))} agencies changed; not the goal's full sweep)`,
      `< ${GOAL_SWEEP_S} s`,
      `${incrementalMax.toFixed(2)} s`,
      incrementalMax < GOAL_SWEEP_S,
    ]);
  }
  if (goals.length > 0) {
    lines.push('### Goals', '', '| goal | target | measured | |', '|---|---|---|---|');
    for (const [goal, target, measured, met] of goals) lines.push(`| ${goal} | ${target} | ${measured} | ${met ? 'met' : '**not met**'} |`);
    lines.push('');
  }
  lines.push(SECTION_END, '');
  return lines.join('\n');
}

/** Puts the section into the report: replaces an older alerting section, else appends. */
export function writeAlertingSection(file: string, section: string): void {
  writeMarkedSection(file, SECTION_START, SECTION_END, section);
}

export function alertingGoalsMet(result: AlertingBenchResult): boolean {
  const latency = result.latency;
  const sweep = result.sweep;
  const latencyOk = latency === null || (!('error' in latency) && latency.failed === 0 && latency.p99Ms < GOAL_P99_MS);
  const sweepOk = sweep === null || (!('error' in sweep) && sweep.first.seconds < GOAL_SWEEP_S && sweep.drained.every((s) => s.seconds < GOAL_SWEEP_S));
  return latencyOk && sweepOk;
}

// ------------------------------------------------------------------------------------------------
// helpers

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  // Nearest rank: p99 of 60 trials is the 60th value (the maximum), not an interpolation below it.
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}



function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Options from the environment, as `npm run bench` and the stand-alone run use them. */
export function alertingOptionsFromEnvironment(log: (line: string) => void, workDir?: string): AlertingBenchOptions {
  const env = process.env;
  const repoRoot = findRepoRoot(__dirname);
  return {
    postgresUrl: (env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, ''),
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean),
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    trials: positiveInt('BENCH_ALERT_TRIALS', 60),
    sweepAgencies: positiveInt('BENCH_SWEEP_AGENCIES', 1_000),
    sweepProcedures: positiveInt('BENCH_SWEEP_PROCEDURES', 1_800),
    incrementalChangedAgencies: (env.BENCH_SWEEP_INCREMENTAL_AGENCIES ?? '50,250').split(',').map((n) => Number(n.trim())).filter((n) => Number.isInteger(n) && n > 0),
    sweepIntervalMs: positiveInt('BENCH_SWEEP_INTERVAL_MS', 5_000),
    skipLatency: env.BENCH_LATENCY_SKIP === '1',
    skipSweep: env.BENCH_SWEEP_SKIP === '1',
    keep: env.BENCH_KEEP === '1',
    reuseSweepDatabase: env.BENCH_SWEEP_REUSE === '1',
    previousSeedSeconds: Number(env.BENCH_SWEEP_SEED_SECONDS ?? '93'),
    workDir: workDir ?? join(env.BENCH_WORK_DIR ?? tmpdir(), `dvc-bench-alerting-${Date.now().toString(36)}`),
    repoRoot,
    buildRoot: resolve(__dirname, '..'),
    serviceLogLevel: env.BENCH_SERVICE_LOG_LEVEL ?? 'warn',
    log,
  };
}

if (require.main === module) {
  const log = (line: string) => console.log(`[bench:alerting] ${line}`);
  const options = alertingOptionsFromEnvironment(log);
  runAlertingBenchmark(options).then(
    (result) => {
      const file = process.env.BENCH_REPORT ?? join(options.repoRoot, 'BENCHMARKS.md');
      writeAlertingSection(file, renderAlertingSection(result));
      log(`wrote the alerting section of ${file}`);
      const failed = (result.latency !== null && 'error' in result.latency) || (result.sweep !== null && 'error' in result.sweep);
      log(`goals ${alertingGoalsMet(result) ? 'met' : 'NOT all met'}`);
      process.exit(failed ? 2 : 0);
    },
    (error: unknown) => {
      console.error(`[bench:alerting] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(2);
    },
  );
}

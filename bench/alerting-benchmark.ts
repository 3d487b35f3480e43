/**
 * The alerting benchmark (issue 3, item 10), run at the end of `npm run bench` and runnable alone:
 * `node dist/bench/alerting-benchmark.js` (writes its section into BENCHMARKS.md, replacing an older
 * one). Needs PostgreSQL, Redis and a Kafka broker (as `npm run bench`; it does not start Kafka).
 *
 * (a) Latency (bench/alerting-latency-benchmark.ts): ingest, aggregator and alerting from dist/ as separate processes, a real SMTP server
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
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { findRepoRoot } from './support/repo-root';
import { writeMarkedSection } from './support/report';
import type { AlertingBenchOptions } from './support/alerting-support';
import { sweepBenchmark, SweepResult } from './alerting-sweep-benchmark';
import { latencyBenchmark, LatencyResult } from './alerting-latency-benchmark';

export type { AlertingBenchOptions } from './support/alerting-support';
export { tippingSeed, type LatencyResult } from './alerting-latency-benchmark';

export const SECTION_START = '<!-- alerting-benchmark:start -->';
export const SECTION_END = '<!-- alerting-benchmark:end -->';
const GOAL_P99_MS = 5_000;
const GOAL_SWEEP_S = 10;
const GOAL_SWEEP_RSS_MB = 500;


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

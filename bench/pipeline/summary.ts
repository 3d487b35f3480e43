/**
 * The pipeline's report (bench/run-benchmarks.ts): the goals, BENCHMARKS.md from the stages' rows, the
 * CPU breakdowns and the exactness checks, and the same summary on the console. The later sections of the
 * report (API latency, freshness, scale-out, Kafka clients, alerting) are written into it afterwards.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessStats } from '../support/proc-stats';
import { CpuBreakdown, Goal, mb, rate, renderReport, Report, StageRow } from '../support/report';
import { concurrent, config, env, now, log, REPO_ROOT } from './context';
import type { exactnessStage } from './exactness';
import type { PipelineTimes } from './pipeline';
import type { ceilingStage, generateStage } from './produce';

const GOAL_EVENTS_PER_SECOND = 25_000;
/** Issue 10: of the raw kafkajs read with JSON.parse of every value. */
const GOAL_SHARE_OF_PARSE_CEILING = 0.33;
const GOAL_CPU_MICROS_PER_EVENT = 80;
const GOAL_SERVICE_RSS_MB = 300;

export interface PipelineReportInput {
  benchStarted: number;
  loadAverageAtStart: number[];
  machine: Report['machine'];
  kafkaStartedByRun: boolean;
  generated: Awaited<ReturnType<typeof generateStage>>;
  rows: StageRow[];
  cpuRows: Report['cpu'];
  ceiling: Awaited<ReturnType<typeof ceilingStage>>;
  pipelineRun: { pipeline: PipelineTimes; ingestStats: ProcessStats; aggregatorStats: ProcessStats; breakdown: CpuBreakdown };
  exactness: Awaited<ReturnType<typeof exactnessStage>>;
}

/** Writes the report (replacing the whole file) and prints its summary; returns the exactness checks that failed. */
export function writePipelineReport(input: PipelineReportInput) {
  const { benchStarted, loadAverageAtStart, machine, kafkaStartedByRun, generated, rows, cpuRows } = input;
  const { events, fileMb } = generated;
  const { rawCount, rawParse } = input.ceiling;
  const { pipeline, ingestStats, aggregatorStats, breakdown } = input.pipelineRun;
  const { expected, checks, storedTotals } = input.exactness;
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
  return mismatches;
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

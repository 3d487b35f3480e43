import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { COUNTERS, Counts } from './expected-counts';

/** Everything one benchmark run measured, and its rendering as BENCHMARKS.md. */

export interface Machine {
  cores: number;
  cpuModel: string;
  ramGb: number;
  kernel: string;
  node: string;
  kafka: string;
  postgres: string;
  redis: string;
}

/** CPU used during a stage, in core-seconds (the machine has `cores` cores for `seconds`). */
export interface CpuBreakdown {
  wallSeconds: number;
  machineBusy: number;
  /** The process(es) under test: the stage's child, or ingest + aggregator. */
  measured: Array<{ name: string; cpuSeconds: number }>;
  kafka: number | null;
  postgres: number;
  bench: number;
}

export interface StageRow {
  stage: string;
  events: number;
  seconds: number;
  peakRss: string;
  /** Shown under the table. */
  note?: string;
}

export interface Check {
  what: string;
  expected: number | string;
  actual: number | string;
  ok: boolean;
}

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface Report {
  date: string;
  machine: Machine;
  command: string;
  settings: Array<[string, string]>;
  concurrentActivity: string[];
  loadAverageAtStart: number[];
  kafkaStartedByRun: boolean;
  /** The broker was started by a test run (its marker in dist/), which stops it when it ends. */
  kafkaStartedByTests: boolean;
  events: number;
  dossiers: number;
  fileMb: number;
  rows: StageRow[];
  cpu: Array<{ stage: string; breakdown: CpuBreakdown }>;
  pipeline: {
    seconds: number;
    ingestSeconds: number;
    readySeconds: number;
    appliedWhenIngestDone: number;
    aggregatorRssMb: number;
    ingestRssMb: number;
    ratioToCeiling: number;
    ceilingRate: number;
    parseRate: number;
  };
  goals: Goal[];
  checks: Check[];
  expectedTotals: Counts;
  storedTotals: Counts;
  totalSeconds: number;
}

export const rate = (events: number, seconds: number) => (seconds > 0 ? events / seconds : 0);
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const secs = (value: number) => value.toFixed(2);
export const mb = (kb: number) => kb / 1024;

export function renderReport(report: Report): string {
  const failed = report.checks.filter((check) => !check.ok);
  const { pipeline } = report;
  const lines: string[] = [];
  lines.push('# Benchmarks');
  lines.push('');
  lines.push(
    `Throughput of the rates pipeline (Kafka input topic → ingest → canonical topic → aggregator → PostgreSQL) ` +
      `on a backlog of ${int(report.events)} simulated dossier events, against the raw speed of kafkajs on the ` +
      `same broker. Written by \`bench/run-benchmarks.ts\`; numbers below are from one run. Where the time goes ` +
      `(CPU profiles of the services before and after the changes of issue 10) and what is left to do: ` +
      `[docs/performance.md](docs/performance.md); what a national deployment needs: [docs/scaling.md](docs/scaling.md).`,
  );
  lines.push('');
  if (failed.length > 0) {
    lines.push(`> **EXACTNESS CHECK FAILED** (${failed.length} mismatch${failed.length === 1 ? '' : 'es'}): the numbers below do not describe a correct run. See "Exactness".`);
    lines.push('');
  }
  lines.push('## Run');
  lines.push('');
  lines.push(`- Date: ${report.date}`);
  lines.push(
    `- Machine: ${report.machine.cores} cores (${report.machine.cpuModel}), ${report.machine.ramGb.toFixed(1)} GB RAM, ` +
      `Linux ${report.machine.kernel}; Node ${report.machine.node}; Kafka ${report.machine.kafka} (single node, KRaft, ` +
      `\`deploy/kafka\`); ${report.machine.postgres}; Redis ${report.machine.redis}. Broker, PostgreSQL, Redis, the ` +
      `services and the benchmark all share these cores.`,
  );
  lines.push(`- Command: \`${report.command}\``);
  lines.push(`- Settings: ${report.settings.map(([name, value]) => `\`${name}=${value}\``).join(', ')}`);
  lines.push(
    `- Load: load average ${report.loadAverageAtStart.map((value) => value.toFixed(2)).join(' / ')} at the start` +
      (report.kafkaStartedByRun
        ? '; the broker was started by this run'
        : `; the broker was already running${report.kafkaStartedByTests ? ' (started by a test run)' : ''}`) +
      '.',
  );
  if (report.concurrentActivity.length > 0) {
    lines.push(
      `- **Other work was running on the machine during this run** (the numbers are lower than on an idle machine; ` +
        `rerun when it is idle):`,
    );
    for (const item of report.concurrentActivity) lines.push(`  - \`${item}\``);
  } else {
    lines.push('- No other test run or service of the project was seen on the machine during the run.');
  }
  lines.push(`- Whole benchmark: ${secs(report.totalSeconds)} s wall time (generation, replay, two raw reads, the pipeline, checks), plus the build.`);
  lines.push('');

  lines.push('## Results');
  lines.push('');
  lines.push('| stage | events | seconds | events/s | peak RSS |');
  lines.push('|---|---:|---:|---:|---|');
  for (const row of report.rows) {
    lines.push(`| ${row.stage} | ${int(row.events)} | ${secs(row.seconds)} | ${int(rate(row.events, row.seconds))} | ${row.peakRss} |`);
  }
  lines.push('');
  for (const row of report.rows) if (row.note) lines.push(`- *${row.stage.replace(/\*\*/g, '')}*: ${row.note}`);
  lines.push('');
  lines.push(
    `**Pipeline / ceiling: ${pipeline.ratioToCeiling.toFixed(2)}** ` +
      `(${int(rate(report.events, pipeline.seconds))} ÷ ${int(pipeline.ceilingRate)} events/s; against the ceiling with ` +
      `\`JSON.parse\` of every message, ${int(pipeline.parseRate)} events/s, it is ` +
      `${(rate(report.events, pipeline.seconds) / pipeline.parseRate).toFixed(2)}).`,
  );
  lines.push('');

  lines.push('## Goals');
  lines.push('');
  lines.push('| goal | target | measured | met? |');
  lines.push('|---|---|---|---|');
  for (const goal of report.goals) lines.push(`| ${goal.goal} | ${goal.target} | ${goal.measured} | ${goal.met ? 'met' : '**not met**'} |`);
  lines.push('');

  lines.push('## Where the CPU went');
  lines.push('');
  lines.push(
    'Core-seconds used during each stage (from `/proc`): the process(es) measured, the Kafka broker, all ' +
      'PostgreSQL processes, the benchmark process itself, and the rest of the machine. The machine can give at most ' +
      `${report.machine.cores} × the wall time.`,
  );
  lines.push('');
  lines.push('| stage | wall s | machine busy (avg cores) | measured process(es) | Kafka | PostgreSQL | benchmark | other |');
  lines.push('|---|---:|---:|---|---:|---:|---:|---:|');
  for (const { stage, breakdown } of report.cpu) {
    const measured = breakdown.measured.reduce((total, item) => total + item.cpuSeconds, 0);
    const other = breakdown.machineBusy - measured - (breakdown.kafka ?? 0) - breakdown.postgres - breakdown.bench;
    lines.push(
      `| ${stage} | ${secs(breakdown.wallSeconds)} | ${secs(breakdown.machineBusy)} (${(breakdown.machineBusy / breakdown.wallSeconds).toFixed(2)}) | ` +
        `${breakdown.measured.map((item) => `${item.name} ${secs(item.cpuSeconds)}`).join(', ')} | ` +
        `${breakdown.kafka === null ? '?' : secs(breakdown.kafka)} | ${secs(breakdown.postgres)} | ${secs(breakdown.bench)} | ${secs(Math.max(0, other))} |`,
    );
  }
  lines.push('');
  const pipelineCpu = report.cpu.find((row) => row.stage === 'pipeline')?.breakdown;
  if (pipelineCpu) {
    const perEvent = (cpuSeconds: number) => (1e6 * cpuSeconds) / report.events;
    const parts: Array<[string, number]> = [
      ...pipelineCpu.measured.map((item): [string, number] => [item.name, item.cpuSeconds]),
      ['Kafka broker', pipelineCpu.kafka ?? 0],
      ['PostgreSQL', pipelineCpu.postgres],
    ];
    const total = parts.reduce((sum, [, cpuSeconds]) => sum + cpuSeconds, 0);
    lines.push(
      `CPU per event in the pipeline: ${parts.map(([name, cpuSeconds]) => `${name} ${perEvent(cpuSeconds).toFixed(0)} µs`).join(', ')}; ` +
        `${perEvent(total).toFixed(0)} µs in all. At that cost ${report.machine.cores} cores carry at most ` +
        `${int((report.machine.cores * report.events) / total)} events/s even with nothing else running; the machine was ` +
        `${((100 * pipelineCpu.machineBusy) / (report.machine.cores * pipelineCpu.wallSeconds)).toFixed(0)}% busy during the pipeline.`,
    );
    lines.push('');
  }
  lines.push(
    `In the pipeline, ingest had written the whole canonical topic after ${secs(pipeline.ingestSeconds)} s; by then the ` +
      `aggregator had applied ${int(pipeline.appliedWhenIngestDone)} events (${((100 * pipeline.appliedWhenIngestDone) / report.events).toFixed(0)}%) ` +
      `and needed ${secs(pipeline.seconds - pipeline.ingestSeconds)} s more. Both services answered \`/health/ready\` ` +
      `${secs(pipeline.readySeconds)} s after they were spawned (the consumers start during that time).`,
  );
  lines.push('');

  lines.push('## Exactness');
  lines.push('');
  lines.push(
    'After the pipeline, the stored results are compared with what the replayed file implies, computed by the ' +
      'benchmark from the NDJSON itself with the contract\'s rules written again (`bench/support/expected-counts.ts`, ' +
      'not `libs/domain`): per dossier the latest received/completed/withdrawn event wins, the earliest payment dates ' +
      'the paid bucket; totals of `daily_buckets` per Vietnam month and overall.',
  );
  lines.push('');
  lines.push('| check | expected | stored | |');
  lines.push('|---|---:|---:|---|');
  for (const check of report.checks) {
    const value = (v: number | string) => (typeof v === 'number' ? int(v) : v);
    lines.push(`| ${check.what} | ${value(check.expected)} | ${value(check.actual)} | ${check.ok ? 'ok' : '**MISMATCH**'} |`);
  }
  lines.push('');
  lines.push(
    `Totals: ${COUNTERS.map((name) => `${name} ${int(report.storedTotals[name])}`).join(', ')} ` +
      `(${failed.length === 0 ? 'all equal to the expected ones' : 'see the mismatches above'}).`,
  );
  lines.push('');

  lines.push('## Method');
  lines.push('');
  lines.push(
    `1. **Infrastructure.** The Kafka broker of \`deploy/kafka\` (started by \`kafka.sh start\` when nothing answers, ` +
      'and then stopped again at the end), the machine\'s PostgreSQL and Redis. Each run creates its own database ' +
      '(migrated with `@dvc/persistence`), its own topics with the production partition counts (input 6, canonical 6, ' +
      'dead letter 3, rate changes 6) and its own consumer groups, and drops them all at the end.',
  );
  lines.push(
    `2. **Events.** \`simulator generate\` writes ${int(report.dossiers)} dossiers of a year (seed fixed) as NDJSON ` +
      `(${int(report.events)} events, ${report.fileMb.toFixed(0)} MB), with the simulator's default noise (1% re-sent ` +
      'events, 0.5% corrections, 1% late deliveries) and no invalid events, so every message must reach the counts. ' +
      '`simulator replay` then sends the file into the input topic at full speed (idempotent producer, acks=all, batches ' +
      'of 2,000, keyed by dossier): the *produce* row, timed from spawning the process to its exit.',
  );
  lines.push(
    '3. **Ceiling.** `bench/raw-consumer.ts`, a separate Node process with kafkajs only, reads the same input topic ' +
      'from the beginning with a fresh group and `eachBatch`, with the settings of ingest\'s consumer (2 MB per ' +
      'partition, two partitions at a time), auto-resolve and auto-commit, and does nothing with the messages but count ' +
      'them: that is the ceiling. A second read does `JSON.parse` of each value (as UTF-8 text), the least any consumer ' +
      'of JSON does. Timed from `connect()` (group join included) to the last message. The same two reads are then ' +
      'made by `@platformatic/kafka` 1.x (its message stream from the earliest offset, auto-commit, the same bytes per ' +
      'partition), each in its own process loading only that client: the consuming half of the Kafka client comparison.',
  );
  lines.push(
    '4. **Pipeline.** ingest and aggregator are spawned from `dist/` as separate processes, configured by ' +
      'environment to this run\'s topics, groups and database, with the whole backlog waiting in the input topic. ' +
      'Time runs from spawning them until the offsets the aggregator stores in PostgreSQL (`consumer_offsets`, written in ' +
      'the same transaction as the counts) add up to every canonical message, polled every 250 ms. The *ingest* row is ' +
      'the moment the canonical topic\'s end offsets reach the number of events (polled likewise), while the ' +
      'aggregator runs at the same time on the same cores.',
  );
  lines.push(
    '5. **Memory.** VmRSS of each measured process is sampled every 250 ms from `/proc/<pid>/status`; the peak is ' +
      'the larger of the highest sample and VmHWM read just before the process ends (services) or at the last sample ' +
      '(children that exit on their own).',
  );
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** Puts a section between its start and end markers into the report: replaces an older one, else appends. */
export function writeMarkedSection(file: string, startMarker: string, endMarker: string, section: string): void {
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = existing.indexOf(startMarker);
  const end = existing.indexOf(endMarker);
  const next =
    start >= 0 && end > start
      ? `${existing.slice(0, start)}${section.trimEnd()}\n${existing.slice(end + endMarker.length).replace(/^\n+/, '')}`
      : `${existing.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
}

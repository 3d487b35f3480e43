/**
 * The stages before the pipeline (bench/run-benchmarks.ts): generate the events (simulator → NDJSON file),
 * replay them into the input topic (producer throughput, as the trusted producer dvc-simulator), and the
 * ceiling: raw kafkajs and @platformatic/kafka reads of that topic, each in a process of its own.
 */
import { statSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { RawConsumerOptions, RawConsumerResult } from '../raw-consumer';
import { runNode } from '../support/children';
import { mb, rate, Report, StageRow } from '../support/report';
import { BUILD_ROOT, config, env, EVENTS_PER_DOSSIER_ESTIMATE, groups, kafkaSecurity, log, REPO_ROOT, runState, sampler, simulatorMain, topics, workDir } from './context';
import { endOffsetTotal, startCpuWindow } from './infrastructure';

type CpuRows = Report['cpu'];

/** 1. Generate the events. */
export async function generateStage(file: string, childLog: WriteStream, rows: StageRow[]) {
  const generated = await generate(file, childLog);
  const fileMb = statSync(file).size / 1e6;
  rows.push({
    stage: 'generate (simulator → NDJSON file)',
    events: generated.events,
    seconds: generated.seconds,
    peakRss: `${mb(generated.peakRssKb).toFixed(0)} MB`,
    note: `${generated.dossiers.toLocaleString('en-US')} dossiers, ${fileMb.toFixed(0)} MB; context only, not part of the pipeline.`,
  });
  return { ...generated, fileMb };
}

/** 2. Replay into the input topic: producer throughput (as the trusted producer dvc-simulator). */
export async function replayStage(file: string, events: number, childLog: WriteStream, rows: StageRow[], cpuRows: CpuRows): Promise<void> {
  await kafkaSecurity.grant(runState.kafka, { ...env, TOPIC_DOSSIER_EVENTS: topics.dossierEvents }, ['simulator']);
  log(`replaying into ${topics.dossierEvents}`);
  const window = startCpuWindow(runState.brokerPid);
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
}

/** 3. The ceiling: raw kafkajs reads of the same topic (and the same two by @platformatic/kafka). */
export async function ceilingStage(events: number, childLog: WriteStream, rows: StageRow[], cpuRows: CpuRows) {
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
  return { rawCount, rawParse };
}

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
  const window = startCpuWindow(runState.brokerPid);
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

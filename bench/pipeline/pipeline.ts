/**
 * The pipeline (bench/run-benchmarks.ts): ingest and aggregator from dist/ as separate processes until
 * PostgreSQL holds every event, the end-to-end throughput; runPipeline serves the scale-out run too.
 */
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, ServiceProcess, sleep } from '../support/children';
import { readCpuSeconds } from '../support/proc-stats';
import { mb, rate, Report, StageRow } from '../support/report';
import { config, databaseUrl, env, groups, kafkaSecurity, log, noteConcurrent, now, ourPids, printLogTail, REPO_ROOT, runState, sampler, serviceMain, topics, workDir } from './context';
import { startCpuWindow } from './infrastructure';
import { visibleEnds } from '@dvc/messaging';

/**
 * 4. The pipeline: ingest and aggregator, one instance each, on the run's topics and groups. Returns the
 * services' environment, which the later sections (API latency, freshness, scale-out) start from.
 */
export async function pipelineStage(events: number, rows: StageRow[], cpuRows: Report['cpu']) {
  const window = startCpuWindow(runState.brokerPid);
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
  await kafkaSecurity.grant(runState.kafka, serviceEnv, ['ingest', 'aggregator']);
  const ingest = new ServiceProcess('ingest', serviceMain('ingest'), kafkaSecurity.processEnvironment(serviceEnv, 'ingest'), await freePort(), join(workDir, 'ingest.log'), REPO_ROOT);
  const aggregator = new ServiceProcess(
    'aggregator',
    serviceMain('aggregator'),
    kafkaSecurity.processEnvironment(serviceEnv, 'aggregator'),
    await freePort(),
    join(workDir, 'aggregator.log'),
    REPO_ROOT,
  );
  runState.services = [ingest, aggregator];
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
  await Promise.all(runState.services.map((service) => service.stop()));
  runState.services = [];

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
  return { serviceEnv, pipeline, ingestStats, aggregatorStats, breakdown };
}

export interface PipelineTimes {
  seconds: number;
  ingestSeconds: number;
  readySeconds: number;
  appliedWhenIngestDone: number;
  /** CPU of every ingest (or aggregator) process of the run, replaced ones included. */
  ingestCpu: number;
  aggregatorCpu: number;
}

export interface PipelineRun {
  ingests: ServiceProcess[];
  aggregators: ServiceProcess[];
  canonicalTopic: string;
  aggregatorGroup: string;
  /**
   * Ingest's group: ingest is done when it has committed the whole input topic (`events` messages), since each batch's
   * offsets are committed in the transaction that writes its records. (The canonical topic's end offsets are no count:
   * each transaction leaves a marker after its records.) Default: the main run's.
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
export async function runPipeline(run: PipelineRun, events: number): Promise<PipelineTimes> {
  const database = new Client({ connectionString: databaseUrl, application_name: 'dvc-bench-probe' });
  await database.connect();
  const admin = runState.kafka.admin();
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
    const [entry] = await admin.fetchOffsets({ groupId: run.ingestGroup ?? groups.ingest, topics: [topics.dossierEvents] });
    return (entry?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0) >= events;
  };
  // Once ingest is done the canonical topic is final: the aggregator is done at one past its last record, per partition.
  const canonicalVisibleEnd = async () => [...(await visibleEnds(runState.kafka, run.canonicalTopic)).values()].reduce((sum, end) => sum + Number(end), 0);
  let target: number | null = null;
  let appliedBefore = -1;
  let appliedChangedAt = 0;
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
        target = await canonicalVisibleEnd();
        log(`  ingest: canonical topic complete after ${ingestSeconds.toFixed(2)} s (aggregator at ${done} of ${target})`);
      }
      if (done !== appliedBefore) [appliedBefore, appliedChangedAt] = [done, at];
      if (ingestSeconds !== null && target !== null && done >= target) {
        // When the last offsets were first seen applied (not now: the visible-end read may have come in between).
        const seconds = (appliedChangedAt - started) / 1000;
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
    runState.services = [...new Set([...runState.services, ...live.ingests, ...live.aggregators])];
    await admin.disconnect().catch(() => undefined);
    await database.end().catch(() => undefined);
  }
}

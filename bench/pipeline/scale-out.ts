/**
 * The scale-out section of the report (bench/run-benchmarks.ts): several instances of each service on the
 * same partitions, with a rebalance mid-replay, and the same exactness checks as the single-instance run.
 */
import { join } from 'node:path';
import { Client } from 'pg';
import type { ExpectedCounts } from '../support/expected-counts';
import { freePort, ServiceProcess } from '../support/children';
import { Check, mb, writeMarkedSection } from '../support/report';
import { config, databaseUrl, groups, kafkaSecurity, log, printLogTail, REPO_ROOT, runState, sampler, SCALE_OUT, serviceMain, topics, workDir } from './context';
import { checkResults } from './exactness';
import { runPipeline } from './pipeline';

/** Runs the scale-out and writes its section (a failure is reported there, not thrown); true when its exactness checks failed. */
export async function scaleOutSection(serviceEnv: NodeJS.ProcessEnv, expected: ExpectedCounts, simulatorDossiers: number, events: number, singleSeconds: number): Promise<boolean> {
  const scaleOut = await runScaleOut(serviceEnv, expected, simulatorDossiers, events, singleSeconds).catch((error: unknown) => ({ error: String(error) }));
  writeMarkedSection(config.reportFile, SCALE_SECTION_START, SCALE_SECTION_END, renderScaleOutSection(scaleOut));
  const failed = !('error' in scaleOut) && scaleOut.checks.some((check) => !check.ok);
  log(`wrote the scale-out section of ${config.reportFile}`);
  return failed;
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
  await kafkaSecurity.grant(runState.kafka, scaleEnv, ['ingest', 'aggregator']);
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

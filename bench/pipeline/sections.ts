/**
 * The report's sections whose benchmarks live in modules of their own (bench/run-benchmarks.ts runs them
 * after the pipeline's report is written): the API's read latency on the province-year just stored, the
 * Kafka clients side by side on the same file and broker, and the alerting benchmark. A failure of the
 * first two is reported in their section, not thrown.
 */
import { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { alertingOptionsFromEnvironment, renderAlertingSection, runAlertingBenchmark, writeAlertingSection } from '../alerting-benchmark';
import { API_SECTION_END, API_SECTION_START, renderApiLatencySection, runApiLatencyBenchmark } from '../api-latency-benchmark';
import { renderKafkaClientSection, runKafkaClientBenchmark, writeKafkaClientSection } from '../kafka-client-benchmark';
import { DECODER_FUZZ_SECTION_END, DECODER_FUZZ_SECTION_START, fuzzDecoder, renderDecoderFuzzSection } from '../decoder-fuzz';
import { DECODER_FUZZ_SEED } from '../../libs/contracts/src/testing/decoder-properties';
import { writeMarkedSection } from '../support/report';
import { BUILD_ROOT, config, databaseUrl, kafkaSecurity, log, positiveInt, REPO_ROOT, runId, runState, sampler, workDir } from './context';

/** The API's read latency on the province-year just stored (before the clean-up drops it). */
export async function apiLatencySection(serviceEnv: NodeJS.ProcessEnv): Promise<void> {
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

/** The Kafka clients side by side on the same file and broker (issue 10, item 3). */
export async function kafkaClientSection(file: string, events: number, childLog: WriteStream): Promise<void> {
  const clients = await runKafkaClientBenchmark({
    buildRoot: BUILD_ROOT,
    repoRoot: REPO_ROOT,
    brokers: config.brokers,
    file,
    events,
    kafka: runState.kafka,
    security: kafkaSecurity,
    sampler,
    childLog,
    childLogPath: join(workDir, 'children.log'),
    brokerPid: runState.brokerPid,
    runId,
    timeoutMs: config.timeoutMs,
    rounds: positiveInt('BENCH_KAFKA_CLIENT_ROUNDS', 2),
    keep: config.keep,
    log: (line) => log(`kafka clients: ${line}`),
  }).catch((error: unknown) => ({ error: String(error) }));
  writeKafkaClientSection(config.reportFile, renderKafkaClientSection(clients, 'npm run bench'));
  log(`wrote the Kafka client section of ${config.reportFile}`);
}

/** The alerting benchmark (event → e-mail latency, full sweep). */
export async function alertingSection(): Promise<void> {
  const alerting = await runAlertingBenchmark(alertingOptionsFromEnvironment((line) => log(`alerting: ${line}`), join(workDir, 'alerting')));
  writeAlertingSection(config.reportFile, renderAlertingSection(alerting));
  log(`wrote the alerting section of ${config.reportFile}`);
}

/** The decoder's properties at ≥ 100,000 cases each (bench/decoder-fuzz.ts); true when one failed. */
export function decoderFuzzSection(): boolean {
  const runs = positiveInt('DECODER_FUZZ_RUNS', 100_000);
  const outcomes = fuzzDecoder(runs, DECODER_FUZZ_SEED);
  for (const outcome of outcomes) log(`decoder fuzz: ${outcome.failure ? 'FAILED' : 'held'} ${outcome.runs} cases in ${outcome.seconds.toFixed(1)} s: ${outcome.name}`);
  writeMarkedSection(config.reportFile, DECODER_FUZZ_SECTION_START, DECODER_FUZZ_SECTION_END, renderDecoderFuzzSection(outcomes, DECODER_FUZZ_SEED, 'npm run bench'));
  log(`wrote the decoder fuzzing section of ${config.reportFile}`);
  return outcomes.some((outcome) => outcome.failure !== null);
}

/**
 * Event → visible in `/v1/rates`, under a sustained live load: ingest, aggregator and the API as separate processes
 * on the benchmark's database (which already holds the province-year), topics and groups of this stage's own. The
 * load is a fresh stream of the same province for another year (`simulator generate --from 2026-01-01 --to
 * 2026-11-30`, so its dossier codes are new), replayed into the input topic at BENCH_FRESHNESS_RATE events/s.
 * Meanwhile, one probe at a time: a new dossier received "now" by one agency, produced to the same input topic;
 * its time runs from the producer's acknowledgement until `/v1/rates` for that agency's current month (read as a
 * user would, through the read cache) counts it, polled every 20 ms. The next probe follows 250 ms later.
 */
import { performance } from 'node:perf_hooks';
import type { Kafka } from 'kafkajs';
import { vietnamToday } from '@dvc/domain';
import { startBenchApi } from './api-latency-benchmark';
import type { ServiceProcess } from './support/children';

export const FRESHNESS_SECTION_START = '<!-- freshness-benchmark:start -->';
export const FRESHNESS_SECTION_END = '<!-- freshness-benchmark:end -->';
export const GOAL_FRESHNESS_P99_MS = 1_000;

export interface FreshnessOptions {
  kafka: Kafka;
  inputTopic: string;
  databaseUrl: string;
  serviceEnv: NodeJS.ProcessEnv;
  apiMain: string;
  repoRoot: string;
  workDir: string;
  scopeRoot: string;
  /** A probe dossier's agency and procedure (any known pair of the province). */
  probe: { agency: Record<string, unknown>; procedure: Record<string, unknown>; source: string };
  /** Starts the load (the simulator's replay at the rate) and resolves with its own report when it ends. */
  startLoad: () => Promise<{ messages: number; seconds: number }>;
  /** Spawns ingest and aggregator on this stage's topics and groups; the caller stops them. */
  startServices: () => Promise<ServiceProcess[]>;
  rate: number;
  log: (line: string) => void;
}

export interface FreshnessResult {
  rate: number;
  loadMessages: number;
  loadSeconds: number;
  probes: number;
  timedOut: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

const POLL_MS = 20;
const PROBE_GAP_MS = 250;
const PROBE_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An instant in the contract's form with Vietnam's offset, as the simulator writes them. */
function vietnamInstant(date: Date): string {
  return new Date(date.getTime() + 7 * 3_600_000).toISOString().replace('Z', '+07:00');
}

function nearestRank(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export async function runFreshnessBenchmark(options: FreshnessOptions): Promise<FreshnessResult> {
  const agencyCode = String(options.probe.agency.code);
  const month = vietnamToday().slice(0, 7);
  const services = await options.startServices();
  const { url, token, stop } = await startBenchApi(options, options.scopeRoot, 'api-freshness');
  const producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const received = async (): Promise<number> => {
    const response = await fetch(`${url}/v1/rates?period=month&agency=${encodeURIComponent(agencyCode)}&from=${month}&to=${month}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!response.ok) throw new Error(`/v1/rates answered ${response.status}`);
    const body = (await response.json()) as { items: Array<{ received: number }> };
    return body.items[0]?.received ?? 0;
  };
  try {
    const baseline = await received();
    const latencies: number[] = [];
    let timedOut = 0;
    let loadDone = false;
    const load = options.startLoad().finally(() => (loadDone = true));
    // The first probes wait for the load to be under way.
    await sleep(5_000);
    for (let n = 1; !loadDone; n += 1) {
      const now = new Date();
      const code = `${agencyCode}-${vietnamToday().slice(2).replace(/-/g, '')}-P${String(n).padStart(6, '0')}`;
      const event = {
        specversion: '1.0',
        id: `${code}:received`,
        source: options.probe.source,
        type: 'vn.gov.dvc.dossier.received.v1',
        time: vietnamInstant(now),
        subject: code,
        datacontenttype: 'application/json',
        data: {
          dossierCode: code,
          procedure: options.probe.procedure,
          agency: options.probe.agency,
          applicant: { type: 'citizen' },
          channel: 'online',
          receivedAt: vietnamInstant(now),
          dueAt: vietnamInstant(new Date(now.getTime() + 5 * 86_400_000)),
        },
      };
      await producer.send({
        topic: options.inputTopic,
        acks: -1,
        messages: [{ key: code, value: JSON.stringify(event), headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' } }],
      });
      const sentAt = performance.now();
      let seen = false;
      while (performance.now() - sentAt < PROBE_TIMEOUT_MS) {
        if ((await received()) >= baseline + n) {
          latencies.push(performance.now() - sentAt);
          seen = true;
          break;
        }
        await sleep(POLL_MS);
      }
      if (!seen) {
        timedOut += 1;
        throw new Error(`probe ${n} not visible after ${PROBE_TIMEOUT_MS} ms`);
      }
      if (n % 100 === 0) options.log(`${n} probes, last ${latencies[latencies.length - 1].toFixed(0)} ms`);
      await sleep(PROBE_GAP_MS);
    }
    const loadResult = await load;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      rate: options.rate,
      loadMessages: loadResult.messages,
      loadSeconds: loadResult.seconds,
      probes: latencies.length,
      timedOut,
      p50Ms: nearestRank(sorted, 0.5),
      p90Ms: nearestRank(sorted, 0.9),
      p99Ms: nearestRank(sorted, 0.99),
      maxMs: sorted[sorted.length - 1] ?? NaN,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await stop();
    await Promise.all(services.map((service) => service.stop()));
  }
}

export function renderFreshnessSection(result: FreshnessResult | { error: string }): string {
  const lines = [FRESHNESS_SECTION_START, '', '## Event → visible in /v1/rates under live load (issue 10)', ''];
  if ('error' in result) return [...lines, `The run failed: ${result.error}`, '', FRESHNESS_SECTION_END, ''].join('\n');
  const ms = (value: number) => `${Math.round(value)} ms`;
  lines.push(
    `Measured by \`npm run bench\` (bench/freshness-benchmark.ts) after the runs above, on the same database: ingest, aggregator and the API as separate processes; a fresh stream of the same province for another year replayed into the input topic at ${result.rate.toLocaleString('en-US')} events/s (${result.loadMessages.toLocaleString('en-US')} events in ${result.loadSeconds.toFixed(0)} s as the simulator reports it). One probe at a time — a new dossier received now, produced to the input topic — timed from the producer's acknowledgement until \`GET /v1/rates\` for its agency's current month (through the API's read cache, ${'`API_READ_CACHE_TTL_MS`'} at its default) counts it, polled every ${POLL_MS} ms; the next probe ${PROBE_GAP_MS} ms later.`,
    '',
    '| probes | not visible within 30 s | p50 | p90 | p99 | max |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${result.probes} | ${result.timedOut} | ${ms(result.p50Ms)} | ${ms(result.p90Ms)} | **${ms(result.p99Ms)}** | ${ms(result.maxMs)} |`,
    '',
    '| goal | target | measured | |',
    '|---|---|---|---|',
    `| event → visible, p99, at ${result.rate.toLocaleString('en-US')} events/s | < ${GOAL_FRESHNESS_P99_MS} ms | ${ms(result.p99Ms)} | ${result.p99Ms < GOAL_FRESHNESS_P99_MS && result.timedOut === 0 ? 'met' : '**not met**'} |`,
    '',
    FRESHNESS_SECTION_END,
    '',
  );
  return lines.join('\n');
}

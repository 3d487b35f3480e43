import type { ExpectedCounts } from './ground-truth';
import { indicatorLedgerBothWays, monthlyRollUpsBothWays, pipelineCaughtUp, storedMonthlyCounts, withoutEmptyBuckets } from './progress';
import { apiMonthlyRatesAndTruth } from './rates-api';
import { eventually, ServiceProcess, sleep } from './service-process';
import type { TestEnvironment } from './test-environment';

/** Offsets of the canonical topic the aggregator has applied, by its own bookkeeping in PostgreSQL. */
export async function appliedOffsets(environment: TestEnvironment): Promise<number> {
  const [row] = await environment.query<{ applied: string }>(`SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets`);
  return Number(row.applied);
}

/** The status of `GET /health/ready` (0: no answer within 5 s), and the names of the checks that are down. */
export async function readiness(service: ServiceProcess): Promise<{ status: number; down: string[]; body: Record<string, { status: string }> }> {
  try {
    const response = await fetch(`${service.url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json().catch(() => ({}))) as { details?: Record<string, { status: string }> };
    const details = body.details ?? {};
    return { status: response.status, down: Object.keys(details).filter((name) => details[name].status !== 'up').sort(), body: details };
  } catch {
    return { status: 0, down: [], body: {} };
  }
}

export interface WatchSummary {
  samples: number;
  /** Per service: every readiness status seen, and every `check:status` of its body. */
  statuses: Record<string, number[]>;
  downChecks: Record<string, string[]>;
  /** Per service: every pid seen (null: not running at that sample). */
  pids: Record<string, Array<number | null>>;
}

/**
 * Samples, every `intervalMs` until `stop()`, each service's readiness and pid: what an orchestrator would
 * see during an outage (red readiness) and whether a process exited meanwhile (a crash loop would show as
 * a null or a second pid; nothing restarts these processes, so a dead one stays dead).
 */
export class ServiceWatch {
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly summary: WatchSummary = { samples: 0, statuses: {}, downChecks: {}, pids: {} };

  constructor(private readonly services: ServiceProcess[], intervalMs = 500) {
    for (const service of services) {
      this.summary.statuses[service.service] = [];
      this.summary.downChecks[service.service] = [];
      this.summary.pids[service.service] = [];
    }
    this.done = this.loop(intervalMs);
  }

  async stop(): Promise<WatchSummary> {
    this.stopped = true;
    await this.done;
    const distinct = <T>(items: T[]) => [...new Set(items)];
    return {
      samples: this.summary.samples,
      statuses: Object.fromEntries(Object.entries(this.summary.statuses).map(([name, items]) => [name, distinct(items).sort()])),
      downChecks: Object.fromEntries(Object.entries(this.summary.downChecks).map(([name, items]) => [name, distinct(items).sort()])),
      pids: Object.fromEntries(Object.entries(this.summary.pids).map(([name, items]) => [name, distinct(items)])),
    };
  }

  private async loop(intervalMs: number): Promise<void> {
    while (!this.stopped) {
      await Promise.all(
        this.services.map(async (service) => {
          this.summary.pids[service.service].push(service.pid);
          const answer = await readiness(service);
          this.summary.statuses[service.service].push(answer.status);
          this.summary.downChecks[service.service].push(...answer.down);
        }),
      );
      this.summary.samples += 1;
      await sleep(intervalMs);
    }
  }
}

/**
 * The indicator ledger, kept in the same transactions as the counts, equals its recomputation from the final
 * dossier states, and the month roll-ups equal the sums of their day rows (with at least that many rows each).
 */
export async function expectUpkeepExact(environment: TestEnvironment, atLeast: { ledgerRows: number; rollUpRows: number }): Promise<void> {
  const ledger = await indicatorLedgerBothWays(environment);
  expect(ledger.stored.length).toBeGreaterThan(atLeast.ledgerRows);
  expect(ledger.stored).toEqual(ledger.recomputed);
  const rollUps = await monthlyRollUpsBothWays(environment);
  expect(rollUps.stored.length).toBeGreaterThan(atLeast.rollUpRows);
  expect(rollUps.stored).toEqual(rollUps.recomputed);
}

/**
 * Runs an outage: `begin` it, wait until `unready` says 503, hold it `holdMs` more, `end` it (also when
 * something failed meanwhile), and return what the services showed from the beginning to the end.
 */
export async function duringOutage(options: {
  services: ServiceProcess[];
  unready: ServiceProcess;
  holdMs: number;
  begin: () => Promise<void> | void;
  end: () => Promise<void> | void;
  what: string;
}): Promise<WatchSummary> {
  await options.begin();
  try {
    const watch = new ServiceWatch(options.services);
    await eventually(async () => ((await readiness(options.unready)).status === 503 ? true : undefined), 30_000, `${options.unready.service} to be unready ${options.what}`);
    await sleep(options.holdMs);
    return await watch.stop();
  } finally {
    await options.end();
  }
}

/**
 * The end of every fault spec: the pipeline catches up, the services that were never restarted still run
 * with the pids they started with and are ready again, and the stored counts, the indicator ledger, the
 * month roll-ups and the API's answer all equal the independent ground truth.
 */
export async function expectExactAfterFaults(options: {
  environment: TestEnvironment;
  ingestGroup: string;
  services: ServiceProcess[];
  startPids: Record<string, number | null>;
  api: ServiceProcess;
  expected: Map<string, ExpectedCounts>;
  catchUpMs?: number;
}): Promise<void> {
  const { environment, services, api, expected } = options;
  await eventually(async () => ((await pipelineCaughtUp(environment, options.ingestGroup)) ? true : undefined), options.catchUpMs ?? 150_000, 'the pipeline to catch up');
  expect(Object.fromEntries(services.map((service) => [service.service, service.pid]))).toEqual(options.startPids);
  for (const service of services) {
    await eventually(async () => ((await readiness(service)).status === 200 ? true : undefined), 30_000, `${service.service} to be ready again`);
  }
  const sorted = <T>(map: Map<string, T>) => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));
  expect(sorted(await storedMonthlyCounts(environment))).toEqual(sorted(withoutEmptyBuckets(expected)));
  await expectUpkeepExact(environment, { ledgerRows: 100, rollUpRows: 50 });
  const { actual, wanted } = await apiMonthlyRatesAndTruth(api, expected);
  expect(Object.keys(wanted).length).toBeGreaterThan(50);
  expect(actual).toEqual(wanted);
}

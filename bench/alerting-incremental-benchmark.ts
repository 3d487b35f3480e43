/**
 * The incremental sweeps of the alerting service (services/alerting/src/evaluation/sweep-mode.ts), on the
 * full-sweep bench's province, after its full sweeps (bench/alerting-sweep-benchmark.ts runs this): a new
 * alerting process with the default ALERT_FULL_SWEEP_INTERVAL_MS sweeps the province once in full (its first
 * sweep), then incrementally — with nothing changed, then after the buckets of some agencies changed as the
 * aggregator would change them (one more dossier received online today for each of their pairs, day and month rows,
 * and the agencies named in `alert_sweep_pending`). The changes are taken back afterwards, so that a kept
 * database stays as seeded.
 */
import { join } from 'node:path';
import { freePort, ServiceProcess } from './support/children';
import { ProcessSampler } from './support/proc-stats';
import { AlertingBenchOptions, sweepHistogram, waitFor, withClient } from './support/alerting-support';

export interface IncrementalSweepRun {
  /** Agencies whose buckets changed before the sweep (0: nothing changed). */
  changedAgencies: number;
  /** Pairs of those agencies whose counts changed. */
  changedPairs: number;
  /** Seconds of the incremental sweeps that ran until the changes were taken (usually one; see `sweeps`). */
  seconds: number;
  sweeps: number;
}

export interface IncrementalResult {
  /** The new process's first sweep: full, with the alerts of the full sweeps before it open. */
  fullAfterRestartSeconds: number;
  runs: IncrementalSweepRun[];
  alertingPeakRssMb: number;
}

/** Agency codes of the bench's province (S0000 …), `count` of them spread over it. */
function spreadAgencies(agencies: number, count: number): string[] {
  const step = Math.max(1, Math.floor(agencies / count));
  return Array.from({ length: Math.min(count, agencies) }, (_, i) => `S${String(i * step).padStart(4, '0')}`);
}

/** One more (or, with -1, one fewer) dossier received online today for every pair of these agencies, kept as the aggregator keeps it. */
async function changeBuckets(databaseUrl: string, day: string, agencyCodes: string[], delta: 1 | -1, name: boolean): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    await client.query('BEGIN');
    const changed = await client.query(`UPDATE daily_buckets SET received = received + $3, received_online = received_online + $3 WHERE day = $1::date AND agency_code = ANY ($2::text[])`, [
      day,
      agencyCodes,
      delta,
    ]);
    await client.query(
      `UPDATE monthly_buckets SET received = received + $3, received_online = received_online + $3 WHERE month = date_trunc('month', $1::date)::date AND agency_code = ANY ($2::text[])`,
      [day, agencyCodes, delta],
    );
    await client.query(
      `UPDATE monthly_agency_buckets m SET received = m.received + $3 * d.pairs, received_online = m.received_online + $3 * d.pairs
       FROM (SELECT agency_code, count(*) AS pairs FROM daily_buckets WHERE day = $1::date AND agency_code = ANY ($2::text[]) GROUP BY agency_code) d
       WHERE m.month = date_trunc('month', $1::date)::date AND m.agency_code = d.agency_code`,
      [day, agencyCodes, delta],
    );
    if (name) await client.query(`INSERT INTO alert_sweep_pending (agency_code) SELECT unnest($1::text[])`, [agencyCodes]);
    await client.query('COMMIT');
    return changed.rowCount ?? 0;
  });
}

export async function incrementalSweeps(
  options: AlertingBenchOptions,
  input: { databaseUrl: string; day: string; agencies: number; environment: NodeJS.ProcessEnv; changedAgencyCounts: number[] },
): Promise<IncrementalResult> {
  const sampler = new ProcessSampler(100);
  sampler.start();
  const port = await freePort();
  const environment = { ...input.environment };
  delete environment.ALERT_FULL_SWEEP_INTERVAL_MS; // the default (1 h): every sweep after the first is incremental here
  const alerting = new ServiceProcess(
    'alerting',
    join(options.buildRoot, 'services/alerting/src/main.js'),
    environment,
    port,
    join(options.workDir, 'alerting-incremental.log'),
    options.repoRoot,
  ).spawn();
  const pending = (client: { query: (sql: string) => Promise<{ rows: Array<{ n: string }> }> }) =>
    client.query('SELECT count(*) AS n FROM alert_sweep_pending').then((result) => Number(result.rows[0].n));
  const runs: IncrementalSweepRun[] = [];
  const applied: string[][] = [];
  try {
    sampler.track('alerting', alerting.pid);
    await alerting.waitUntilReady(120_000);
    await waitFor(async () => (await sweepHistogram(port, 'full')).count >= 1, 15 * 60_000, 'the full sweep after the restart', () => alerting.hasExited);
    const full = await sweepHistogram(port, 'full');
    options.log(`alerting incremental: the new process's first sweep (full) ${full.sum.toFixed(2)} s`);
    for (const changedAgencies of [0, ...input.changedAgencyCounts]) {
      const before = await sweepHistogram(port, 'incremental');
      const codes = spreadAgencies(input.agencies, changedAgencies);
      const changedPairs = changedAgencies === 0 ? 0 : await changeBuckets(input.databaseUrl, input.day, codes, 1, true);
      if (changedAgencies > 0) applied.push(codes);
      // Done when an incremental sweep has run and no pending agency is left: the sweep that took them committed.
      await withClient(input.databaseUrl, (client) =>
        waitFor(
          async () => (await sweepHistogram(port, 'incremental')).count > before.count && (await pending(client)) === 0,
          15 * 60_000,
          `the incremental sweep after ${changedAgencies} agencies changed`,
          () => alerting.hasExited,
        ),
      );
      const after = await sweepHistogram(port, 'incremental');
      runs.push({ changedAgencies, changedPairs, seconds: after.sum - before.sum, sweeps: after.count - before.count });
      options.log(
        `alerting incremental: ${changedAgencies} agencies (${changedPairs} pairs) changed → ${(after.sum - before.sum).toFixed(2)} s over ${after.count - before.count} incremental sweep(s)`,
      );
    }
    return { fullAfterRestartSeconds: full.sum, runs, alertingPeakRssMb: sampler.finish('alerting').peakRssKb / 1024 };
  } finally {
    sampler.stop();
    await alerting.stop().catch(() => undefined);
    for (const codes of applied) await changeBuckets(input.databaseUrl, input.day, codes, -1, false);
  }
}

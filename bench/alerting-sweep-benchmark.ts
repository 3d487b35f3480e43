/**
 * The alerting benchmark's full sweep (part (b) of bench/alerting-benchmark.ts, which runs it): a synthetic
 * province of BENCH_SWEEP_AGENCIES agencies × BENCH_SWEEP_PROCEDURES procedures seeded with SQL, the alerting
 * service's own histogram timing its first sweep and the steady-state ones, the first sweep's notices waited for.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { fillRollUpsFromDays, migrate } from '@dvc/persistence';
import { freePort, ServiceProcess } from './support/children';
import { BenchKafkaSecurity } from './support/kafka-security';
import { ProcessSampler } from './support/proc-stats';
import { incrementalSweeps, IncrementalResult } from './alerting-incremental-benchmark';
import { AlertingBenchOptions, createTopics, deleteTopics, dropDatabase, recreateDatabase, sweepHistogram, today, waitFor, withClient } from './support/alerting-support';

export interface SweepRun {
  seconds: number;
  opened: number;
}

export interface SweepResult {
  agencies: number;
  procedures: number;
  pairs: number;
  bucketRows: number;
  seedSeconds: number;
  /** Whether a database kept by an earlier run was reused (BENCH_SWEEP_REUSE=1): seedSeconds is then that run's. */
  reusedDatabase: boolean;
  first: SweepRun;
  /** Sweeps right after the first, while its notices are being sent. */
  steady: SweepRun[];
  /** Sweeps after the outbox drained, nothing changed: the goal's steady state. */
  drained: SweepRun[];
  /** The alerting process's RSS sampled (every 100 ms) during the `drained` sweeps only. */
  drainedRssMb: number;
  openAlerts: number;
  outboxRows: number;
  /** The first sweep's notices on Kafka: how many were sent, from the first to the last sent (database clock), and still pending after waiting. */
  outboxDrain: { sent: number; seconds: number; pending: number };
  alertingPeakRssMb: number;
  incremental: IncrementalResult;
}

export async function sweepBenchmark(options: AlertingBenchOptions): Promise<SweepResult> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const databaseName = 'dvc_bench_sweep';
  const databaseUrl = `${options.postgresUrl}/${databaseName}`;
  const prefix = `bench-sweep.${runId}`;
  const topics = { canonical: `${prefix}.canonical`, rateChanges: `${prefix}.rate-changes`, alerts: `${prefix}.alerts` };
  const kafkaSecurity = new BenchKafkaSecurity(options.repoRoot, options.brokers);
  const kafka = new Kafka({ clientId: 'dvc-bench-sweep', brokers: options.brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 }, ...kafkaSecurity.connection() });
  const { sweepAgencies: agencies, sweepProcedures: procedures } = options;
  const day = today();
  options.log(`alerting sweep: seeding ${agencies} agencies × ${procedures} procedures`);

  // BENCH_SWEEP_REUSE=1: a database kept by an earlier run (BENCH_KEEP=1) of the same size, seeded the
  // same day, is reused — only its alerts, history and outbox are cleared — instead of seeding again.
  const reused = options.reuseSweepDatabase ? await reusableSweepDatabase(options.postgresUrl, databaseUrl, agencies, procedures, day) : null;
  if (reused === null) {
    await recreateDatabase(options.postgresUrl, databaseName);
    await migrate(databaseUrl);
  } else {
    await migrate(databaseUrl); // a database kept before the latest migrations gets them
    options.log(`alerting sweep: reusing ${databaseName} (${reused.toLocaleString('en-US')} bucket rows), alerts and outbox cleared`);
  }
  await createTopics(kafka, Object.values(topics), 3);
  const seedStarted = performance.now();
  const bucketRows = reused ?? await withClient(databaseUrl, async (client) => {
    // Agency 0 is the province; 1–20 departments and districts under it; the rest communes under the districts.
    await client.query(
      `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id)
       SELECT 'S' || lpad(i::text, 4, '0'),
              CASE WHEN i = 0 THEN 'UBND tỉnh Đo Thử' WHEN i <= 20 THEN 'Cơ quan cấp tỉnh/huyện ' || i ELSE 'UBND xã ' || i END,
              CASE WHEN i = 0 THEN 'province' WHEN i <= 10 THEN 'department' WHEN i <= 20 THEN 'district' ELSE 'commune' END,
              CASE WHEN i = 0 THEN NULL WHEN i <= 20 THEN 'S0000' ELSE 'S' || lpad((11 + i % 10)::text, 4, '0') END,
              '2025-01-01T00:00:00Z', 'bench'
       FROM generate_series(0, $1::int - 1) AS i`,
      [agencies],
    );
    await client.query(
      `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id)
       SELECT 'TT.' || lpad(j::text, 5, '0'), 'Thủ tục ' || j, 'Lĩnh vực ' || (j % 40),
              (ARRAY['full', 'partial', 'none'])[1 + j % 3], '2025-01-01T00:00:00Z', 'bench'
       FROM generate_series(0, $1::int - 1) AS j`,
      [procedures],
    );
    // Every pair has dossiers today (month to date and rolling 30 days), 12 days ago (the rest of the
    // rolling window; the previous month for month to date) and 45 days ago (the previous rolling
    // window). Most pairs have a few dossiers, one in twenty many (so that alerts can fire); the online
    // share varies by agency and procedure, a deterministic hash standing in for chance.
    await client.query(
      `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, completed_on_time)
       SELECT d.day, 'S' || lpad(a::text, 4, '0'), 'TT.' || lpad(p::text, 5, '0'), r.received, r.online, r.received / 2, r.received / 3
       FROM generate_series(0, $1::int - 1) AS a
       CROSS JOIN generate_series(0, $2::int - 1) AS p
       CROSS JOIN (VALUES ($3::date), ($3::date - 12), ($3::date - 45)) AS d(day)
       CROSS JOIN LATERAL (SELECT abs(hashint4(a * 7919 + p * 31 + (d.day - $3::date))) AS h) AS hh
       CROSS JOIN LATERAL (
         SELECT CASE WHEN hh.h % 20 = 0 THEN 30 + hh.h % 90 ELSE 1 + hh.h % 4 END AS received,
                ((a % 10) * 0.08 + (p % 7) * 0.03) AS share
       ) AS s
       CROSS JOIN LATERAL (SELECT s.received, floor(s.received * least(s.share, 1))::int AS online) AS r`,
      [agencies, procedures, day],
    );
    // The month roll-ups the aggregator would have kept beside those day rows (the sweep reads whole months from them).
    await fillRollUpsFromDays(client);
    await client.query('ANALYZE');
    const [row] = (await client.query<{ n: string }>('SELECT count(*) AS n FROM daily_buckets')).rows;
    return Number(row.n);
  });
  const seedSeconds = reused === null ? (performance.now() - seedStarted) / 1000 : options.previousSeedSeconds;
  if (reused === null) options.log(`alerting sweep: seeded ${bucketRows.toLocaleString('en-US')} bucket rows in ${seedSeconds.toFixed(1)} s`);

  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: options.brokers.join(','),
    REDIS_URL: options.redisUrl,
    TOPIC_CANONICAL_EVENTS: topics.canonical,
    TOPIC_RATE_CHANGES: topics.rateChanges,
    TOPIC_ALERTS: topics.alerts,
    ALERT_RATE_CHANGES_GROUP_ID: `${prefix}.alerting-rate-changes`,
    ALERT_SOURCE_ACTIVITY_GROUP_ID: `${prefix}.alerting-activity`,
    ALERT_LEADER_LOCK_KEY: `dvc:bench:sweep:${runId}`,
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ALERT_SWEEP_INTERVAL_MS: String(options.sweepIntervalMs),
    // Every sweep of this process over every agency; the incremental ones are measured afterwards by a second process.
    ALERT_FULL_SWEEP_INTERVAL_MS: '0',
    SMTP_URL: 'smtp://127.0.0.1:9',
    LOG_LEVEL: options.serviceLogLevel,
  };
  const sampler = new ProcessSampler(100);
  sampler.start();
  const port = await freePort();
  await kafkaSecurity.grant(kafka, environment, ['alerting']);
  const alerting = new ServiceProcess(
    'alerting',
    join(options.buildRoot, 'services/alerting/src/main.js'),
    kafkaSecurity.processEnvironment(environment, 'alerting'),
    port,
    join(options.workDir, 'alerting-sweep.log'),
    options.repoRoot,
  ).spawn();
  try {
    sampler.track('alerting', alerting.pid);
    await alerting.waitUntilReady(120_000);
    const runs: SweepRun[] = [];
    let previous = { count: 0, sum: 0 };
    let openedBefore = 0;
    for (let index = 0; index < 3; index += 1) {
      await waitFor(async () => (await sweepHistogram(port)).count > index, 15 * 60_000, `sweep ${index + 1}`, () => alerting.hasExited);
      const current = await sweepHistogram(port);
      const opened = await withClient(databaseUrl, async (client) => Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM alerts')).rows[0].n));
      runs.push({ seconds: current.sum - previous.sum, opened: opened - openedBefore });
      options.log(`alerting sweep ${index + 1}: ${(current.sum - previous.sum).toFixed(2)} s, ${opened - openedBefore} alerts opened`);
      previous = current;
      openedBefore = opened;
    }
    // The notices of the first sweep (one alert.opened per alert to the alerts topic), waited for up to 10 minutes.
    const outboxDrain = await withClient(databaseUrl, async (client) => {
      const pending = async () => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM notification_outbox WHERE status = 'pending'`)).rows[0].n);
      await waitFor(async () => (await pending()) === 0, 10 * 60_000, 'the outbox to drain', () => alerting.hasExited).catch((error: unknown) =>
        options.log(`alerting sweep: ${error instanceof Error ? error.message : String(error)}`),
      );
      const [row] = (
        await client.query<{ sent: string; seconds: number | null; pending: string }>(
          `SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
                  extract(epoch FROM max(sent_at) - min(sent_at))::float8 AS seconds,
                  count(*) FILTER (WHERE status = 'pending') AS pending
           FROM notification_outbox`,
        )
      ).rows;
      return { sent: Number(row.sent), seconds: row.seconds ?? 0, pending: Number(row.pending) };
    });
    options.log(`alerting sweep: ${outboxDrain.sent} notices sent in ${outboxDrain.seconds.toFixed(1)} s, ${outboxDrain.pending} pending`);
    const stats = sampler.finish('alerting');
    // The steady state proper: the notices sent, nothing changed. RSS sampled over these sweeps alone
    // (VmHWM would still be the first sweep's).
    sampler.track('alerting-drained', alerting.pid);
    const drained: SweepRun[] = [];
    const base = await sweepHistogram(port);
    previous = base;
    for (let index = 0; index < 2; index += 1) {
      await waitFor(async () => (await sweepHistogram(port)).count > base.count + index, 5 * 60_000, `drained sweep ${index + 1}`, () => alerting.hasExited);
      const current = await sweepHistogram(port);
      drained.push({ seconds: current.sum - previous.sum, opened: 0 });
      options.log(`alerting sweep, outbox drained, ${index + 1}: ${(current.sum - previous.sum).toFixed(2)} s`);
      previous = current;
    }
    const drainedRssMb = sampler.finish('alerting-drained').maxSampledRssKb / 1024;
    const counts = await withClient(databaseUrl, async (client) => {
      const open = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM alerts WHERE status <> 'resolved'`)).rows[0].n);
      const outbox = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM notification_outbox`)).rows[0].n);
      return { open, outbox };
    });
    await alerting.stop();
    const incremental = await incrementalSweeps(options, {
      databaseUrl,
      day,
      agencies,
      environment: kafkaSecurity.processEnvironment(environment, 'alerting'),
      changedAgencyCounts: options.incrementalChangedAgencies,
    });
    return {
      incremental,
      agencies,
      procedures,
      pairs: agencies * procedures,
      bucketRows,
      seedSeconds,
      reusedDatabase: reused !== null,
      first: runs[0],
      steady: runs.slice(1),
      drained,
      drainedRssMb,
      openAlerts: counts.open,
      outboxRows: counts.outbox,
      outboxDrain,
      alertingPeakRssMb: stats.peakRssKb / 1024,
    };
  } finally {
    sampler.stop();
    await alerting.stop().catch(() => undefined);
    if (!options.keep) {
      await deleteTopics(kafka, Object.values(topics));
      const groups = [environment.ALERT_RATE_CHANGES_GROUP_ID, environment.ALERT_SOURCE_ACTIVITY_GROUP_ID];
      await kafkaSecurity.revoke(kafka, Object.values(topics), groups.filter((group): group is string => !!group)).catch(() => undefined);
      await dropDatabase(options.postgresUrl, databaseName).catch(() => undefined);
    }
  }
}

/**
 * The bucket row count of a kept sweep database with exactly `agencies` × `procedures` seeded for `day`
 * (its alerts, history and outbox cleared), or null when there is none to reuse.
 */
async function reusableSweepDatabase(postgresUrl: string, databaseUrl: string, agencies: number, procedures: number, day: string): Promise<number | null> {
  const exists = await withClient(`${postgresUrl}/postgres`, async (client) =>
    (await client.query(`SELECT 1 FROM pg_database WHERE datname = 'dvc_bench_sweep'`)).rowCount === 1,
  );
  if (!exists) return null;
  return withClient(databaseUrl, async (client) => {
    const [row] = (
      await client.query<{ a: string; p: string; n: string; today: string }>(
        `SELECT (SELECT count(*) FROM agencies) AS a, (SELECT count(*) FROM procedures) AS p,
                (SELECT count(*) FROM daily_buckets) AS n, (SELECT count(*) FROM daily_buckets WHERE day = $1::date) AS today`,
        [day],
      )
    ).rows;
    if (Number(row.a) !== agencies || Number(row.p) !== procedures || Number(row.today) !== agencies * procedures) return null;
    await client.query('TRUNCATE alert_history, notification_outbox, alerts CASCADE');
    // Kept before the sweep read month roll-ups: give it the rows the seeding now writes.
    if ((await client.query('SELECT 1 FROM monthly_buckets LIMIT 1')).rowCount === 0) {
      await fillRollUpsFromDays(client);
      await client.query('ANALYZE');
    }
    return Number(row.n);
  });
}

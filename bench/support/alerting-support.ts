/**
 * What the alerting benchmark's two parts (bench/alerting-benchmark.ts: latency; bench/alerting-sweep-benchmark.ts:
 * the full sweep) share: their options, the alerting service's sweep histogram, waiting, PostgreSQL and Kafka
 * housekeeping.
 */
import { performance } from 'node:perf_hooks';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { vietnamToday } from '@dvc/domain';
import { sleep } from './children';

export interface AlertingBenchOptions {
  postgresUrl: string;
  brokers: string[];
  redisUrl: string;
  trials: number;
  sweepAgencies: number;
  sweepProcedures: number;
  sweepIntervalMs: number;
  /** Agencies whose buckets change before each measured incremental sweep (BENCH_SWEEP_INCREMENTAL_AGENCIES, default 50,250). */
  incrementalChangedAgencies: number[];
  skipLatency: boolean;
  skipSweep: boolean;
  keep: boolean;
  /** BENCH_SWEEP_REUSE=1: reuse a kept sweep database of the same size (see `reusableSweepDatabase`). */
  reuseSweepDatabase: boolean;
  /** Seeding time reported when the database is reused (BENCH_SWEEP_SEED_SECONDS, default 93). */
  previousSeedSeconds: number;
  workDir: string;
  repoRoot: string;
  /** Where swc wrote libs, services and bench (this file is <build>/bench/alerting-benchmark.js). */
  buildRoot: string;
  serviceLogLevel: string;
  log: (line: string) => void;
}

export const today = () => vietnamToday(new Date());

export async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

export async function sweepCount(port: number): Promise<number> {
  return (await sweepHistogram(port)).count;
}

/** The sweep-duration histogram's count and sum: of one mode (full, incremental), or of both when none is given. */
export async function sweepHistogram(port: number, mode?: 'full' | 'incremental'): Promise<{ count: number; sum: number }> {
  const text = await metricsText(port);
  const total = (series: 'count' | 'sum') => {
    let value = 0;
    for (const match of text.matchAll(new RegExp(`^dvc_alerting_sweep_duration_seconds_${series}\\{([^}]*)\\} (\\S+)`, 'gm'))) {
      if (mode === undefined || match[1].includes(`mode="${mode}"`)) value += Number(match[2]);
    }
    return value;
  };
  return { count: total('count'), sum: total('sum') };
}

export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string, exited: () => boolean = () => false): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exited()) throw new Error(`the service exited while waiting for ${what}`);
    try {
      if (await probe()) return;
    } catch {
      // not answering yet
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(postgresUrl: string, name: string): Promise<void> {
  await withClient(`${postgresUrl}/postgres`, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export async function recreateDatabase(postgresUrl: string, name: string): Promise<void> {
  await dropDatabase(postgresUrl, name);
}

export async function createTopics(kafka: Kafka, names: string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, names: string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: names });
  } catch {
    // best effort
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

import { kafkaClient } from './infrastructure';
import { visibleEnds } from './topic-reads';
import {
  DOSSIER_SPANS_FROM_STATES_SQL,
  INDICATOR_BUCKETS_FROM_STATES_SQL,
  MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL,
  MONTHLY_BUCKETS_FROM_DAYS_SQL,
  MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL,
} from '@dvc/persistence';
import type { TestEnvironment } from './test-environment';
import type { ExpectedCounts } from './ground-truth';

/** The sum of the end offsets of a topic's partitions. */
export async function endOffsetTotal(brokers: string[], topic: string): Promise<number> {
  const admin = kafkaClient('dvc-test', brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((total, partition) => total + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The sum of a consumer group's committed offsets on a topic (a partition with none counts 0). */
export async function committedTotal(brokers: string[], groupId: string, topic: string): Promise<number> {
  const admin = kafkaClient('dvc-test', brokers).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return entry.partitions.reduce((total, partition) => total + Math.max(0, Number(partition.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * True when ingest has committed the whole input topic and the aggregator has applied the whole
 * canonical topic (by the offsets stored in PostgreSQL, its source of truth): on every partition, up to
 * its last record (ingest's transaction markers after it are no records to apply).
 */
export async function pipelineCaughtUp(environment: TestEnvironment, ingestGroup: string): Promise<boolean> {
  const [inputEnd, ingestCommitted] = await Promise.all([
    endOffsetTotal(environment.kafkaBrokers, environment.topics.dossierEvents),
    committedTotal(environment.kafkaBrokers, ingestGroup, environment.topics.dossierEvents),
  ]);
  if (ingestCommitted < inputEnd) return false;
  return aggregatorCaughtUp(environment);
}

/** True when the aggregator's stored offsets reach the last record of every canonical partition. */
export async function aggregatorCaughtUp(environment: TestEnvironment): Promise<boolean> {
  const ends = await visibleEnds(environment.kafkaBrokers, environment.topics.canonicalEvents);
  const rows = await environment.query<{ partition: number; next_offset: string }>(
    `SELECT partition, next_offset FROM consumer_offsets WHERE topic = $1`,
    [environment.topics.canonicalEvents],
  );
  const applied = new Map(rows.map((row) => [row.partition, BigInt(row.next_offset)]));
  return [...ends].every(([partition, end]) => (applied.get(partition) ?? 0n) >= end);
}

/** Counts per (Vietnam month, agency, procedure) straight from the day buckets. */
export async function storedMonthlyCounts(environment: TestEnvironment): Promise<Map<string, ExpectedCounts>> {
  const rows = await environment.query<Record<string, string>>(`
    SELECT to_char(day, 'YYYY-MM') AS month, agency_code, procedure_code,
           sum(received) AS received, sum(received_online) AS "receivedOnline", sum(completed) AS completed,
           sum(completed_on_time) AS "completedOnTime", sum(paid) AS paid, sum(paid_online) AS "paidOnline",
           sum(withdrawn) AS withdrawn
    FROM daily_buckets GROUP BY 1, 2, 3`);
  const counts = new Map<string, ExpectedCounts>();
  for (const row of rows) {
    const item = {
      received: Number(row.received),
      receivedOnline: Number(row.receivedOnline),
      completed: Number(row.completed),
      completedOnTime: Number(row.completedOnTime),
      paid: Number(row.paid),
      paidOnline: Number(row.paidOnline),
      withdrawn: Number(row.withdrawn),
    };
    if (Object.values(item).some((value) => value !== 0)) counts.set(`${row.month}|${row.agency_code}|${row.procedure_code}`, item);
  }
  return counts;
}

export function withoutEmptyBuckets(counts: Map<string, ExpectedCounts>): Map<string, ExpectedCounts> {
  return new Map([...counts].filter(([, item]) => Object.values(item).some((value) => value !== 0)));
}

/**
 * The indicator ledger as the aggregator keeps it, and as recomputed in SQL from the dossier states alone
 * (the rows that net to something), each as sorted text lines: equal when the incremental upkeep was exact.
 */
export async function indicatorLedgerBothWays(environment: TestEnvironment): Promise<{ stored: string[]; recomputed: string[] }> {
  const lines = (rows: Array<Record<string, unknown>>) => rows.map((row) => Object.values(row).map(String).join('|')).sort();
  const bucketColumns = `to_char(day, 'YYYY-MM-DD'), agency_code, procedure_code, received_with_payment, received_paid_online, resolved, resolution_seconds`;
  const spanColumns = `agency_code, procedure_code, to_char(received_day, 'YYYY-MM-DD'), to_char(due_day, 'YYYY-MM-DD'), to_char(closed_day, 'YYYY-MM-DD'), dossiers`;
  const stored = [
    ...lines(await environment.query(`SELECT 'bucket', ${bucketColumns} FROM indicator_buckets
       WHERE received_with_payment <> 0 OR received_paid_online <> 0 OR resolved <> 0 OR resolution_seconds <> 0`)),
    ...lines(await environment.query(`SELECT 'span', ${spanColumns} FROM dossier_spans WHERE dossiers <> 0`)),
  ];
  const recomputed = [
    ...lines(await environment.query(`SELECT 'bucket', ${bucketColumns} FROM (${INDICATOR_BUCKETS_FROM_STATES_SQL}) b`)),
    ...lines(await environment.query(`SELECT 'span', ${spanColumns} FROM (${DOSSIER_SPANS_FROM_STATES_SQL}) s`)),
  ];
  return { stored, recomputed };
}

/**
 * The month roll-ups as the aggregator keeps them, and as summed from the day rows (the rows that net to
 * something), as sorted text lines: equal when every batch added to both in its transaction.
 */
export async function monthlyRollUpsBothWays(environment: TestEnvironment): Promise<{ stored: string[]; recomputed: string[] }> {
  const lines = (rows: Array<Record<string, unknown>>) => rows.map((row) => Object.values(row).map(String).join('|')).sort();
  const bucketColumns = `'rates', to_char(month, 'YYYY-MM-DD'), agency_code, procedure_code, received, received_online, completed, completed_on_time, paid, paid_online, withdrawn`;
  const agencyColumns = `'agencies', to_char(month, 'YYYY-MM-DD'), agency_code, received, received_online, completed, completed_on_time, paid, paid_online, withdrawn`;
  const indicatorColumns = `'indicators', to_char(month, 'YYYY-MM-DD'), agency_code, procedure_code, received_with_payment, received_paid_online, resolved, resolution_seconds`;
  const stored = [
    ...lines(await environment.query(`SELECT ${bucketColumns} FROM monthly_buckets
       WHERE received <> 0 OR received_online <> 0 OR completed <> 0 OR completed_on_time <> 0 OR paid <> 0 OR paid_online <> 0 OR withdrawn <> 0`)),
    ...lines(await environment.query(`SELECT ${agencyColumns} FROM monthly_agency_buckets
       WHERE received <> 0 OR received_online <> 0 OR completed <> 0 OR completed_on_time <> 0 OR paid <> 0 OR paid_online <> 0 OR withdrawn <> 0`)),
    ...lines(await environment.query(`SELECT ${indicatorColumns} FROM monthly_indicator_buckets
       WHERE received_with_payment <> 0 OR received_paid_online <> 0 OR resolved <> 0 OR resolution_seconds <> 0`)),
  ];
  const recomputed = [
    ...lines(await environment.query(`SELECT ${bucketColumns} FROM (${MONTHLY_BUCKETS_FROM_DAYS_SQL}) m`)),
    ...lines(await environment.query(`SELECT ${agencyColumns} FROM (${MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL}) m`)),
    ...lines(await environment.query(`SELECT ${indicatorColumns} FROM (${MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL}) m`)),
  ];
  return { stored, recomputed };
}

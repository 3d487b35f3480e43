import { kafkaClient } from './infrastructure';
import type { TestEnvironment } from './test-environment';
import type { ExpectedCounts } from './ground-truth';

async function endOffsetTotal(brokers: string[], topic: string): Promise<number> {
  const admin = kafkaClient('dvc-test', brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((total, partition) => total + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function committedTotal(brokers: string[], groupId: string, topic: string): Promise<number> {
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
 * canonical topic (by the offsets stored in PostgreSQL, its source of truth).
 */
export async function pipelineCaughtUp(environment: TestEnvironment, ingestGroup: string): Promise<boolean> {
  const [inputEnd, ingestCommitted] = await Promise.all([
    endOffsetTotal(environment.kafkaBrokers, environment.topics.dossierEvents),
    committedTotal(environment.kafkaBrokers, ingestGroup, environment.topics.dossierEvents),
  ]);
  if (ingestCommitted < inputEnd) return false;
  const canonicalEnd = await endOffsetTotal(environment.kafkaBrokers, environment.topics.canonicalEvents);
  const [row] = await environment.query<{ applied: string }>(
    `SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets WHERE topic = $1`,
    [environment.topics.canonicalEvents],
  );
  return Number(row.applied) >= canonicalEnd;
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

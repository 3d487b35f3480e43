import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/**
 * Reading a topic to its end as a read_committed reader sees it, for checks (tests, benchmarks, tools). Offsets are
 * not counts on a topic that transactional producers write (ingest's canonical and dead-letter topics): each
 * transaction leaves a commit or abort marker after its records on every partition it wrote, and aborted records stay
 * in the log, hidden. So a reader is at a partition's end when its position (past markers and hidden records: kafkajs's
 * batch events) reaches the end offset, not when a record at end − 1 arrives; and one past the last record a reader
 * sees is the partition's "visible end".
 */

/** A partition's range to read: from `from` (included) to `end` (excluded). */
export interface PartitionRange {
  from: bigint;
  end: bigint;
}

export interface TopicScanOptions {
  /** Fail when an end is not reached in time (an open transaction holds a read_committed reader back until it ends). */
  timeoutMs?: number;
  /** Every record written, aborted ones too (default: read_committed). */
  readUncommitted?: boolean;
  clientGroupPrefix?: string;
}

/** Each partition's low and high offsets (high: the end offset, markers included). */
export async function partitionOffsets(kafka: Kafka, topic: string): Promise<Array<{ partition: number; low: bigint; high: bigint }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((entry) => ({ partition: entry.partition, low: BigInt(entry.low), high: BigInt(entry.high) }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Hands every record of `topic` in the given ranges to `onRecord`, partition by partition in offset order; `ranges`
 * names every partition (an empty range is not read). Uses a consumer group of its own, committing nothing.
 */
export async function scanTopic(
  kafka: Kafka,
  topic: string,
  ranges: ReadonlyMap<number, PartitionRange>,
  onRecord: (partition: number, message: KafkaMessage) => void,
  { timeoutMs = 120_000, readUncommitted = false, clientGroupPrefix = 'dvc-scan' }: TopicScanOptions = {},
): Promise<void> {
  const pending = new Set([...ranges].filter(([, range]) => range.from < range.end).map(([partition]) => partition));
  if (pending.size === 0) return;
  const consumer = kafka.consumer({ groupId: `${clientGroupPrefix}-${topic}-${randomBytes(4).toString('hex')}`, readUncommitted, maxBytesPerPartition: 4 * 1024 * 1024 });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // A batch's events carry the position past everything it held, markers and aborted records included.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const range = ranges.get(payload.partition);
    if (range && payload.lastOffset !== null && BigInt(payload.lastOffset) + 1n >= range.end) pending.delete(payload.partition);
    if (pending.size === 0) finish();
  });
  let timer: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = ranges.get(batch.partition);
        if (!range) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset >= range.from && offset < range.end) onRecord(batch.partition, message);
        }
      },
    });
    for (const [partition, range] of ranges) if (range.from > 0n && range.from < range.end) consumer.seek({ topic, partition, offset: range.from.toString() });
    const idle = [...ranges.keys()].filter((partition) => !pending.has(partition));
    if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    if ((await Promise.race([finished, timedOut])) === 'timeout') {
      const missing = [...pending].map((partition) => `${partition} (end ${ranges.get(partition)!.end})`);
      throw new Error(`the read of ${topic} did not reach the end of partitions ${missing.join(', ')} within ${timeoutMs} ms`);
    }
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

/** Every partition of `topic` from its low offset to the end offset the broker gives now. */
export async function wholeTopicRanges(kafka: Kafka, topic: string): Promise<Map<number, PartitionRange>> {
  return new Map((await partitionOffsets(kafka, topic)).map(({ partition, low, high }) => [partition, { from: low, end: high }]));
}

/**
 * Per partition, one past the last record a read_committed reader sees (0 for none): where a consumer that applied
 * everything stands by its own count (the aggregator's stored next offsets). Read from the tail, further back while
 * the tail holds nothing visible.
 */
export async function visibleEnds(kafka: Kafka, topic: string, options: TopicScanOptions = {}): Promise<Map<number, bigint>> {
  const offsets = await partitionOffsets(kafka, topic);
  const ends = new Map<number, bigint>();
  let unknown = offsets;
  for (let window = 64n; unknown.length > 0; window *= 16n) {
    const tail = ({ low, high }: { low: bigint; high: bigint }) => (high - window > low ? high - window : low);
    const ranges = new Map(offsets.map((entry) => [entry.partition, { from: unknown.includes(entry) ? tail(entry) : entry.high, end: entry.high }]));
    // In offset order: the last record of a partition is the one that stays.
    await scanTopic(kafka, topic, ranges, (partition, message) => ends.set(partition, BigInt(message.offset) + 1n), { timeoutMs: 30_000, ...options });
    // A tail with nothing visible (markers, aborted records): further back, unless the read began at the start.
    unknown = unknown.filter(({ partition, low }) => !ends.has(partition) && ranges.get(partition)!.from > low);
  }
  for (const { partition } of offsets) if (!ends.has(partition)) ends.set(partition, 0n);
  return ends;
}

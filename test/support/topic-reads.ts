import { scanTopic, visibleEnds as visibleEndsOf, wholeTopicRanges } from '@dvc/messaging';
import { kafkaClient } from './infrastructure';

/**
 * Final reads of topics, as a read_committed reader (kafkajs's default) sees them, on the test's broker: offsets are
 * not counts where ingest's transactions leave markers and aborted records (libs/messaging/src/topic-scan.ts).
 */

export interface TopicRecord {
  partition: number;
  offset: bigint;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** The record's timestamp (epoch ms; the producer's create time). */
  timestamp: number;
}

/**
 * Every record of `topic` (read_committed; every record written with `readUncommitted`), from the beginning up to the
 * end offsets the broker gave when called: a final read. Fails when the end is not reached in time.
 */
export async function readWholeTopic(brokers: string[], topic: string, timeoutMs = 120_000, readUncommitted = false): Promise<TopicRecord[]> {
  const kafka = kafkaClient('dvc-test-checker', brokers);
  const records: TopicRecord[] = [];
  await scanTopic(
    kafka,
    topic,
    await wholeTopicRanges(kafka, topic),
    (partition, message) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(Array.isArray(value) ? value[0] : value);
      records.push({ partition, offset: BigInt(message.offset), key: message.key?.toString() ?? null, value: message.value, headers, timestamp: Number(message.timestamp) });
    },
    { timeoutMs, readUncommitted, clientGroupPrefix: 'checker' },
  );
  return records.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}

/** Per partition of `topic`, one past its last visible record (0 for none). */
export function visibleEnds(brokers: string[], topic: string): Promise<Map<number, bigint>> {
  return visibleEndsOf(kafkaClient('dvc-test-reader', brokers), topic);
}

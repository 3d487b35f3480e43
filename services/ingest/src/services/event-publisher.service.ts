import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IHeaders, Kafka, Message, Producer } from 'kafkajs';
import { DossierEvent, encodeCanonical, HEADERS, Rejection } from '@dvc/contracts';
import { KeyHashPartitioner } from '@dvc/messaging';
import { IngestConfig } from '../ingest-config';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { rejectedEventSource, SourceLabels, tally } from '../metrics/source-labels';
import { KAFKA } from '../tokens';

export type Transport = 'kafka' | 'http';

/**
 * Most bytes (keys, values, headers) sent in one produce request. A batch consumed from the public
 * topic holds up to 2 MB per partition, and since both topics are keyed by dossier code with the same
 * partitioner and partition count, all of it goes to one canonical partition: as a single record batch
 * it would exceed the broker's `message.max.bytes` (1 MB by default), which kafkajs treats as
 * non-retriable, stopping the consumer for good. Chunks of this size stay well under the limit; an
 * event is at most 64 KB (LIMITS.eventBytes), so a chunk always holds at least one.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

export interface DeadLetter {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: IHeaders;
  rejection: Rejection;
  /** Where the event was read, for Kafka; absent for HTTP. */
  origin?: { topic: string; partition: number; offset: string };
  /** The sender, when known without reading the event (HTTP: the API key's source); else read from it. */
  source?: string;
}

/**
 * The counts of one batch for `dvc_ingest_events_total`, per outcome and bounded source label: one
 * increment per label set and batch, not one per message.
 */
export function eventCounts(accepted: DossierEvent[], deadLetters: DeadLetter[], labels: SourceLabels): Array<{ outcome: 'accepted' | 'rejected'; source: string; count: number }> {
  const acceptedBySource = new Map<string, number>();
  for (const event of accepted) tally(acceptedBySource, labels.label(event.source));
  const rejectedBySource = new Map<string, number>();
  for (const letter of deadLetters) tally(rejectedBySource, labels.label(letter.source ?? rejectedEventSource(letter.value, letter.headers)));
  return [
    ...[...acceptedBySource].map(([source, count]) => ({ outcome: 'accepted' as const, source, count })),
    ...[...rejectedBySource].map(([source, count]) => ({ outcome: 'rejected' as const, source, count })),
  ];
}

/**
 * Writes accepted events to the canonical topic (keyed by dossier code, so that one dossier is
 * always applied by one aggregator partition) and rejected ones to the dead-letter topic with their
 * original bytes and the reason. For the HTTP intake, with an idempotent producer and acks from all
 * replicas: an event the caller is told was accepted is durable in Kafka. The Kafka intake sends the
 * same records (produceRequests) in transactions instead (TransactionalBatchPublisher).
 */
@Injectable()
export class EventPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly producer: Producer;
  private readonly canonicalTopic: string;
  private readonly deadLetterTopic: string;
  private readonly sourceLabels = new SourceLabels();

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    config: ConfigService<IngestConfig, true>,
    private readonly metrics: IngestMetrics,
  ) {
    // KeyHashPartitioner: the same partitions as kafkajs's default partitioner, computed faster.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: KeyHashPartitioner,
    });
    this.canonicalTopic = config.get('TOPIC_CANONICAL_EVENTS', { infer: true });
    this.deadLetterTopic = config.get('TOPIC_DEAD_LETTER', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }

  /** HTTP intake: one batch of events, written with the idempotent producer (no transaction: nothing was consumed). */
  async publish(transport: Transport, accepted: DossierEvent[], deadLetters: DeadLetter[]): Promise<void> {
    const requests = this.produceRequests(transport, accepted, deadLetters);
    if (requests.length === 0) return;
    // One request after the other, in order: each dossier's events keep their order.
    for (const topicMessages of requests) await this.producer.sendBatch({ topicMessages, acks: -1 });
    this.countPublished(transport, accepted, deadLetters);
  }

  /**
   * The canonical and dead-letter records of a batch, as produce requests of at most MAX_REQUEST_BYTES each (by
   * topic), to be sent one after the other in this order; none for an empty batch.
   */
  produceRequests(transport: Transport, accepted: DossierEvent[], deadLetters: DeadLetter[]): Array<Array<{ topic: string; messages: Message[] }>> {
    const ingestedAt = String(Date.now());
    const outgoing: Array<{ topic: string; message: Message }> = [
      ...accepted.map((event) => ({
        topic: this.canonicalTopic,
        message: {
          key: event.dossierCode,
          value: encodeCanonical(event),
          headers: { [HEADERS.ingestChannel]: transport, [HEADERS.ingestedAt]: ingestedAt },
        },
      })),
      ...deadLetters.map((letter) => ({ topic: this.deadLetterTopic, message: this.deadLetterMessage(transport, letter) })),
    ];
    return chunksOf(outgoing, MAX_REQUEST_BYTES).map(byTopic);
  }

  /** `dvc_ingest_events_total` and `dvc_ingest_dead_letters_total` for a batch once it is in Kafka (committed). */
  countPublished(transport: Transport, accepted: DossierEvent[], deadLetters: DeadLetter[]): void {
    for (const { outcome, source, count } of eventCounts(accepted, deadLetters, this.sourceLabels)) {
      this.metrics.events.inc({ transport, outcome, source }, count);
    }
    for (const letter of deadLetters) this.metrics.deadLetters.inc({ transport, field: letter.rejection.field ?? 'body' });
  }

  private deadLetterMessage(transport: Transport, letter: DeadLetter): Message {
    const headers: IHeaders = {
      ...letter.headers,
      [HEADERS.rejectionReason]: letter.rejection.reason,
      [HEADERS.ingestChannel]: transport,
    };
    if (letter.rejection.field) headers[HEADERS.rejectionField] = letter.rejection.field;
    if (letter.origin) {
      headers[HEADERS.originalTopic] = letter.origin.topic;
      headers[HEADERS.originalPartition] = String(letter.origin.partition);
      headers[HEADERS.originalOffset] = letter.origin.offset;
    }
    return { key: letter.key, value: letter.value, headers };
  }
}

/** Consecutive runs of messages whose sizes add up to at most `maxBytes` (one message alone may exceed it). */
export function chunksOf<T extends { message: Message }>(items: T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = messageBytes(item.message);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** A message's key, value and headers in bytes, plus the record's own overhead (a generous 64). */
function messageBytes({ key, value, headers }: Message): number {
  let size = 64 + byteLength(key) + byteLength(value);
  for (const [name, header] of Object.entries(headers ?? {})) {
    size += Buffer.byteLength(name);
    for (const item of Array.isArray(header) ? header : [header]) size += byteLength(item);
  }
  return size;
}

function byteLength(data: Buffer | string | null | undefined): number {
  return data == null ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

function byTopic(chunk: Array<{ topic: string; message: Message }>): Array<{ topic: string; messages: Message[] }> {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of chunk) {
    const messages = topics.get(topic);
    if (messages) messages.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

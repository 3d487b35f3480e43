import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IHeaders, Kafka, Message, Producer } from 'kafkajs';
import { DossierEvent, encodeCanonical, HEADERS, Rejection } from '@dvc/contracts';
import { IngestConfig } from '../ingest-config';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { KAFKA } from '../tokens';

export type Transport = 'kafka' | 'http';

export interface DeadLetter {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: IHeaders;
  rejection: Rejection;
  /** Where the event was read, for Kafka; absent for HTTP. */
  origin?: { topic: string; partition: number; offset: string };
}

/**
 * Writes accepted events to the canonical topic (keyed by dossier code, so that one dossier is
 * always applied by one aggregator partition) and rejected ones to the dead-letter topic with their
 * original bytes and the reason. Idempotent producer with acks from all replicas: an event the
 * caller is told was accepted is durable in Kafka.
 */
@Injectable()
export class EventPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly producer: Producer;
  private readonly canonicalTopic: string;
  private readonly deadLetterTopic: string;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    config: ConfigService<IngestConfig, true>,
    private readonly metrics: IngestMetrics,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.canonicalTopic = config.get('TOPIC_CANONICAL_EVENTS', { infer: true });
    this.deadLetterTopic = config.get('TOPIC_DEAD_LETTER', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }

  async publish(transport: Transport, accepted: DossierEvent[], deadLetters: DeadLetter[]): Promise<void> {
    const ingestedAt = String(Date.now());
    const topicMessages = [];
    if (accepted.length > 0) {
      topicMessages.push({
        topic: this.canonicalTopic,
        messages: accepted.map(
          (event): Message => ({
            key: event.dossierCode,
            value: encodeCanonical(event),
            headers: { [HEADERS.ingestChannel]: transport, [HEADERS.ingestedAt]: ingestedAt },
          }),
        ),
      });
    }
    if (deadLetters.length > 0) {
      topicMessages.push({ topic: this.deadLetterTopic, messages: deadLetters.map((letter) => this.deadLetterMessage(transport, letter)) });
    }
    if (topicMessages.length === 0) return;
    await this.producer.sendBatch({ topicMessages, acks: -1 });
    this.metrics.events.inc({ transport, outcome: 'accepted' }, accepted.length);
    this.metrics.events.inc({ transport, outcome: 'rejected' }, deadLetters.length);
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

import type { Kafka, Message, Producer } from 'kafkajs';
import { CloudEventV1, encodeBinary, encodeStructured, MEDIA_TYPES } from '@dvc/contracts';
import { hashString } from '../model/random';
import { KeyHashPartitioner } from '@dvc/messaging';
import { EventSink, SendResult } from './event-sink';

/**
 * An idempotent producer with acks from all in-sync replicas: a retried batch is written once, and a
 * dossier's events keep their order on its partition. One request in flight, as KIP-98 requires, and
 * retries without end (as idempotence expects): through a broker outage a send waits, and resumes
 * when Kafka is back, like a one-stop system catching up.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: KeyHashPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 30_000 },
  });
}

/**
 * The CloudEvents Kafka binding, keyed by dossier code. Which events go in binary mode depends on the
 * event id alone, so a re-sent event travels in the same mode as the first time.
 */
export function toKafkaMessage(event: CloudEventV1, binaryShare: number): Message {
  if (binaryShare > 0 && hashString(event.id) % 10_000 < binaryShare * 10_000) {
    const { value, headers } = encodeBinary(event);
    return { key: event.subject, value, headers };
  }
  return { key: event.subject, value: encodeStructured(event), headers: { 'content-type': MEDIA_TYPES.cloudEvent } };
}

export class KafkaSink implements EventSink {
  readonly name = 'kafka';
  private connected: Promise<void> | null = null;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly binaryShare: number,
  ) {}

  /** Connects on first use and again after a failure, so a broker outage does not end the stream. */
  async send(events: readonly CloudEventV1[]): Promise<SendResult> {
    if (events.length === 0) return { accepted: 0, rejected: 0, failed: 0 };
    try {
      this.connected ??= this.producer.connect();
      await this.connected;
      const messages = events.map((event) => toKafkaMessage(event, this.binaryShare));
      await this.producer.sendBatch({ topicMessages: [{ topic: this.topic, messages }], acks: -1 });
      return { accepted: events.length, rejected: 0, failed: 0 };
    } catch (error) {
      this.connected = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { BucketDelta } from '@dvc/domain';
import { AggregatorConfig } from '../aggregator-config';
import { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { KAFKA } from '../tokens';

/** One message of `dvc.rate-changes.v1`: an agency's buckets that one committed batch changed. */
export interface RateChangeMessage {
  agencyCode: string;
  /** When the aggregator committed the change to PostgreSQL (ISO 8601, UTC). */
  committedAt: string;
  /** Per bucket, the change of each counter (negative when a correction moved a dossier away). */
  changes: Array<Omit<BucketDelta, 'agencyCode'>>;
}

/** Groups a batch's changed buckets by agency, one message per agency, keyed by the agency code. */
export function rateChangeMessages(changed: BucketDelta[], committedAt: Date): Message[] {
  const byAgency = new Map<string, RateChangeMessage['changes']>();
  for (const { agencyCode, ...change } of changed) {
    const changes = byAgency.get(agencyCode);
    if (changes) changes.push(change);
    else byAgency.set(agencyCode, [change]);
  }
  const at = committedAt.toISOString();
  return [...byAgency].map(([agencyCode, changes]) => ({
    key: agencyCode,
    value: JSON.stringify({ agencyCode, committedAt: at, changes } satisfies RateChangeMessage),
  }));
}

/**
 * Announces, after each committed batch, which buckets changed, so that alerting evaluates while the
 * numbers are fresh. A notice, not a record: PostgreSQL holds the counts. A notice lost to a crash
 * between the commit and the send, or to Kafka being down, delays an evaluation until alerting's
 * periodic sweep; it never changes a number, so a failure here is logged and counted, not retried.
 */
@Injectable()
export class RateChangePublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RateChangePublisher.name);
  private readonly producer: Producer;
  private readonly topic: string;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    config: ConfigService<AggregatorConfig, true>,
    private readonly metrics: AggregatorMetrics,
  ) {
    this.topic = config.get('TOPIC_RATE_CHANGES', { infer: true });
    this.producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 3 } });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }

  async publish(changed: BucketDelta[]): Promise<void> {
    if (changed.length === 0) return;
    const messages = rateChangeMessages(changed, new Date());
    try {
      await this.producer.send({ topic: this.topic, messages, acks: -1 });
      this.metrics.rateChangeMessages.inc({ outcome: 'sent' }, messages.length);
    } catch (error) {
      this.metrics.rateChangeMessages.inc({ outcome: 'failed' }, messages.length);
      this.logger.warn({ error: String(error), messages: messages.length }, 'rate changes not announced; the periodic sweep will see them');
    }
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { HEADERS } from '@dvc/contracts';
import { exitWhenConsumerGivesUp, headerText } from '@dvc/messaging';
import { AggregatorConfig } from '../aggregator-config';
import { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { AggregationRepository } from '../repositories/aggregation.repository';
import { BatchApplier } from '../services/batch-applier.service';
import { RateChangePublisher } from '../services/rate-change-publisher.service';
import { KAFKA } from '../tokens';

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * Reads the canonical topic in batches (kafkajs directly: the Nest transport hands over one message
 * at a time) and applies each batch in one PostgreSQL transaction. PostgreSQL holds the truth about
 * what was applied; Kafka's committed offsets, written only after PostgreSQL commits, are a hint.
 */
@Injectable()
export class CanonicalEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CanonicalEventsConsumer.name);
  private readonly consumer: Consumer;
  private readonly group: string;
  private readonly topic: string;
  private readonly partitionsConsumedConcurrently: number;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    config: ConfigService<AggregatorConfig, true>,
    private readonly applier: BatchApplier,
    private readonly rateChanges: RateChangePublisher,
    private readonly repository: AggregationRepository,
    private readonly metrics: AggregatorMetrics,
  ) {
    this.group = config.get('AGGREGATOR_GROUP_ID', { infer: true });
    this.topic = config.get('TOPIC_CANONICAL_EVENTS', { infer: true });
    this.consumer = kafka.consumer({
      groupId: this.group,
      maxBytesPerPartition: config.get('AGGREGATOR_MAX_BYTES_PER_PARTITION', { infer: true }),
      maxBytes: 4 * config.get('AGGREGATOR_MAX_BYTES_PER_PARTITION', { infer: true }),
      retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.partitionsConsumedConcurrently = config.get('AGGREGATOR_PARTITIONS_CONCURRENCY', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    exitWhenConsumerGivesUp(this.consumer, this.logger, 'canonical events consumer');
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    // On every assignment, start each partition where PostgreSQL says it stopped, not where Kafka's
    // (older) committed offset says: nothing is re-read for nothing after a crash.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      void this.seekToStoredOffsets(payload.memberAssignment[this.topic] ?? []);
    });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.logger.log({ topic: this.topic, group: this.group }, 'consuming canonical events');
  }

  async onApplicationShutdown(): Promise<void> {
    // Waits for the batch in flight to commit, then leaves the group.
    await this.consumer.disconnect();
  }

  private async seekToStoredOffsets(partitions: number[]): Promise<void> {
    try {
      const stored = await this.repository.nextOffsets(this.group, this.topic);
      for (const partition of partitions) {
        const offset = stored.get(partition);
        if (offset !== undefined && offset > 0n) this.consumer.seek({ topic: this.topic, partition, offset: offset.toString() });
      }
    } catch (error) {
      // Harmless: the batch applier skips what PostgreSQL has already applied.
      this.logger.warn({ error: String(error) }, 'could not seek to stored offsets; relying on Kafka offsets');
    }
  }

  private async handleBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isStale }: EachBatchPayload) {
    if (batch.messages.length === 0 || isStale()) return;
    const partition = { group: this.group, topic: batch.topic, partition: batch.partition };
    const stopTimer = this.metrics.batchDuration.startTimer();
    const outcome = await this.withRetries(() => this.applier.apply(partition, batch.messages));
    stopTimer();
    // After PostgreSQL committed (the numbers are final), before Kafka's commit (a hint).
    await this.rateChanges.publish(outcome.changedBuckets);

    const lastOffset = batch.messages[batch.messages.length - 1].offset;
    resolveOffset(lastOffset);
    await commitOffsetsIfNecessary();
    await heartbeat();

    this.metrics.batchSize.observe(batch.messages.length);
    this.metrics.events.inc({ outcome: 'applied' }, outcome.applied);
    this.metrics.events.inc({ outcome: 'unchanged' }, outcome.unchanged);
    this.metrics.events.inc({ outcome: 'already_applied' }, outcome.alreadyApplied);
    if (outcome.undecodable) this.metrics.events.inc({ outcome: 'undecodable' }, outcome.undecodable);
    this.metrics.consumerLag.set(
      { group: this.group, topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(lastOffset) - 1n)),
    );
    this.observeLatency(batch.messages);
  }

  private observeLatency(messages: EachBatchPayload['batch']['messages']): void {
    const now = Date.now();
    for (const message of messages) {
      const ingestedAt = Number(headerText(message.headers?.[HEADERS.ingestedAt]));
      if (ingestedAt > 0) this.metrics.eventToCountLatency.observe(Math.max(0, now - ingestedAt) / 1000);
    }
  }

  private async withRetries<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
        if (!code || !RETRYABLE_SQLSTATES.has(code) || attempt >= 5) throw error;
        this.metrics.transactionRetries.inc();
      }
    }
  }
}

import { Controller, UseFilters } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { HEADERS } from '@dvc/contracts';
import { assignmentPattern, headerText, KafkaAssignment, KafkaBatchContext, KafkaBatchTransportOptions, RethrowToKafka, StartOffsets } from '@dvc/messaging';
import { AggregatorConfig } from '../aggregator-config';
import { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { AggregationRepository } from '../repositories/aggregation.repository';
import { BatchApplier } from '../services/batch-applier.service';
import { RateChangePublisher } from '../services/rate-change-publisher.service';

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']); // serialization failure, deadlock

/** The `@EventPattern` of the canonical topic's batches. */
export const CANONICAL_EVENTS = 'canonical-events';

/** The aggregator's subscription of the batch transport (libs/messaging): the canonical topic, from the beginning. */
export function aggregatorTransportOptions(kafka: Kafka, config: ConfigService<AggregatorConfig, true>): KafkaBatchTransportOptions {
  const maxBytesPerPartition = config.get('AGGREGATOR_MAX_BYTES_PER_PARTITION', { infer: true });
  return {
    kafka,
    subscriptions: [
      {
        pattern: CANONICAL_EVENTS,
        description: 'canonical events consumer',
        groupId: config.get('AGGREGATOR_GROUP_ID', { infer: true }),
        topics: [config.get('TOPIC_CANONICAL_EVENTS', { infer: true })],
        fromBeginning: true,
        partitionsConsumedConcurrently: config.get('AGGREGATOR_PARTITIONS_CONCURRENCY', { infer: true }),
        consumer: { maxBytesPerPartition, maxBytes: 4 * maxBytesPerPartition },
      },
    ],
  };
}

/**
 * Applies each batch of the canonical topic in one PostgreSQL transaction. PostgreSQL holds the truth about what was
 * applied; Kafka's committed offsets, written only after PostgreSQL commits, are a hint.
 */
@Controller()
@UseFilters(RethrowToKafka)
export class CanonicalEventsController {
  constructor(
    private readonly applier: BatchApplier,
    private readonly rateChanges: RateChangePublisher,
    private readonly repository: AggregationRepository,
    private readonly metrics: AggregatorMetrics,
  ) {}

  /**
   * On every assignment, each partition starts where PostgreSQL says it stopped, not where Kafka's (older) committed
   * offset says: nothing is re-read for nothing after a crash. (Were this to fail, the batch applier still skips what
   * PostgreSQL has already applied.)
   */
  @EventPattern(assignmentPattern(CANONICAL_EVENTS))
  async startAtStoredOffsets(@Payload() assignment: KafkaAssignment): Promise<StartOffsets> {
    return this.repository.nextOffsets(assignment.groupId, assignment.topic);
  }

  @EventPattern(CANONICAL_EVENTS)
  async applyBatch(@Payload() messages: KafkaMessage[], @Ctx() context: KafkaBatchContext): Promise<void> {
    if (context.isStale()) return;
    const partition = { group: context.getGroupId(), topic: context.getTopic(), partition: context.getPartition() };
    const stopTimer = this.metrics.batchDuration.startTimer();
    const outcome = await this.withRetries(() => this.applier.apply(partition, messages));
    stopTimer();
    // After PostgreSQL committed (the numbers are final), before Kafka's commit (a hint).
    await this.rateChanges.publish(outcome.changedBuckets);

    const lastOffset = context.lastOffset()!;
    context.resolveOffset(lastOffset);
    await context.commitOffsetsIfNecessary();
    await context.heartbeat();

    this.metrics.batchSize.observe(messages.length);
    this.metrics.events.inc({ outcome: 'applied' }, outcome.applied);
    this.metrics.events.inc({ outcome: 'unchanged' }, outcome.unchanged);
    this.metrics.events.inc({ outcome: 'already_applied' }, outcome.alreadyApplied);
    if (outcome.undecodable) this.metrics.events.inc({ outcome: 'undecodable' }, outcome.undecodable);
    this.metrics.consumerLag.set(
      { group: partition.group, topic: partition.topic, partition: String(partition.partition) },
      Math.max(0, Number(BigInt(context.getHighWatermark()) - BigInt(lastOffset) - 1n)),
    );
    this.observeLatency(messages);
  }

  private observeLatency(messages: KafkaMessage[]): void {
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

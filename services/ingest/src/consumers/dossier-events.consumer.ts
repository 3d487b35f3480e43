import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { decodeKafkaMessage, DossierEvent } from '@dvc/contracts';
import { IngestConfig } from '../ingest-config';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { DeadLetter, EventPublisher } from '../services/event-publisher.service';
import { exitWhenConsumerGivesUp } from '@dvc/messaging';
import { KAFKA } from '../tokens';

/**
 * Reads the public topic in batches, validates every message, and writes the batch's accepted and
 * rejected events (in produce requests of at most MAX_REQUEST_BYTES) before committing the offsets.
 * A bad message is dead-lettered like any other outcome, so it never holds up the messages behind it.
 * At-least-once: a crash before the commit re-sends the batch, which the aggregator's per-dossier
 * state makes harmless.
 */
@Injectable()
export class DossierEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DossierEventsConsumer.name);
  private readonly consumer: Consumer;
  private readonly group: string;
  private readonly topic: string;
  private readonly partitionsConsumedConcurrently: number;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    config: ConfigService<IngestConfig, true>,
    private readonly publisher: EventPublisher,
    private readonly metrics: IngestMetrics,
  ) {
    this.group = config.get('INGEST_GROUP_ID', { infer: true });
    this.topic = config.get('TOPIC_DOSSIER_EVENTS', { infer: true });
    this.partitionsConsumedConcurrently = config.get('INGEST_PARTITIONS_CONCURRENCY', { infer: true });
    this.consumer = kafka.consumer({
      groupId: this.group,
      maxBytesPerPartition: 2 * 1024 * 1024,
      retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    exitWhenConsumerGivesUp(this.consumer, this.logger, 'dossier events consumer');
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.logger.log({ topic: this.topic, group: this.group }, 'consuming dossier events');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.disconnect();
  }

  private async handleBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isStale }: EachBatchPayload) {
    if (batch.messages.length === 0 || isStale()) return;
    const stopTimer = this.metrics.batchDuration.startTimer({ transport: 'kafka' });
    const accepted: DossierEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of batch.messages) {
      const result = decodeKafkaMessage(message);
      if (result.ok) {
        accepted.push(result.event);
      } else {
        deadLetters.push({
          key: message.key,
          value: message.value,
          headers: message.headers,
          rejection: result.rejection,
          origin: { topic: batch.topic, partition: batch.partition, offset: message.offset },
        });
      }
    }
    await this.publisher.publish('kafka', accepted, deadLetters);
    const lastOffset = batch.messages[batch.messages.length - 1].offset;
    resolveOffset(lastOffset);
    await commitOffsetsIfNecessary();
    await heartbeat();
    stopTimer();
    this.metrics.batchSize.observe({ transport: 'kafka' }, batch.messages.length);
    this.metrics.consumerLag.set(
      { group: this.group, topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(lastOffset) - 1n)),
    );
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { decodeKafkaMessage, DossierEvent, Rejection, sourceKeyOfTopic } from '@dvc/contracts';
import { SOURCE_REJECTIONS } from '@dvc/domain';
import { IngestConfig } from '../ingest-config';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { DeadLetter, EventPublisher } from '../services/event-publisher.service';
import { KafkaSourceDirectory } from '../services/kafka-source-directory.service';
import { SourceAgencyPolicy } from '../services/source-agency-policy.service';
import { exitWhenConsumerGivesUp } from '@dvc/messaging';
import { KAFKA } from '../tokens';

/**
 * Reads the shared input topic and every per-source topic (`<input topic>.<key>`) in batches, validates every message, and writes the batch's accepted and
 * rejected events (in produce requests of at most MAX_REQUEST_BYTES) before committing the offsets.
 * A bad message is dead-lettered like any other outcome, so it never holds up the messages behind it.
 * At-least-once: a crash before the commit re-sends the batch, which the aggregator's per-dossier
 * state makes harmless.
 *
 * The shared topic is for trusted producers (the province's own systems): its events are taken as they are.
 * A per-source topic is written only by its source's broker principal, so the topic names the sender: its
 * events must carry that source's registered CloudEvents `source` and be about the source's agencies, or
 * they are dead-lettered. New per-source topics are picked up every INGEST_SOURCE_REFRESH_MS.
 */
@Injectable()
export class DossierEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DossierEventsConsumer.name);
  private readonly consumer: Consumer;
  private readonly group: string;
  private readonly topic: string;
  private readonly partitionsConsumedConcurrently: number;
  private readonly refreshMs: number;
  private readonly subscribed = new Set<string>();
  private refreshTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    config: ConfigService<IngestConfig, true>,
    private readonly publisher: EventPublisher,
    private readonly metrics: IngestMetrics,
    private readonly sources: KafkaSourceDirectory,
    private readonly agencyPolicy: SourceAgencyPolicy,
  ) {
    this.group = config.get('INGEST_GROUP_ID', { infer: true });
    this.topic = config.get('TOPIC_DOSSIER_EVENTS', { infer: true });
    this.partitionsConsumedConcurrently = config.get('INGEST_PARTITIONS_CONCURRENCY', { infer: true });
    this.refreshMs = config.get('INGEST_SOURCE_REFRESH_MS', { infer: true });
    this.consumer = kafka.consumer({
      groupId: this.group,
      maxBytesPerPartition: 2 * 1024 * 1024,
      retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    exitWhenConsumerGivesUp(this.consumer, this.logger, 'dossier events consumer');
    await this.sources.reload();
    await this.consumer.connect();
    const topics = [this.topic, ...(await this.sourceTopics())];
    await this.consumer.subscribe({ topics, fromBeginning: true });
    for (const topic of topics) this.subscribed.add(topic);
    await this.run();
    this.logger.log({ topics, group: this.group }, 'consuming dossier events');
    this.refreshTimer = setInterval(() => {
      this.refreshing = this.refreshing.then(() => this.refresh()).catch((error: unknown) => {
        this.logger.warn({ error: String(error) }, 'could not refresh the per-source topics; trying again later');
      });
    }, this.refreshMs);
    this.refreshTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.refreshing;
    await this.consumer.disconnect();
  }

  private run(): Promise<void> {
    return this.consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** The per-source topics on the broker (those ingest's principal may describe: its ACL prefix). */
  private async sourceTopics(): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((topic) => sourceKeyOfTopic(this.topic, topic) !== null).sort();
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Reloads the registered sources and, when the broker has per-source topics not yet subscribed, stops the
   * consumer (its in-flight batches finish and commit), subscribes to them and runs again: kafkajs only
   * subscribes while stopped. Committed offsets make the restart lose and repeat nothing.
   */
  private async refresh(): Promise<void> {
    if (this.stopping) return;
    await this.sources.reload();
    const added = (await this.sourceTopics()).filter((topic) => !this.subscribed.has(topic));
    if (added.length === 0 || this.stopping) return;
    await this.consumer.stop();
    await this.consumer.subscribe({ topics: added, fromBeginning: true });
    for (const topic of added) this.subscribed.add(topic);
    await this.run();
    this.logger.log({ added }, 'consuming new per-source topics');
  }

  private async handleBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isStale }: EachBatchPayload) {
    if (batch.messages.length === 0 || isStale()) return;
    const stopTimer = this.metrics.batchDuration.startTimer({ transport: 'kafka' });
    const accepted: DossierEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    const sourceKey = batch.topic === this.topic ? null : sourceKeyOfTopic(this.topic, batch.topic);
    const source = sourceKey === null ? null : await this.sources.find(sourceKey);
    // A per-source topic: the source is the topic's, whatever the events say.
    const topicRejection: Rejection | null =
      sourceKey === null
        ? null
        : !source
          ? { field: null, reason: `${SOURCE_REJECTIONS.unknownSource}: topic ${batch.topic} belongs to no registered source (key ${sourceKey})` }
          : source.revoked
            ? { field: null, reason: `${SOURCE_REJECTIONS.sourceRevoked}: source ${JSON.stringify(source.sourceUri)} (topic ${batch.topic}) was revoked` }
            : null;
    const decoded = batch.messages.map((message) => {
      const result = decodeKafkaMessage(message);
      let rejection = topicRejection ?? (result.ok ? null : result.rejection);
      if (!rejection && result.ok && source && result.event.source !== source.sourceUri) {
        rejection = {
          field: 'source',
          reason: `${SOURCE_REJECTIONS.sourceMismatch}: source must be ${JSON.stringify(source.sourceUri)}, the source registered for topic ${batch.topic}`,
        };
      }
      return { message, event: result.ok && !rejection ? result.event : null, rejection };
    });
    if (source && !topicRejection) {
      const candidates = decoded.filter((entry) => entry.event !== null);
      const rejections = await this.agencyPolicy.check(source, candidates.map((entry) => entry.event!));
      candidates.forEach((entry, index) => {
        if (rejections[index]) entry.rejection = rejections[index];
      });
    }
    for (const { message, event, rejection } of decoded) {
      if (event && !rejection) {
        accepted.push(event);
      } else {
        deadLetters.push({
          key: message.key,
          value: message.value,
          headers: message.headers,
          rejection: rejection!,
          origin: { topic: batch.topic, partition: batch.partition, offset: message.offset },
          ...(source ? { source: source.sourceUri } : {}),
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

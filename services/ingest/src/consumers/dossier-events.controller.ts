import { Controller, UseFilters } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeKafkaMessage, DossierEvent, Rejection, sourceKeyOfTopic } from '@dvc/contracts';
import { SOURCE_REJECTIONS } from '@dvc/domain';
import { KafkaBatchContext, KafkaBatchTransportOptions, KafkaMemberAssignment, memberAssignmentPattern, RethrowToKafka } from '@dvc/messaging';
import { IngestConfig } from '../ingest-config';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { DeadLetter } from '../services/event-publisher.service';
import { KafkaSourceDirectory } from '../services/kafka-source-directory.service';
import { SourceAgencyPolicy } from '../services/source-agency-policy.service';
import { SortedBatch, TransactionalBatchPublisher } from '../services/transactional-batch-publisher.service';

/** The `@EventPattern` of the dossier-event topics' batches. */
export const DOSSIER_EVENTS = 'dossier-events';

/**
 * Ingest's subscription of the batch transport (libs/messaging): the shared input topic and every per-source topic
 * (`<input topic>.<key>`, those ingest's principal may describe: its ACL prefix), looked for again, with the
 * registered sources reloaded, every INGEST_SOURCE_REFRESH_MS.
 */
export function ingestTransportOptions(kafka: Kafka, config: ConfigService<IngestConfig, true>, sources: KafkaSourceDirectory): KafkaBatchTransportOptions {
  const inputTopic = config.get('TOPIC_DOSSIER_EVENTS', { infer: true });
  const topics = async () => {
    await sources.reload();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const sourceTopics = (await admin.listTopics()).filter((topic) => sourceKeyOfTopic(inputTopic, topic) !== null).sort();
      return [inputTopic, ...sourceTopics];
    } finally {
      await admin.disconnect();
    }
  };
  return {
    kafka,
    subscriptions: [
      {
        pattern: DOSSIER_EVENTS,
        description: 'dossier events consumer',
        groupId: config.get('INGEST_GROUP_ID', { infer: true }),
        topics,
        refreshTopicsMs: config.get('INGEST_SOURCE_REFRESH_MS', { infer: true }),
        fromBeginning: true,
        partitionsConsumedConcurrently: config.get('INGEST_PARTITIONS_CONCURRENCY', { infer: true }),
        // Each batch's transaction commits its offsets (TransactionalBatchPublisher); the consumer commits none.
        offsetCommits: 'transaction',
        consumer: { maxBytesPerPartition: 2 * 1024 * 1024 },
      },
    ],
  };
}

/**
 * Validates every message of a batch of the shared input topic or of a per-source topic, and writes the batch's
 * accepted and rejected events (in produce requests of at most MAX_REQUEST_BYTES) and its consumed offsets in one
 * Kafka transaction (TransactionalBatchPublisher). A bad message is dead-lettered like any other outcome, so it never
 * holds up the messages behind it.
 * Exactly-once from the input topics to the canonical and dead-letter topics, for their read_committed readers: a
 * crash or a failure before the commit aborts the transaction (its records are never visible) and the batch is
 * redelivered; a zombie instance is fenced by the partition's transactional id. (An event sent twice by its source is
 * two input messages, and passed on twice: the aggregator's per-dossier state makes that harmless.)
 *
 * The shared topic is for trusted producers (the province's own systems): its events are taken as they are.
 * A per-source topic is written only by its source's broker principal, so the topic names the sender: its
 * events must carry that source's registered CloudEvents `source` and be about the source's agencies, or
 * they are dead-lettered.
 */
@Controller()
@UseFilters(RethrowToKafka)
export class DossierEventsController {
  private readonly topic: string;

  constructor(
    config: ConfigService<IngestConfig, true>,
    private readonly transactions: TransactionalBatchPublisher,
    private readonly metrics: IngestMetrics,
    private readonly sources: KafkaSourceDirectory,
    private readonly agencyPolicy: SourceAgencyPolicy,
  ) {
    this.topic = config.get('TOPIC_DOSSIER_EVENTS', { infer: true });
  }

  /** On every group join: the transactional producers of partitions this member lost are let go. */
  @EventPattern(memberAssignmentPattern(DOSSIER_EVENTS))
  async letGoOfLostPartitions(@Payload() event: KafkaMemberAssignment): Promise<void> {
    await this.transactions.keepOnly(event.assignment);
  }

  @EventPattern(DOSSIER_EVENTS)
  async handleBatch(@Payload() messages: KafkaMessage[], @Ctx() context: KafkaBatchContext): Promise<void> {
    if (context.isStale()) return;
    const input = { groupId: context.getGroupId(), topic: context.getTopic(), partition: context.getPartition() };
    const stopTimer = this.metrics.batchDuration.startTimer({ transport: 'kafka' });
    const handled = await this.transactions.publishBatch(input, messages, (fresh) => this.sortOut(input.topic, input.partition, fresh));
    if (handled === null) return; // another member's partition now: its producer handles it
    // Committed (or covered by an earlier commit): the consumer fetches on from here.
    const lastOffset = context.lastOffset()!;
    context.resolveOffset(lastOffset);
    await context.heartbeat();
    stopTimer();
    this.metrics.batchSize.observe({ transport: 'kafka' }, messages.length);
    this.metrics.consumerLag.set(
      { group: input.groupId, topic: input.topic, partition: String(input.partition) },
      Math.max(0, Number(BigInt(context.getHighWatermark()) - BigInt(lastOffset) - 1n)),
    );
  }

  /** The batch's accepted events and dead letters. */
  private async sortOut(topic: string, partition: number, messages: KafkaMessage[]): Promise<SortedBatch> {
    const accepted: DossierEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    const sourceKey = topic === this.topic ? null : sourceKeyOfTopic(this.topic, topic);
    const source = sourceKey === null ? null : await this.sources.find(sourceKey);
    // A per-source topic: the source is the topic's, whatever the events say.
    const topicRejection: Rejection | null =
      sourceKey === null
        ? null
        : !source
          ? { field: null, reason: `${SOURCE_REJECTIONS.unknownSource}: topic ${topic} belongs to no registered source (key ${sourceKey})` }
          : source.revoked
            ? { field: null, reason: `${SOURCE_REJECTIONS.sourceRevoked}: source ${JSON.stringify(source.sourceUri)} (topic ${topic}) was revoked` }
            : null;
    const decoded = messages.map((message) => {
      const result = decodeKafkaMessage(message);
      let rejection = topicRejection ?? (result.ok ? null : result.rejection);
      if (!rejection && result.ok && source && result.event.source !== source.sourceUri) {
        rejection = {
          field: 'source',
          reason: `${SOURCE_REJECTIONS.sourceMismatch}: source must be ${JSON.stringify(source.sourceUri)}, the source registered for topic ${topic}`,
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
          origin: { topic, partition, offset: message.offset },
          ...(source ? { source: source.sourceUri } : {}),
        });
      }
    }
    return { accepted, deadLetters };
  }
}

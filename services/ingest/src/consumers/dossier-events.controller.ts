import { Controller, UseFilters } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeKafkaMessage, DossierEvent, Rejection, sourceKeyOfTopic } from '@dvc/contracts';
import { SOURCE_REJECTIONS } from '@dvc/domain';
import { KafkaBatchContext, KafkaBatchTransportOptions, RethrowToKafka } from '@dvc/messaging';
import { IngestConfig } from '../ingest-config';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { DeadLetter, EventPublisher } from '../services/event-publisher.service';
import { KafkaSourceDirectory } from '../services/kafka-source-directory.service';
import { SourceAgencyPolicy } from '../services/source-agency-policy.service';

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
        consumer: { maxBytesPerPartition: 2 * 1024 * 1024 },
      },
    ],
  };
}

/**
 * Validates every message of a batch of the shared input topic or of a per-source topic, and writes the batch's
 * accepted and rejected events (in produce requests of at most MAX_REQUEST_BYTES) before committing the offsets.
 * A bad message is dead-lettered like any other outcome, so it never holds up the messages behind it.
 * At-least-once: a crash before the commit re-sends the batch, which the aggregator's per-dossier
 * state makes harmless.
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
    private readonly publisher: EventPublisher,
    private readonly metrics: IngestMetrics,
    private readonly sources: KafkaSourceDirectory,
    private readonly agencyPolicy: SourceAgencyPolicy,
  ) {
    this.topic = config.get('TOPIC_DOSSIER_EVENTS', { infer: true });
  }

  @EventPattern(DOSSIER_EVENTS)
  async handleBatch(@Payload() messages: KafkaMessage[], @Ctx() context: KafkaBatchContext): Promise<void> {
    if (context.isStale()) return;
    const batch = { topic: context.getTopic(), partition: context.getPartition(), messages };
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
    const lastOffset = context.lastOffset()!;
    context.resolveOffset(lastOffset);
    await context.commitOffsetsIfNecessary();
    await context.heartbeat();
    stopTimer();
    this.metrics.batchSize.observe({ transport: 'kafka' }, batch.messages.length);
    this.metrics.consumerLag.set(
      { group: context.getGroupId(), topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(BigInt(context.getHighWatermark()) - BigInt(lastOffset) - 1n)),
    );
  }
}

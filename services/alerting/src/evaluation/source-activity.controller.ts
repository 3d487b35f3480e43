import { Controller, UseFilters } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { KafkaMessage } from 'kafkajs';
import { HEADERS } from '@dvc/contracts';
import { headerText, KafkaBatchContext, KafkaBatchSubscription, RethrowToKafka } from '@dvc/messaging';
import { AlertingConfig } from '../alerting-config';
import { LifecycleRepository } from '../repositories/lifecycle.repository';

/** The `@EventPattern` of the canonical topic's batches, as the silent-source detector reads them. */
export const SOURCE_ACTIVITY = 'source-activity';

/** The source-activity subscription of the batch transport (libs/messaging), when silent-source detection is on. */
export function sourceActivitySubscription(config: ConfigService<AlertingConfig, true>): KafkaBatchSubscription | null {
  if (!config.get('ALERT_SOURCE_SILENCE_ENABLED', { infer: true })) return null;
  return {
    pattern: SOURCE_ACTIVITY,
    description: 'source activity consumer',
    groupId: config.get('ALERT_SOURCE_ACTIVITY_GROUP_ID', { infer: true }),
    topics: [config.get('TOPIC_CANONICAL_EVENTS', { infer: true })],
    // From the beginning for a new group: a source that went silent before this service first started must still be known.
    fromBeginning: true,
    autoResolve: true,
    consumer: { maxBytesPerPartition: 1_048_576 },
  };
}

/**
 * Records when each source last sent an event, for the silent-source detector. It reads the canonical
 * topic with its own consumer group and, per batch, upserts the latest acceptance time of each source
 * seen in it: one small statement per batch, independent of the aggregator and its schema.
 *
 * The time is when ingest accepted the event (`dvc-ingested-at`, else the Kafka timestamp), not the
 * event's own `time`: silence is about the one-stop system not talking to us; a backfill of old events
 * is a sign of life. Upserts keep the greatest time, so re-reading after a crash (offsets are committed
 * after the upsert) or two instances sharing the group change nothing.
 */
@Controller()
@UseFilters(RethrowToKafka)
export class SourceActivityController {
  constructor(private readonly repository: LifecycleRepository) {}

  @EventPattern(SOURCE_ACTIVITY)
  async handleBatch(@Payload() messages: KafkaMessage[], @Ctx() context: KafkaBatchContext): Promise<void> {
    await this.repository.recordSourceActivity(latestBySource(messages));
    await context.heartbeat();
  }
}

/** The latest acceptance time (ms) of each source among the messages; unreadable ones are skipped. */
export function latestBySource(messages: readonly Pick<KafkaMessage, 'value' | 'headers' | 'timestamp'>[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const message of messages) {
    if (!message.value) continue;
    let source: unknown;
    try {
      source = (JSON.parse(message.value.toString('utf8')) as { source?: unknown }).source;
    } catch {
      continue;
    }
    if (typeof source !== 'string' || source === '') continue;
    const headerValue = headerText(message.headers?.[HEADERS.ingestedAt]);
    const fromHeader = headerValue === undefined ? NaN : Number(headerValue);
    const at = Number.isFinite(fromHeader) && fromHeader > 0 ? fromHeader : Number(message.timestamp);
    if (!Number.isFinite(at)) continue;
    if (at > (latest.get(source) ?? -Infinity)) latest.set(source, at);
  }
  return latest;
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { HEADERS } from '@dvc/contracts';
import { exitWhenConsumerGivesUp, headerText } from '@dvc/messaging';
import { AlertingConfig } from '../alerting-config';
import { LifecycleRepository } from '../repositories/lifecycle.repository';
import { KAFKA } from '../tokens';

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
@Injectable()
export class SourceActivityConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SourceActivityConsumer.name);
  private readonly consumer: Consumer | null;
  private readonly topic: string;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    config: ConfigService<AlertingConfig, true>,
    private readonly repository: LifecycleRepository,
  ) {
    this.topic = config.get('TOPIC_CANONICAL_EVENTS', { infer: true });
    this.consumer = config.get('ALERT_SOURCE_SILENCE_ENABLED', { infer: true })
      ? kafka.consumer({
          groupId: config.get('ALERT_SOURCE_ACTIVITY_GROUP_ID', { infer: true }),
          maxBytesPerPartition: 1_048_576,
          retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 10_000 },
        })
      : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.consumer) return;
    exitWhenConsumerGivesUp(this.consumer, this.logger, 'source activity consumer');
    await this.consumer.connect();
    // From the beginning for a new group: a source that went silent before this service first started
    // must still be known.
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({ eachBatchAutoResolve: true, eachBatch: (payload) => this.handleBatch(payload) });
    this.logger.log({ topic: this.topic }, 'recording source activity');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async handleBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    const latest = latestBySource(batch.messages);
    await this.repository.recordSourceActivity(latest);
    await heartbeat();
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

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { exitWhenConsumerGivesUp } from '@dvc/messaging';
import { AlertingConfig } from '../alerting-config';
import { AlertingMetrics } from '../metrics/alerting.metrics';
import { KAFKA } from '../tokens';
import { SweepService } from './sweep.service';

/**
 * Reads the aggregator's rate-change topic (`dvc.rate-changes.v1`, one message per agency and committed
 * batch) with its own consumer group and asks the sweep service to evaluate the agencies named, soon
 * (debounced and coalesced there). A notice, not a record: PostgreSQL holds the counts, so the offsets
 * are committed once the agencies are queued, and a notice lost to a crash only waits for the
 * periodic sweep. A new group reads from the beginning (a consumer that joined late must not skip
 * notices produced meanwhile); however many messages a batch holds, its agencies are evaluated once.
 */
@Injectable()
export class RateChangeConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RateChangeConsumer.name);
  private readonly consumer: Consumer | null;
  private readonly topic: string;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    config: ConfigService<AlertingConfig, true>,
    private readonly sweep: SweepService,
    private readonly metrics: AlertingMetrics,
  ) {
    this.topic = config.get('TOPIC_RATE_CHANGES', { infer: true });
    this.consumer = config.get('ALERT_CHANGE_EVALUATION_ENABLED', { infer: true })
      ? kafka.consumer({
          groupId: config.get('ALERT_RATE_CHANGES_GROUP_ID', { infer: true }),
          maxWaitTimeInMs: 100,
          maxBytesPerPartition: 1_048_576,
          retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 10_000 },
        })
      : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.consumer) return;
    exitWhenConsumerGivesUp(this.consumer, this.logger, 'rate-change consumer');
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({ eachBatchAutoResolve: true, eachBatch: (payload) => this.handleBatch(payload) });
    this.logger.log({ topic: this.topic }, 'evaluating agencies after their rates change');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async handleBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    const { agencies, unreadable } = agenciesOf(batch.messages);
    if (agencies.size > 0) this.sweep.requestEvaluation(agencies);
    this.metrics.rateChangeMessages.inc({ outcome: 'accepted' }, batch.messages.length - unreadable);
    if (unreadable > 0) this.metrics.rateChangeMessages.inc({ outcome: 'unreadable' }, unreadable);
    await heartbeat();
  }
}

/** The agency codes named by rate-change messages (the value's `agencyCode`, else the key). */
export function agenciesOf(messages: readonly Pick<KafkaMessage, 'key' | 'value'>[]): { agencies: Set<string>; unreadable: number } {
  const agencies = new Set<string>();
  let unreadable = 0;
  for (const message of messages) {
    let code: unknown;
    try {
      code = message.value ? (JSON.parse(message.value.toString('utf8')) as { agencyCode?: unknown }).agencyCode : undefined;
    } catch {
      code = undefined;
    }
    if (typeof code !== 'string' || code.trim() === '') code = message.key?.toString('utf8');
    if (typeof code === 'string' && code.trim() !== '') agencies.add(code.trim());
    else unreadable += 1;
  }
  return { agencies, unreadable };
}

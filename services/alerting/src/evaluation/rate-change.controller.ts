import { Controller, UseFilters } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { KafkaMessage } from 'kafkajs';
import { KafkaBatchContext, KafkaBatchSubscription, RethrowToKafka } from '@dvc/messaging';
import { AlertingConfig } from '../alerting-config';
import { AlertingMetrics } from '../metrics/alerting.metrics';
import { SweepService } from './sweep.service';

/** The `@EventPattern` of the rate-change topic's batches. */
export const RATE_CHANGES = 'rate-changes';

/** The rate-change subscription of the batch transport (libs/messaging), when change-driven evaluation is on. */
export function rateChangeSubscription(config: ConfigService<AlertingConfig, true>): KafkaBatchSubscription | null {
  if (!config.get('ALERT_CHANGE_EVALUATION_ENABLED', { infer: true })) return null;
  return {
    pattern: RATE_CHANGES,
    description: 'rate-change consumer',
    groupId: config.get('ALERT_RATE_CHANGES_GROUP_ID', { infer: true }),
    topics: [config.get('TOPIC_RATE_CHANGES', { infer: true })],
    fromBeginning: true,
    // Notices: committed once their agencies are queued.
    autoResolve: true,
    consumer: { maxWaitTimeInMs: 100, maxBytesPerPartition: 1_048_576 },
  };
}

/**
 * Reads the aggregator's rate-change topic (`dvc.rate-changes.v1`, one message per agency and committed
 * batch) with its own consumer group and asks the sweep service to evaluate the agencies named, soon
 * (debounced and coalesced there). A notice, not a record: PostgreSQL holds the counts, so the offsets
 * are committed once the agencies are queued, and a notice lost to a crash only waits for the
 * periodic sweep. A new group reads from the beginning (a consumer that joined late must not skip
 * notices produced meanwhile); however many messages a batch holds, its agencies are evaluated once.
 */
@Controller()
@UseFilters(RethrowToKafka)
export class RateChangeController {
  constructor(
    private readonly sweep: SweepService,
    private readonly metrics: AlertingMetrics,
  ) {}

  @EventPattern(RATE_CHANGES)
  async handleBatch(@Payload() messages: KafkaMessage[], @Ctx() context: KafkaBatchContext): Promise<void> {
    const { agencies, unreadable } = agenciesOf(messages);
    if (agencies.size > 0) this.sweep.requestEvaluation(agencies);
    this.metrics.rateChangeMessages.inc({ outcome: 'accepted' }, messages.length - unreadable);
    if (unreadable > 0) this.metrics.rateChangeMessages.inc({ outcome: 'unreadable' }, unreadable);
    await context.heartbeat();
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

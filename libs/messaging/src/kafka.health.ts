import type { Kafka } from 'kafkajs';
import type { HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessCheck, withTimeout } from '@dvc/observability';

/** Kafka is ready when a metadata request to the cluster answers in time. */
export function kafkaReadinessCheck(kafka: Kafka, indicators: HealthIndicatorService, timeoutMs: number): ReadinessCheck {
  const admin = kafka.admin();
  let connected: Promise<void> | null = null;
  return async () => {
    const session = indicators.check('kafka');
    try {
      connected ??= admin.connect();
      const cluster = await withTimeout(
        connected.then(() => admin.describeCluster()),
        timeoutMs,
        'Kafka',
      );
      return session.up({ brokers: cluster.brokers.length });
    } catch (error) {
      connected = null;
      await admin.disconnect().catch(() => undefined);
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  };
}

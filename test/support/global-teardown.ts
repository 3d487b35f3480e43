import { existsSync, rmSync } from 'node:fs';
import { STARTED_KAFKA_MARKER } from './global-setup';
import { runKafkaScript } from './infrastructure';

/** Stops the Kafka broker only when the test run started it. */
export default async function globalTeardown(): Promise<void> {
  if (!existsSync(STARTED_KAFKA_MARKER)) return;
  rmSync(STARTED_KAFKA_MARKER);
  runKafkaScript('stop');
}

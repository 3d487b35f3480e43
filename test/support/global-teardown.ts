import { existsSync, readFileSync, rmSync } from 'node:fs';
import { STARTED_KAFKA_MARKER } from './global-setup';
import { runKafkaScript } from './infrastructure';

/** Stops the Kafka broker only when this test run (this jest process) started it. */
export default async function globalTeardown(): Promise<void> {
  if (!existsSync(STARTED_KAFKA_MARKER)) return;
  if (readFileSync(STARTED_KAFKA_MARKER, 'utf8').trim() !== String(process.pid)) return;
  rmSync(STARTED_KAFKA_MARKER);
  runKafkaScript('stop');
}

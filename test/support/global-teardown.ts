import { existsSync, readFileSync, rmSync } from 'node:fs';
import { STARTED_KAFKA_MARKER, STARTED_KEYCLOAK_MARKER } from './global-setup';
import { runKafkaScript } from './infrastructure';
import { stopKeycloak } from './keycloak';

/** Stops Keycloak and the Kafka broker only when this test run (this jest process) started them. */
export default async function globalTeardown(): Promise<void> {
  // Keycloak, like Kafka, only when this run (this jest process) started it.
  if (existsSync(STARTED_KEYCLOAK_MARKER) && readFileSync(STARTED_KEYCLOAK_MARKER, 'utf8').trim() === String(process.pid)) {
    rmSync(STARTED_KEYCLOAK_MARKER);
    stopKeycloak();
  }
  if (!existsSync(STARTED_KAFKA_MARKER)) return;
  if (readFileSync(STARTED_KAFKA_MARKER, 'utf8').trim() !== String(process.pid)) return;
  rmSync(STARTED_KAFKA_MARKER);
  runKafkaScript('stop');
}

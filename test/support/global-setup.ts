import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_BROKERS, kafkaAnswers, kafkaSecurityEnvironment, postgresAnswers, redisAnswers, REPO_ROOT, runKafkaScript } from './infrastructure';
import security = require('../../deploy/kafka/security.cjs');
import { ISSUER, keycloakAnswers, startKeycloak } from './keycloak';

export const STARTED_KAFKA_MARKER = join(REPO_ROOT, 'dist', '.kafka-started-by-tests');
/** Same pattern for the identity provider (deploy/keycloak/keycloak.sh). */
export const STARTED_KEYCLOAK_MARKER = join(REPO_ROOT, 'dist', '.keycloak-started-by-tests');

/**
 * Integration tests run against real infrastructure: the machine's PostgreSQL and Redis, and a real
 * Kafka broker that this setup starts (through deploy/kafka/kafka.sh) when none answers. Services
 * run as real processes from `dist/`, so the code is built first.
 */
export default async function globalSetup(): Promise<void> {
  execFileSync('npx', ['swc', 'libs', 'services', '-d', 'dist', '--copy-files', '--quiet'], { cwd: REPO_ROOT, stdio: 'inherit' });

  const [postgresProblem, redisProblem] = await Promise.all([postgresAnswers(), redisAnswers()]);
  if (postgresProblem) throw new Error(`PostgreSQL does not answer at 127.0.0.1:5432: ${postgresProblem}`);
  if (redisProblem) throw new Error(`Redis does not answer at 127.0.0.1:6379: ${redisProblem}`);

  // The real identity provider: Keycloak with the realms of deploy/keycloak/realms/ (test/support/keycloak.ts).
  if (!(await keycloakAnswers())) {
    startKeycloak();
    writeFileSync(STARTED_KEYCLOAK_MARKER, String(process.pid));
  }
  process.env.OIDC_ISSUER_URL ??= ISSUER;

  // The shared broker: KAFKA_BROKERS or KAFKA_PORT (9092), and its kafka.sh data dir, where a secured
  // broker keeps its CA and its principals' passwords.
  const local = localSharedBroker();
  process.env.KAFKA_BROKERS = KAFKA_BROKERS.join(',');
  if (local) process.env.DVC_TEST_KAFKA_DATA = local.dataDir;

  if (!(await kafkaAnswers())) {
    if (!local) throw new Error(`Kafka does not answer at KAFKA_BROKERS=${process.env.KAFKA_BROKERS} (not a local kafka.sh broker: not starting one)`);
    runKafkaScript('start');
    // The run's own pid: a second run on the machine that reuses this broker must not stop it.
    writeFileSync(STARTED_KAFKA_MARKER, String(process.pid));
  }

  // The tests' own clients (and whatever inherits this environment) connect as admin; ServiceProcess
  // gives each service its own principal instead (dvc-ingest, ...). Only file paths: no password here.
  if (local) {
    for (const name of security.SECURITY_VARIABLES) delete process.env[name];
    Object.assign(process.env, kafkaSecurityEnvironment(KAFKA_BROKERS));
  }
  // As admin, before any service principal needs a consumer group or a transaction (create-topics.mjs says why).
  execFileSync(process.execPath, [join(REPO_ROOT, 'deploy/kafka/create-topics.mjs'), '--coordinators-only'], { stdio: 'inherit', env: process.env });
  const secured = process.env.KAFKA_SECURITY_PROTOCOL === 'sasl_ssl';
  process.stderr.write(
    `\n[global-setup] Kafka ${process.env.KAFKA_BROKERS}: ${secured ? `SASL_SSL/SCRAM with ACLs (CA ${process.env.KAFKA_SSL_CA_FILE}); services run as their own principals` : 'plaintext'}\n`,
  );
}

/** The local kafka.sh broker KAFKA_BROKERS / KAFKA_PORT name, or undefined for another broker. */
function localSharedBroker(): { port: number; dataDir: string } | undefined {
  try {
    return security.localBroker({ ...process.env, KAFKA_BROKERS: KAFKA_BROKERS.join(',') });
  } catch (error) {
    if (process.env.KAFKA_PORT && process.env.KAFKA_BROKERS) throw error; // they disagree: say so
    return undefined;
  }
}

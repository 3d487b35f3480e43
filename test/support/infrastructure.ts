import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { Client } from 'pg';
import Redis from 'ioredis';
import security = require('../../deploy/kafka/security.cjs');

export const REPO_ROOT = join(__dirname, '..', '..');
/** The shared broker: KAFKA_BROKERS, else 127.0.0.1:KAFKA_PORT (9092); global-setup sets KAFKA_BROKERS. */
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`).split(',').map((b) => b.trim());
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
/**
 * The key the tests' api and alerting services seal webhook secrets with (SECRETS_ENCRYPTION_KEY): random per run,
 * so no test can pass by knowing a fixed key; tests that inspect the database open sealed values with it.
 */
export const TEST_SECRETS_KEY = (process.env.DVC_TEST_SECRETS_KEY ??= randomBytes(32).toString('base64'));

/**
 * Where the credentials of a broker are: the data dir of kafka.sh's broker. The shared broker's is found
 * by global-setup (DVC_TEST_KAFKA_DATA); a test's own broker registers its own (PrivateKafkaBroker).
 */
const brokerDataDirs = new Map<string, string>();
const brokersKey = (brokers: string[]) => brokers.join(',');

export function registerKafkaBroker(brokers: string[], dataDir: string): void {
  brokerDataDirs.set(brokersKey(brokers), dataDir);
}

function dataDirOf(brokers: string[]): string | undefined {
  const registered = brokerDataDirs.get(brokersKey(brokers));
  if (registered) return registered;
  if (brokersKey(brokers) === brokersKey(KAFKA_BROKERS)) return process.env.DVC_TEST_KAFKA_DATA;
  return undefined;
}

/**
 * The KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_CA_FILE environment of `principal` on a broker
 * (`admin`: the tests' own clients), the password as a file path. `{ KAFKA_SECURITY_PROTOCOL: 'plaintext' }`
 * for a plaintext broker; a broker that is not kafka.sh's: the security variables of this process.
 */
export function kafkaSecurityEnvironment(brokers: string[] = KAFKA_BROKERS, principal: string = security.ADMIN_PRINCIPAL): Record<string, string> {
  const dataDir = dataDirOf(brokers);
  if (dataDir) return security.principalEnvironment(dataDir, principal);
  const inherited: Record<string, string> = {};
  for (const name of security.SECURITY_VARIABLES) if (process.env[name] !== undefined) inherited[name] = process.env[name] as string;
  return inherited;
}

/** True when the broker is secured (SASL_SSL with ACLs): services then run as their own principals. */
export function kafkaSecured(brokers: string[] = KAFKA_BROKERS): boolean {
  return kafkaSecurityEnvironment(brokers).KAFKA_SECURITY_PROTOCOL === 'sasl_ssl';
}

/** kafkajs `ssl`/`sasl` options of the tests' own clients (admin, a super user) for a broker. */
export function kafkaConnection(brokers: string[] = KAFKA_BROKERS): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return security.kafkaConnectionOptions(kafkaSecurityEnvironment(brokers)) as Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

/** A test client of the shared broker, or of `brokers` (a test's own broker); as admin when secured. */
export function kafkaClient(clientId = 'dvc-test', brokers: string[] = KAFKA_BROKERS): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 }, ...kafkaConnection(brokers) });
}

export async function kafkaAnswers(): Promise<boolean> {
  let connection: Pick<KafkaConfig, 'ssl' | 'sasl'>;
  try {
    connection = kafkaConnection(KAFKA_BROKERS);
  } catch {
    return false; // a secured data dir without credentials (yet): nothing of ours answers
  }
  const admin = new Kafka({ clientId: 'dvc-test-probe', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000, ...connection }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** kafka.sh for the shared broker: the port of KAFKA_BROKERS, its controller port next to it unless set. */
export function runKafkaScript(command: 'start' | 'stop' | 'restart'): void {
  execFileSync('bash', [join(REPO_ROOT, 'deploy/kafka/kafka.sh'), command], { stdio: 'inherit', env: kafkaScriptEnvironment() });
}

export function kafkaScriptEnvironment(): NodeJS.ProcessEnv {
  const { port } = security.localBroker({ ...process.env, KAFKA_BROKERS: KAFKA_BROKERS.join(','), KAFKA_PORT: undefined });
  return {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: process.env.KAFKA_CONTROLLER_PORT ?? String(port + 1),
    ...(process.env.DVC_TEST_KAFKA_DATA ? { DVC_KAFKA_DATA: process.env.DVC_TEST_KAFKA_DATA } : {}),
  };
}

export async function postgresAnswers(): Promise<string | null> {
  const client = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function redisAnswers(): Promise<string | null> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return String(error);
  } finally {
    redis.disconnect();
  }
}

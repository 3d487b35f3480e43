import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import Redis from 'ioredis';

export const REPO_ROOT = join(__dirname, '..', '..');
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A test client of the shared broker, or of `brokers` (a test's own broker). */
export function kafkaClient(clientId = 'dvc-test', brokers: string[] = KAFKA_BROKERS): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

export async function kafkaAnswers(): Promise<boolean> {
  const admin = new Kafka({ clientId: 'dvc-test-probe', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
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

export function runKafkaScript(command: 'start' | 'stop' | 'restart'): void {
  execFileSync('bash', [join(REPO_ROOT, 'deploy/kafka/kafka.sh'), command], { stdio: 'inherit' });
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

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaAnswers, postgresAnswers, redisAnswers, REPO_ROOT, runKafkaScript } from './infrastructure';

export const STARTED_KAFKA_MARKER = join(REPO_ROOT, 'dist', '.kafka-started-by-tests');

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

  if (!(await kafkaAnswers())) {
    runKafkaScript('start');
    // The run's own pid: a second run on the machine that reuses this broker must not stop it.
    writeFileSync(STARTED_KAFKA_MARKER, String(process.pid));
  }
}

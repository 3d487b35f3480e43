/**
 * The run's infrastructure (bench/run-benchmarks.ts): PostgreSQL and Redis must answer, the broker of
 * deploy/kafka is started when none does, the run's database and topics are created and removed, and the
 * CPU counters and versions of the machine are read for the report.
 */
import { execFileSync } from 'node:child_process';
import { cpus, homedir, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import Redis from 'ioredis';
import { migrate } from '@dvc/persistence';
import type { BenchKafkaSecurity } from '../support/kafka-security';
import { busySecondsBetween, cpuSecondsOfAll, kafkaVersionOf, readCpuSeconds, readExitedChildrenCpuSeconds, readMachineCpu } from '../support/proc-stats';
import type { CpuBreakdown, Report } from '../support/report';
import { config, databaseUrl, env, kafkaSecurity, log, now, PARTITIONS, REPO_ROOT, groups, runId, runState, topics } from './context';

export async function requirePostgresAndRedis(): Promise<void> {
  const client = new Client({ connectionString: `${config.postgresUrl}/postgres` });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL does not answer at ${config.postgresUrl}: ${String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis does not answer at ${config.redisUrl}: ${String(error)}`);
  } finally {
    redis.disconnect();
  }
}

async function kafkaAnswers(): Promise<boolean> {
  let connection: ReturnType<BenchKafkaSecurity['connection']>;
  try {
    connection = kafkaSecurity.connection();
  } catch {
    return false; // a secured data dir without credentials yet: nothing of ours answers
  }
  const probe = new Kafka({ clientId: 'dvc-bench-probe', brokers: config.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000, ...connection });
  const admin = probe.admin();
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

/** Starts the broker of deploy/kafka when nothing answers; true when this run started it. */
export async function ensureKafka(): Promise<boolean> {
  if (await kafkaAnswers()) return false;
  log(`no Kafka broker answers on ${config.brokers.join(',')}: starting one with deploy/kafka/kafka.sh`);
  execFileSync('bash', [join(REPO_ROOT, 'deploy/kafka/kafka.sh'), 'start'], { stdio: 'inherit', env: kafkaScriptEnv() });
  return true;
}

function kafkaPort(): string {
  return config.brokers[0].split(':')[1] ?? '9092';
}

/** kafka.sh for the broker of KAFKA_BROKERS: on another port than 9092, the controller takes the next one. */
export function kafkaScriptEnv(): NodeJS.ProcessEnv {
  const port = env.KAFKA_PORT ?? kafkaPort();
  const controllerPort = env.KAFKA_CONTROLLER_PORT ?? (port === '9092' ? '9093' : String(Number(port) + 1));
  return { ...env, KAFKA_PORT: port, KAFKA_CONTROLLER_PORT: controllerPort };
}

export function brokerPidFile(): string {
  const dataDir = env.DVC_KAFKA_DATA ?? join(homedir(), '.cache', 'dvc-monitor', `kafka-data-${env.KAFKA_PORT ?? kafkaPort()}`);
  return join(dataDir, 'kafka.pid');
}

export async function prepareDatabase(): Promise<void> {
  await dropDatabase();
  await migrate(databaseUrl);
  log(`created and migrated ${config.databaseName}`);
}

export async function dropDatabase(): Promise<void> {
  const admin = new Client({ connectionString: `${config.postgresUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${config.databaseName.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function createTopics(): Promise<void> {
  const admin = runState.kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: (Object.keys(topics) as Array<keyof typeof topics>).map((key) => ({ topic: topics[key], numPartitions: PARTITIONS[key], replicationFactor: 1 })),
    });
    log(`created topics bench.${runId}.* (partitions ${Object.values(PARTITIONS).join('/')})`);
  } finally {
    await admin.disconnect();
  }
}

export async function deleteKafkaResources(): Promise<void> {
  const admin = runState.kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch((error) => log(`could not delete the topics: ${String(error)}`));
    await admin.deleteGroups(Object.values(groups)).catch(() => undefined);
    await kafkaSecurity.revoke(runState.kafka, Object.values(topics), Object.values(groups)).catch((error) => log(`could not delete the run's ACLs: ${String(error)}`));
  } catch (error) {
    log(`could not clean up Kafka: ${String(error)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function endOffsetTotal(topic: string): Promise<number> {
  const admin = runState.kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Snapshot of CPU counters at the start of a stage; `end` gives the stage's breakdown. */
export function startCpuWindow(brokerPid: number | null) {
  const started = now();
  const machine = readMachineCpu();
  const broker = brokerPid === null ? null : readCpuSeconds(brokerPid);
  const postgres = cpuSecondsOfAll('postgres');
  const self = process.cpuUsage();
  const children = readExitedChildrenCpuSeconds();
  return {
    /** CPU of the children that exited since the window started. */
    childrenCpu: () => readExitedChildrenCpuSeconds() - children,
    end(measured: CpuBreakdown['measured']): CpuBreakdown {
      const brokerNow = brokerPid === null ? null : readCpuSeconds(brokerPid);
      const selfUsage = process.cpuUsage(self);
      return {
        wallSeconds: (now() - started) / 1000,
        machineBusy: busySecondsBetween(machine, readMachineCpu()),
        measured,
        kafka: broker === null || brokerNow === null ? null : brokerNow - broker,
        postgres: cpuSecondsOfAll('postgres') - postgres,
        bench: (selfUsage.user + selfUsage.system) / 1e6,
      };
    },
  };
}

export async function describeMachine(brokerPid: number | null): Promise<Report['machine']> {
  const client = new Client({ connectionString: `${config.postgresUrl}/postgres` });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let redisVersion = 'unknown';
  try {
    await redis.connect();
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    ramGb: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    kafka: (brokerPid !== null ? kafkaVersionOf(brokerPid) : null) ?? 'unknown',
    postgres: `PostgreSQL ${rows[0].server_version}`,
    redis: redisVersion,
  };
}

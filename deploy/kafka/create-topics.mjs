#!/usr/bin/env node
// Creates dvc-monitor's Kafka topics explicitly (the broker has auto.create.topics.enable=false),
// checks that existing ones have at least the wanted partition count, and has the broker create its
// internal topics (consumer offsets, transaction state) as this super user.
//
//   KAFKA_BROKERS=127.0.0.1:9092 node deploy/kafka/create-topics.mjs [--coordinators-only]
//   Security as the services read it (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_CA_FILE: a super
//   user's, see `kafka.sh credentials admin`); unset, on a secured local kafka.sh broker, as its admin.
//   import { ensureTopics } from './create-topics.mjs'; await ensureTopics({ brokers: ['127.0.0.1:9092'] });
//
// Existing topics with fewer partitions are reported as an error, not grown: adding partitions
// changes which partition a dossier key maps to, and so breaks per-dossier ordering. Grow them
// on purpose (kafka-topics --alter) after draining the consumers, if ever needed.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import security from './security.cjs';

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** The project's topics with their default partition counts; names and counts are env-overridable. */
export function defaultTopics(env = process.env) {
  const replicationFactor = intFromEnv('KAFKA_REPLICATION_FACTOR', 1);
  const topic = (nameVar, defaultName, partitionsVar, defaultPartitions) => ({
    topic: env[nameVar] || defaultName,
    numPartitions: intFromEnv(partitionsVar, defaultPartitions),
    replicationFactor,
  });
  return [
    // The public input topic: one-stop systems publish dossier events here.
    topic('TOPIC_DOSSIER_EVENTS', 'dvc.dossier-events.v1', 'TOPIC_DOSSIER_EVENTS_PARTITIONS', 6),
    topic('TOPIC_CANONICAL_EVENTS', 'dvc.dossier-events.canonical.v1', 'TOPIC_CANONICAL_EVENTS_PARTITIONS', 6),
    topic('TOPIC_DEAD_LETTER', 'dvc.dossier-events.dlq.v1', 'TOPIC_DEAD_LETTER_PARTITIONS', 3),
    topic('TOPIC_RATE_CHANGES', 'dvc.rate-changes.v1', 'TOPIC_RATE_CHANGES_PARTITIONS', 6),
    topic('TOPIC_ALERTS', 'dvc.alerts.v1', 'TOPIC_ALERTS_PARTITIONS', 3),
  ];
}

function brokersFromEnv() {
  return (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`).split(',').map((b) => b.trim()).filter(Boolean);
}

/**
 * Ensures the topics exist with at least their partition counts.
 * @param {{ brokers?: string[] | string, topics?: Array<{topic: string, numPartitions: number, replicationFactor?: number}>, kafka?: import('kafkajs').Kafka, log?: (msg: string) => void }} [options]
 * @returns {Promise<{ created: string[], existing: string[] }>}
 */
export async function ensureTopics({ brokers, topics, kafka, log = () => {} } = {}) {
  const wanted = (topics ?? defaultTopics()).map((t) => ({
    topic: t.topic,
    numPartitions: t.numPartitions,
    replicationFactor: t.replicationFactor ?? intFromEnv('KAFKA_REPLICATION_FACTOR', 1),
  }));
  const client = kafka ?? toolClient(brokers);
  const admin = client.admin();
  await admin.connect();
  try {
    const present = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !present.has(t.topic));
    const created = [];
    if (missing.length) {
      // waitForLeaders: producers may publish right after this returns.
      await admin.createTopics({ topics: missing, waitForLeaders: true });
      for (const t of missing) {
        created.push(t.topic);
        log(`created ${t.topic} (${t.numPartitions} partitions, replication ${t.replicationFactor})`);
      }
    }

    // Verify every topic, including ones created concurrently by someone else.
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) });
    const partitionsByTopic = new Map(metadata.map((m) => [m.name, m.partitions.length]));
    const tooSmall = [];
    const existing = [];
    for (const t of wanted) {
      const actual = partitionsByTopic.get(t.topic) ?? 0;
      if (actual < t.numPartitions) tooSmall.push(`${t.topic} has ${actual} partitions, wants at least ${t.numPartitions}`);
      if (!created.includes(t.topic)) {
        existing.push(t.topic);
        log(`exists ${t.topic} (${actual} partitions)`);
      }
    }
    if (tooSmall.length) throw new Error(`topics with too few partitions: ${tooSmall.join('; ')}`);
    await ensureCoordinators(kafka ? { kafka } : { brokers });
    log('consumer-group and transaction coordinators ready');
    return { created, existing };
  } finally {
    await admin.disconnect();
  }
}

/** A client as this tool connects: SASL/TLS from KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_CA_FILE, as the services read them. */
function toolClient(brokers, level = logLevel.ERROR) {
  const brokerList = typeof brokers === 'string' ? brokers.split(',').map((b) => b.trim()) : brokers ?? brokersFromEnv();
  return new Kafka({
    clientId: 'dvc-create-topics',
    brokers: brokerList,
    logLevel: level,
    ...security.kafkaConnectionOptions(security.toolEnvironment({ ...process.env, KAFKA_BROKERS: brokerList.join(',') })),
  });
}

/**
 * Has the broker create its internal topics now, as this (super) user: __consumer_offsets for the first consumer group,
 * __transaction_state for the first transaction (ingest's). A broker creates them on the first FindCoordinator, but
 * with the asking client's rights: a service principal, which may not create topics, is answered that there is no
 * coordinator (kafkajs: "Failed to find group coordinator") instead.
 * @param {{ brokers?: string[] | string, kafka?: import('kafkajs').Kafka }} [options]
 */
export async function ensureCoordinators({ brokers, kafka } = {}) {
  // Quiet: kafkajs would log each "not available" and "loading" answer it retries; a real failure is thrown.
  const client = kafka ?? toolClient(brokers, logLevel.NOTHING);
  const admin = client.admin();
  await admin.connect();
  const producer = client.producer({ transactionalId: 'dvc-create-topics', maxInFlightRequests: 1, allowAutoTopicCreation: false });
  try {
    await admin.describeGroups(['dvc-create-topics']);
    await producer.connect();
    // Registering the id finds the transaction coordinator; nothing is written.
    const transaction = await producer.transaction();
    await transaction.abort();
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

// Run when executed directly (node deploy/kafka/create-topics.mjs), not when imported.
const invokedPath = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedPath === realpathSync(fileURLToPath(import.meta.url))) {
  // --coordinators-only: the internal topics, not the project's (the tests make their own topics).
  const run = process.argv.includes('--coordinators-only') ? ensureCoordinators() : ensureTopics({ log: (msg) => console.log(msg) });
  run.then(
    () => process.exit(0),
    (err) => {
      console.error(`create-topics: ${err.message}`);
      process.exit(1);
    },
  );
}

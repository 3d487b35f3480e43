import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import kafkajs = require('kafkajs');
import { Kafka, KafkaConfig, LogEntry, logLevel } from 'kafkajs';
import security = require('../../deploy/kafka/security.cjs');
import {
  KAFKA_BROKERS,
  kafkaClient,
  kafkaConnection,
  kafkaScriptEnvironment,
  kafkaSecured,
  kafkaSecurityEnvironment,
  POSTGRES_URL,
  REPO_ROOT,
} from '../support/infrastructure';
import { eventually } from '../support/service-process';

/**
 * Identity on Kafka comes from the broker: the shared broker of the tests (kafka.sh, KAFKA_SECURITY=scram-tls)
 * speaks SASL/SCRAM-SHA-512 over TLS only, and its ACLs give every principal exactly what it needs. Each
 * refusal is checked by its error type or Kafka error code, next to the same client doing what it may.
 */
const run = promisify(execFile);
const KAFKA_SH = join(REPO_ROOT, 'deploy/kafka/kafka.sh');
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const TOPICS = security.DEFAULT_TOPICS;

type Connection = Pick<KafkaConfig, 'ssl' | 'sasl'>;
interface ErrorLink {
  name?: string;
  type?: string;
  code?: string | number;
  message?: string;
}

/** The error and its causes (kafkajs wraps the protocol or socket error in retry errors). */
function chain(error: unknown): ErrorLink[] {
  const links: ErrorLink[] = [];
  let current = error as (ErrorLink & { cause?: unknown; originalError?: unknown }) | undefined;
  while (current && links.length < 10) {
    links.push({ name: current.name, type: current.type, code: current.code, message: current.message });
    current = (current.cause ?? current.originalError) as typeof current;
  }
  return links;
}

async function failure(work: () => Promise<unknown>): Promise<ErrorLink[]> {
  try {
    await work();
  } catch (error) {
    return chain(error);
  }
  throw new Error('expected a refusal, but it succeeded');
}

/** A client of the shared broker with the given connection settings, no retries, its log kept. */
function client(connection: Connection, entries: LogEntry[] = [], level = logLevel.NOTHING): Kafka {
  return new Kafka({
    clientId: `dvc-test-acls-${runId}`,
    brokers: KAFKA_BROKERS,
    logLevel: level,
    logCreator: () => (entry) => void entries.push(entry),
    connectionTimeout: 5_000,
    retry: { retries: 0 },
    ...connection,
  });
}

const as = (principal: string, env: Record<string, string> = kafkaSecurityEnvironment(KAFKA_BROKERS, principal)): Connection =>
  security.kafkaConnectionOptions(env) as Connection;

async function describeCluster(connection: Connection): Promise<number> {
  const admin = client(connection).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Sends one message as `connection` through an idempotent producer (as the services and sources do). */
async function send(connection: Connection, topic: string): Promise<void> {
  const producer = client(connection).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 2 } });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: `acl-${runId}`, value: 'probe' }] });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

const topicRefused = (links: ErrorLink[]) => links.some((link) => link.type === 'TOPIC_AUTHORIZATION_FAILED' && link.code === 29);

/**
 * Consumes `topic` in `groupId` until the consumer fails: at subscribe (no Describe on the topic) or by
 * crashing while it runs. The failure, the client's (debug) log, and how many messages came through.
 */
async function consumeUntilFailure(connection: Connection, topic: string, groupId: string) {
  const entries: LogEntry[] = [];
  const consumer = client(connection, entries, logLevel.DEBUG).consumer({ groupId, retry: { retries: 3 } });
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const crashed = new Promise<unknown>((resolve) => consumer.on(consumer.events.CRASH, (event) => resolve(event.payload.error)));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => void received++ });
    const error = await Promise.race([crashed, new Promise((resolve) => (timer = setTimeout(() => resolve(new Error('the consumer kept running')), 60_000)))]);
    return { links: chain(error), entries, received };
  } catch (error) {
    return { links: chain(error), entries, received };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** kafka.sh against the shared broker (its port and data dir). */
function kafkaSh(...args: string[]) {
  return run('bash', [KAFKA_SH, ...args], { env: kafkaScriptEnvironment(), timeout: 120_000 });
}

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1], match[2]]),
  );
}

if (!kafkaSecured()) {
  describe('Kafka security', () => {
    it('runs against a secured broker', () => {
      // KAFKA_SECURITY=plaintext is a deliberate choice of an open broker: then there is nothing to check.
      if (process.env.KAFKA_SECURITY === 'plaintext') return;
      throw new Error(
        `the shared broker ${KAFKA_BROKERS.join(',')} is plaintext (its data dir was formatted before scram-tls): ` +
          'bash deploy/kafka/kafka.sh reset && bash deploy/kafka/kafka.sh start secures it (deletes its data)',
      );
    });
  });
} else {
  describe('Kafka identity from the broker (SASL/SCRAM-SHA-512 over TLS, ACLs)', () => {
    const adminEnv = kafkaSecurityEnvironment(KAFKA_BROKERS);
    const sources = [`a${runId}`, `b${runId}`];
    const sourceEnv = new Map<string, Record<string, string>>();
    const testTopics = { canonicalEvents: `test.kafka-acls.${runId}.canonical`, rateChanges: `test.kafka-acls.${runId}.rate-changes` };

    beforeAll(async () => {
      // Two one-stop systems, as a data center connects them; kafka.sh prints the password once.
      for (const key of sources) {
        const { stdout } = await kafkaSh('add-source', key);
        const env = parseEnv(stdout);
        expect(env).toMatchObject({ KAFKA_SASL_USERNAME: `src-${key}`, KAFKA_TOPIC: `${TOPICS.dossierEvents}.${key}`, KAFKA_SECURITY_PROTOCOL: 'sasl_ssl' });
        expect(env.KAFKA_SASL_PASSWORD).toMatch(/^[0-9a-f]{64}$/);
        sourceEnv.set(key, env);
      }
      const admin = kafkaClient('dvc-test-acls').admin();
      await admin.connect();
      try {
        await admin.createTopics({ waitForLeaders: true, topics: Object.values(testTopics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })) });
        // The aggregator's ACLs for this file's topics, exactly as services get them for theirs.
        await security.ensureAcls(
          admin,
          kafkajs,
          security.serviceAclBindings({ TOPIC_CANONICAL_EVENTS: testTopics.canonicalEvents, TOPIC_RATE_CHANGES: testTopics.rateChanges, AGGREGATOR_GROUP_ID: `aggregator.${runId}` }, ['aggregator']),
        );
      } finally {
        await admin.disconnect();
      }
    });

    afterAll(async () => {
      for (const key of sources) await kafkaSh('remove-source', key, '--delete-topic').catch(() => undefined);
      const admin = kafkaClient('dvc-test-acls').admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: Object.values(testTopics) }).catch(() => undefined);
        await security.deleteAclsOn(admin, kafkajs, [
          { resource: 'topic', name: testTopics.canonicalEvents },
          { resource: 'topic', name: testTopics.rateChanges },
          { resource: 'group', name: `aggregator.${runId}`, pattern: 'prefixed' },
          { resource: 'transactional-id', name: `ingest.${runId}`, pattern: 'prefixed' },
          { resource: 'group', name: `reader.${runId}` },
        ]);
      } finally {
        await admin.disconnect();
      }
    });

    it('lets the right password in and refuses a wrong one (SASL authentication failed)', async () => {
      expect(await describeCluster(as('admin'))).toBe(1);
      const wrong = `wrong-${randomBytes(8).toString('hex')}`;
      const links = await failure(() => describeCluster({ ...as('admin'), sasl: { mechanism: 'scram-sha-512', username: 'admin', password: wrong } }));
      expect(links[0]).toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
      expect(links[0].message).toMatch(/SCRAM SHA512 authentication failed: .*invalid credentials/);
      expect(JSON.stringify(links)).not.toContain(wrong);
      // A principal that does not exist is refused the same way.
      const unknown = await failure(() => describeCluster({ ...as('admin'), sasl: { mechanism: 'scram-sha-512', username: `nobody-${runId}`, password: wrong } }));
      expect(unknown[0]).toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    });

    it('speaks TLS with SASL only: a plaintext client, and a TLS client without SASL, are cut off', async () => {
      const plaintext = await failure(() => describeCluster({}));
      expect(plaintext.map((link) => link.name)).toContain('KafkaJSConnectionClosedError');
      const anonymous = await failure(() => describeCluster({ ssl: as('admin').ssl }));
      expect(anonymous.map((link) => link.name)).toContain('KafkaJSConnectionClosedError');
    });

    it('is refused by a client that does not trust the local CA (the system CAs only)', async () => {
      const links = await failure(() => describeCluster({ ...as('admin'), ssl: { rejectUnauthorized: true } }));
      expect(links).toContainEqual(expect.objectContaining({ name: 'KafkaJSConnectionError', code: 'SELF_SIGNED_CERT_IN_CHAIN' }));
    });

    it('lets a one-stop system write its own topic and nothing else', async () => {
      const [a, b] = sources;
      const source = as(`src-${a}`, sourceEnv.get(a));
      await send(source, `${TOPICS.dossierEvents}.${a}`);
      await send(as(`src-${b}`, sourceEnv.get(b)), `${TOPICS.dossierEvents}.${b}`);

      for (const topic of [`${TOPICS.dossierEvents}.${b}`, TOPICS.dossierEvents, TOPICS.canonicalEvents, TOPICS.deadLetter]) {
        const links = await failure(() => send(source, topic));
        expect({ topic, refused: topicRefused(links) }).toEqual({ topic, refused: true });
      }
    });

    it('lets a one-stop system read nothing, not even its own topic', async () => {
      const [a] = sources;
      const source = as(`src-${a}`, sourceEnv.get(a));
      // No consumer group of its own: the group coordinator is refused to it.
      const withoutGroup = await consumeUntilFailure(source, `${TOPICS.dossierEvents}.${a}`, `reader.${runId}`);
      expect(withoutGroup.received).toBe(0);
      expect(withoutGroup.links[0]).toMatchObject({ name: 'KafkaJSGroupCoordinatorNotFound' });
      expect(withoutGroup.entries.map((entry) => (entry.log.error as ErrorLink | undefined)?.type)).toContain('GROUP_AUTHORIZATION_FAILED');

      // Even given a group, reading a topic (its own, or the canonical one) is refused: Fetch needs Read.
      const admin = kafkaClient('dvc-test-acls').admin();
      await admin.connect();
      await security.ensureAcls(admin, kafkajs, [{ principal: `src-${a}`, resource: 'group', name: `reader.${runId}`, pattern: 'literal', operation: 'read' }]);
      await admin.disconnect();
      for (const topic of [`${TOPICS.dossierEvents}.${a}`, testTopics.canonicalEvents]) {
        const withGroup = await consumeUntilFailure(source, topic, `reader.${runId}`);
        expect({ topic, received: withGroup.received, refused: topicRefused(withGroup.links) }).toEqual({ topic, received: 0, refused: true });
      }
    });

    it('keeps the aggregator to its own output: it writes rate changes, never canonical events', async () => {
      const aggregator = as(security.SERVICE_PRINCIPALS.aggregator);
      await send(aggregator, testTopics.rateChanges);
      // (The test canonical topic has the ACLs the production one has: the aggregator may read it.)
      for (const topic of [testTopics.canonicalEvents, TOPICS.dossierEvents, TOPICS.deadLetter]) {
        const links = await failure(() => send(aggregator, topic));
        expect({ topic, refused: topicRefused(links) }).toEqual({ topic, refused: true });
      }
    });

    it('lets ingest write in transactions under its transactional-id prefix only', async () => {
      const ingestEnv = { INGEST_GROUP_ID: `ingest.${runId}`, TOPIC_CANONICAL_EVENTS: testTopics.canonicalEvents };
      const bindings = security.serviceAclBindings(ingestEnv, ['ingest']).filter((b) => b.resource === 'transactional-id' || b.name === testTopics.canonicalEvents);
      expect(bindings.filter((b) => b.resource === 'transactional-id').map((b) => `${b.operation} ${b.pattern} ${b.name}`).sort()).toEqual([
        `describe prefixed ingest.${runId}`,
        `write prefixed ingest.${runId}`,
      ]);
      const admin = kafkaClient('dvc-test-acls').admin();
      await admin.connect();
      await security.ensureAcls(admin, kafkajs, bindings);
      await admin.disconnect();
      const ingest = as(security.SERVICE_PRINCIPALS.ingest);
      const inTransaction = async (transactionalId: string, entries: LogEntry[] = []) => {
        const producer = client(ingest, entries, logLevel.DEBUG).producer({ transactionalId, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 2 } });
        await producer.connect();
        try {
          const transaction = await producer.transaction();
          await transaction.send({ topic: testTopics.canonicalEvents, acks: -1, messages: [{ key: `acl-${runId}`, value: transactionalId }] });
          await transaction.commit();
        } finally {
          await producer.disconnect().catch(() => undefined);
        }
      };
      await inTransaction(`ingest.${runId}-${testTopics.canonicalEvents}-0`);
      // Outside the prefix the transaction coordinator is refused to it (kafkajs then reports no coordinator found).
      const entries: LogEntry[] = [];
      const links = await failure(() => inTransaction(`other.${runId}-${testTopics.canonicalEvents}-0`, entries));
      expect(links[0]).toMatchObject({ name: 'KafkaJSGroupCoordinatorNotFound' });
      expect(entries.map((entry) => (entry.log.error as ErrorLink | undefined)?.type)).toContain('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    });

    it('gives services credentials as files: kafka.sh credentials prints no password', async () => {
      const { stdout } = await kafkaSh('credentials', security.SERVICE_PRINCIPALS.ingest);
      const env = parseEnv(stdout);
      expect(env).toEqual({
        KAFKA_BROKERS: KAFKA_BROKERS.join(','),
        KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'dvc-ingest',
        KAFKA_SASL_PASSWORD_FILE: security.passwordFile(process.env.DVC_TEST_KAFKA_DATA as string, 'dvc-ingest'),
        KAFKA_SSL_CA_FILE: adminEnv.KAFKA_SSL_CA_FILE,
      });
      expect(await describeCluster(as('dvc-ingest', env))).toBe(1);
    });

    it('does not log the password of a service whose login is refused', async () => {
      const wrong = `wrong-${randomBytes(12).toString('hex')}`;
      const env: NodeJS.ProcessEnv = {
        ...security.withoutSecurityVariables(process.env),
        ...kafkaSecurityEnvironment(KAFKA_BROKERS, security.SERVICE_PRINCIPALS.aggregator),
        KAFKA_SASL_PASSWORD: wrong,
        HTTP_PORT: String(3900 + Math.floor(Math.random() * 90)),
        LOG_LEVEL: 'debug',
        // The consumer connects to Kafka before it touches its tables: any database that answers will do.
        DATABASE_URL: `${POSTGRES_URL}/postgres`,
        AGGREGATOR_GROUP_ID: `aggregator.${runId}`,
        TOPIC_CANONICAL_EVENTS: testTopics.canonicalEvents,
      };
      delete env.KAFKA_SASL_PASSWORD_FILE;
      const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/services/aggregator/src/main.js')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (data: Buffer) => (output += data.toString('utf8')));
      child.stderr.on('data', (data: Buffer) => (output += data.toString('utf8')));
      try {
        await eventually(async () => (/authentication failed/i.test(output) ? true : undefined), 90_000, 'the aggregator to log its refused login');
      } finally {
        child.kill('SIGKILL');
      }
      expect(output).toMatch(/SASL SCRAM SHA512 authentication failed/);
      expect(output).not.toContain(wrong);
    });

    it('uses the connection the tests and services share (sanity of the fixtures)', () => {
      expect(adminEnv.KAFKA_SASL_USERNAME).toBe('admin');
      expect(kafkaConnection().sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'admin' });
    });
  });
}

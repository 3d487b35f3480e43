import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { groundTruth } from '../support/ground-truth';
import { deliveryMessage, produceDeliveries } from '../support/kafka-io';
import { kafkaClient, kafkaConnection, POSTGRES_URL } from '../support/infrastructure';
import { PrivateKafkaBroker } from '../support/private-kafka-broker';
import { pipelineCaughtUp, storedMonthlyCounts, withoutEmptyBuckets } from '../support/progress';
import { Delivery, generateScenario } from '../support/scenario';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

interface PostgresCut {
  /** Offsets the aggregator had applied just before the cut. */
  applied: number;
  /** Backends of the test database inside a transaction at the cut, and backends terminated. */
  inTransaction: number;
  terminated: number;
  /** How long the database refused new connections after the cut. */
  outageMs: number;
}

const sorted = <T>(map: Map<string, T>) => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * The other half of "a crash or a restart of Kafka, PostgreSQL or a service loses and double-counts
 * nothing" (crash-recovery.int-spec.ts kills the services): the dependencies go away under running
 * services, which must ride it out on their own (the local stack restarts nothing), and the counts must
 * still equal the independent ground truth exactly.
 *
 * - Kafka: this file runs its own broker (another port, data in a temp dir), because other test runs
 *   and benchmarks share the broker on 9092. It is SIGKILLed while ingest and the aggregator work
 *   through a backlog, and started again a few seconds later, keeping its data.
 * - PostgreSQL: restarting the machine's server would break every other run that uses it, so the
 *   test cuts the services' connections instead: `pg_terminate_backend` of every backend of this
 *   file's database, several times, each time while one of them is inside a transaction. To the
 *   services that is what a server restart looks like (a connection dies mid-transaction, idle pool
 *   connections die with it); once, the database also refuses new connections for 8 s
 *   (ALLOW_CONNECTIONS false), as a server that takes a while to come back would.
 */
describe('exact counts through Kafka and PostgreSQL outages', () => {
  const broker = new PrivateKafkaBroker();
  let environment: TestEnvironment;
  const deliveries = generateScenario({ dossiers: 14_000, seed: 9393, invalidShare: 0.01 });
  const validDeliveries = deliveries.filter((delivery) => delivery.event).length;
  const expected = withoutEmptyBuckets(groundTruth(deliveries.filter((delivery) => delivery.event).map((delivery) => delivery.event!)));
  let env: Record<string, string>;
  let ingest: ServiceProcess;
  let aggregator: ServiceProcess;
  let passed = false;

  const applied = async (): Promise<number> => {
    const [row] = await environment.query<{ applied: string }>(`SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets`);
    return Number(row.applied);
  };

  beforeAll(async () => {
    await broker.start();
    // Its own database too: another run of this file must never have its connections cut by this one.
    environment = new TestEnvironment('restarts', { kafkaBrokers: broker.brokers, databasePerRun: true });
    env = environment.serviceEnvironment({ AGGREGATOR_MAX_BYTES_PER_PARTITION: String(256 * 1024) });
    await environment.prepare();
  }, 180_000);

  afterAll(async () => {
    await stopAllServices();
    // Whatever happened: the broker dies with its data (its topics go with it).
    broker.destroy();
    // The database stays for a post-mortem only when the test failed.
    if (passed) await environment?.dropDatabase();
    else if (environment) console.log(`dependency restarts: database ${environment.databaseName} kept for a post-mortem`);
  });

  // Its own timeout: a broker start, a broker restart after a hard kill (~13 s), a paced stream and a catch-up.
  it('a hard kill of the Kafka broker and severed PostgreSQL connections lose and double-count nothing', async () => {
    // A backlog first, so that the broker dies while both services are busy with it.
    const backlog = Math.floor(deliveries.length * 0.3);
    await produceDeliveries(environment.topics.dossierEvents, deliveries.slice(0, backlog), 2_000, broker.brokers);
    // Started together, so that the aggregator's first batch comes while ingest is still in the backlog.
    [ingest, aggregator] = await Promise.all([new ServiceProcess('ingest', env).start(), new ServiceProcess('aggregator', env).start()]);

    // 1. Kafka: SIGKILL as soon as the aggregator has applied something, back after 3 s.
    const validInBacklog = deliveries.slice(0, backlog).filter((delivery) => delivery.event).length;
    const kafkaAdmin = kafkaClient('dvc-test', broker.brokers).admin();
    await kafkaAdmin.connect();
    let appliedAtKafkaCrash = 0;
    let canonicalAtKafkaCrash = 0;
    try {
      for (const deadline = Date.now() + 60_000; appliedAtKafkaCrash === 0; await sleep(20)) {
        if (Date.now() > deadline) throw new Error('the aggregator applied nothing within 60 s');
        appliedAtKafkaCrash = await applied();
      }
      // How far ingest had got: the canonical topic's committed end offsets (records and transaction markers).
      const ends = await kafkaAdmin.fetchTopicOffsets(environment.topics.canonicalEvents);
      canonicalAtKafkaCrash = ends.reduce((total, partition) => total + Number(partition.high), 0);
    } finally {
      await kafkaAdmin.disconnect();
    }
    await broker.crash();
    const crashedAt = Date.now();
    await sleep(3_000);
    await broker.start();
    const backAt = Date.now();
    const kafkaDownMs = backAt - crashedAt;

    // 2. The rest of the scenario streams in paced chunks. Ingest and the aggregator must find the
    // broker again by themselves: the first chunk must go all the way through before PostgreSQL is cut.
    // (kafkajs reconnects with a back-off, and a consumer whose member the restarted broker still
    // remembers waits for the group to rebalance: this takes up to some tens of seconds.)
    const producer = new Kafka({ clientId: 'dvc-test-stream', brokers: broker.brokers, logLevel: logLevel.NOTHING, ...kafkaConnection(broker.brokers) }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const rest = deliveries.slice(backlog);
    const chunkSize = 1_500;
    const chunks: Delivery[][] = [];
    for (let start = 0; start < rest.length; start += chunkSize) chunks.push(rest.slice(start, start + chunkSize));
    // Five cuts; the third keeps the database closed to new connections for 8 s.
    const cutAfterChunks = new Map([2, 5, 8, 11, 14].map((index, nth) => [Math.min(index, chunks.length - 2), nth === 2 ? 8_000 : 0]));
    const cuts: PostgresCut[] = [];
    let resumedAfterKafkaMs = 0;
    try {
      for (const [index, chunk] of chunks.entries()) {
        await producer.send({ topic: environment.topics.dossierEvents, messages: chunk.map(deliveryMessage), acks: -1 });
        if (index === 0) {
          await eventually(async () => ((await pipelineCaughtUp(environment, env.INGEST_GROUP_ID)) ? true : undefined), 120_000, 'the pipeline to resume after the Kafka restart');
          resumedAfterKafkaMs = Date.now() - backAt;
        }
        // 3. PostgreSQL connections are cut between chunks.
        if (cutAfterChunks.has(index)) cuts.push(await cutPostgresConnections(cutAfterChunks.get(index)));
        await sleep(1_000);
      }
    } finally {
      await producer.disconnect();
    }

    await eventually(async () => ((await pipelineCaughtUp(environment, env.INGEST_GROUP_ID)) ? true : undefined), 240_000, 'the pipeline to catch up');

    // The disruptions must have landed mid-stream, and on work in flight, for the test to mean anything.
    const summary = { kafkaDownMs, resumedAfterKafkaMs, appliedAtKafkaCrash, canonicalAtKafkaCrash, validInBacklog, cuts, validDeliveries };
    console.log(`dependency restarts: ${JSON.stringify(summary)}`);
    expect(appliedAtKafkaCrash).toBeGreaterThan(0);
    expect(appliedAtKafkaCrash).toBeLessThan(validInBacklog);
    expect(cuts.length).toBeGreaterThanOrEqual(3);
    for (const cut of cuts) expect(cut.applied).toBeLessThan(validDeliveries);
    // A cut finds no transaction only if the aggregator sat idle for 15 s with work waiting.
    expect(cuts.filter((cut) => cut.inTransaction > 0).length).toBeGreaterThanOrEqual(4);
    expect(cuts.find((cut) => cut.outageMs > 0)?.inTransaction).toBeGreaterThan(0);
    // Nobody restarted the services: they must have survived both outages on their own, and be ready.
    expect({ ingest: ingest.running, aggregator: aggregator.running }).toEqual({ ingest: true, aggregator: true });
    for (const service of [ingest, aggregator]) {
      await eventually(async () => ((await fetch(`${service.url}/health/ready`)).ok ? true : undefined), 30_000, `${service.service} to be ready`);
    }
    expect(sorted(await storedMonthlyCounts(environment))).toEqual(sorted(expected));
    passed = true;
  }, 600_000);

  /**
   * Cuts PostgreSQL under the services. Restarting the machine's PostgreSQL server would break every
   * other test run and benchmark on it, so only this run's database is cut: wait (up to 15 s) until one
   * of its backends is inside a transaction (the aggregator applying a batch), then terminate every
   * backend of that database, as a server restart would. With `outageMs`, the database also refuses new
   * connections (ALLOW_CONNECTIONS false) from just before the cut until `outageMs` after it, as a
   * server that takes that long to come back would.
   */
  async function cutPostgresConnections(outageMs = 0): Promise<PostgresCut> {
    const appliedBefore = await applied();
    const admin = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
    await admin.connect();
    try {
      if (outageMs > 0) await admin.query(`ALTER DATABASE ${environment.databaseName} WITH ALLOW_CONNECTIONS false`);
      try {
        const deadline = Date.now() + 15_000;
        for (;;) {
          // Looks and terminates in one statement, so that the transaction seen is the one cut.
          const { rows } = await admin.query<{ in_transaction: string; terminated: string }>(
            `WITH targets AS (
               SELECT pid, xact_start IS NOT NULL AND state <> 'idle' AS in_transaction
               FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
             ), busy AS (SELECT count(*) FILTER (WHERE in_transaction) AS n FROM targets)
             SELECT (SELECT n FROM busy) AS in_transaction,
                    (SELECT count(*) FROM targets WHERE pg_terminate_backend(pid)) AS terminated
             WHERE (SELECT n FROM busy) > 0 OR $2::boolean`,
            [environment.databaseName, Date.now() > deadline],
          );
          if (rows.length > 0) {
            if (outageMs > 0) await sleep(outageMs);
            return { applied: appliedBefore, inTransaction: Number(rows[0].in_transaction), terminated: Number(rows[0].terminated), outageMs };
          }
          await sleep(5);
        }
      } finally {
        if (outageMs > 0) await admin.query(`ALTER DATABASE ${environment.databaseName} WITH ALLOW_CONNECTIONS true`);
      }
    } finally {
      await admin.end();
    }
  }
});

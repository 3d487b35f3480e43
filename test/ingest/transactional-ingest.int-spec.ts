import { checkTopics, readWholeTopic } from '../support/delivery-checker';
import { kafkaClient } from '../support/infrastructure';
import { produceDeliveries } from '../support/kafka-io';
import { committedTotal } from '../support/progress';
import { generateScenario } from '../support/scenario';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

/**
 * Ingest's Kafka path is transactional (TransactionalBatchPublisher): each batch of an input partition is one
 * transaction with its canonical and dead-letter records and the group's next offset. Here, on one input partition:
 * a zombie holding the partition's transactional id is fenced and its open transaction aborted by ingest's producer,
 * and a SIGKILL of ingest mid-transaction leaves records that read_committed readers never see (a read_uncommitted
 * reader does) while the batch is redelivered and written once.
 */
describe('ingest: one Kafka transaction per batch (aborts invisible, batches redelivered)', () => {
  const environment = new TestEnvironment('ingest-transactions');
  const env = environment.serviceEnvironment({ LOG_LEVEL: 'error' });
  const kafka = () => kafkaClient('dvc-test-transactions', environment.kafkaBrokers);
  const transactionalId = () => `${env.INGEST_GROUP_ID}-${environment.topics.dossierEvents}-0`;

  beforeAll(async () => {
    await environment.prepare(1);
  });

  afterAll(async () => {
    await stopAllServices();
    await environment.cleanUp();
  });

  /**
   * Returns once a transaction of ingest has records on the canonical topic and is not committed: a read_uncommitted
   * reader has seen an offset at or past the last stable offset (the end a read_committed reader may reach); then
   * calls `act` at once.
   */
  async function whenTransactionOpen(act: () => Promise<void>): Promise<void> {
    const client = kafka();
    const admin = client.admin();
    const watcher = client.consumer({ groupId: `watcher-${environment.runId}-${Date.now()}`, readUncommitted: true, maxWaitTimeInMs: 50 });
    let highestWritten = -1n;
    await Promise.all([admin.connect(), watcher.connect()]);
    try {
      await watcher.subscribe({ topic: environment.topics.canonicalEvents, fromBeginning: true });
      await watcher.run({ autoCommit: false, eachBatch: async ({ batch }) => void (highestWritten = BigInt(batch.lastOffset()) > highestWritten ? BigInt(batch.lastOffset()) : highestWritten) });
      for (const deadline = Date.now() + 120_000; ; await sleep(5)) {
        if (Date.now() > deadline) throw new Error('no open transaction of ingest seen within 120 s');
        const [{ high: lastStable }] = await admin.fetchTopicOffsets(environment.topics.canonicalEvents);
        if (highestWritten >= BigInt(lastStable)) return await act();
      }
    } finally {
      await Promise.all([admin.disconnect(), watcher.disconnect()]);
    }
  }

  const ingestCommitted = async (total: number) =>
    eventually(async () => ((await committedTotal(environment.kafkaBrokers, env.INGEST_GROUP_ID, environment.topics.dossierEvents)) >= total ? true : undefined), 240_000, `ingest to commit ${total} input messages`);

  it("fences a zombie with the partition's transactional id: its open transaction is aborted, its offsets never committed", async () => {
    const deliveries = generateScenario({ dossiers: 300, seed: 611, invalidShare: 0.05 });
    const zombie = kafka().producer({ transactionalId: transactionalId(), maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 2 } });
    await zombie.connect();
    const transaction = await zombie.transaction();
    await transaction.send({ topic: environment.topics.canonicalEvents, acks: -1, messages: [{ key: 'zombie', value: 'written by a zombie, never committed' }] });
    await transaction.sendOffsets({ consumerGroupId: env.INGEST_GROUP_ID, topics: [{ topic: environment.topics.dossierEvents, partitions: [{ partition: 0, offset: '100000' }] }] });

    await produceDeliveries(environment.topics.dossierEvents, deliveries, 2_000, environment.kafkaBrokers);
    const ingest = await new ServiceProcess('ingest', env).start();
    await ingestCommitted(deliveries.length);
    // The zombie's commit comes too late: ingest's producer registered the id after it (a newer epoch).
    await expect(transaction.commit()).rejects.toThrow();
    await zombie.disconnect().catch(() => undefined);
    await ingest.stop();

    expect(await committedTotal(environment.kafkaBrokers, env.INGEST_GROUP_ID, environment.topics.dossierEvents)).toBe(deliveries.length);
    const [inputRecords, canonical, deadLetters] = [
      await readWholeTopic(environment.kafkaBrokers, environment.topics.dossierEvents),
      await readWholeTopic(environment.kafkaBrokers, environment.topics.canonicalEvents),
      await readWholeTopic(environment.kafkaBrokers, environment.topics.deadLetter),
    ];
    expect(canonical.filter((record) => record.key === 'zombie')).toEqual([]);
    const everyWritten = await readWholeTopic(environment.kafkaBrokers, environment.topics.canonicalEvents, 60_000, true);
    expect(everyWritten.filter((record) => record.key === 'zombie')).toHaveLength(1);
    const verdict = checkTopics({ deliveries, inputTopic: environment.topics.dossierEvents, inputRecords, canonical, deadLetters });
    expect(verdict.problems).toEqual([]);
    expect(verdict.summary.invalid).toBeGreaterThan(5);
  }, 300_000);

  it('hides what a SIGKILLed ingest wrote in its open transaction, and writes the redelivered batch once', async () => {
    // After the first test's messages: the input, canonical and dead-letter topics go on from there.
    const all = generateScenario({ dossiers: 300, seed: 611, invalidShare: 0.05 });
    // Kill while a transaction of ingest has records out. Should it commit in the instant before the kill (nothing
    // aborted), another backlog and another kill, up to three times.
    let hidden = 0;
    let attempts = 0;
    while (hidden === 0 && attempts < 3) {
      attempts += 1;
      const backlog = generateScenario({ dossiers: 12_000, seed: 612 + attempts, invalidShare: 0.01 });
      all.push(...backlog);
      await produceDeliveries(environment.topics.dossierEvents, backlog, 500, environment.kafkaBrokers); // one partition: 500 a request stay under 1 MB
      const ingest = await new ServiceProcess('ingest', env).start();
      // Records of an open transaction are out: a kill now leaves them to be aborted.
      await whenTransactionOpen(() => ingest.kill());
      if ((await committedTotal(environment.kafkaBrokers, env.INGEST_GROUP_ID, environment.topics.dossierEvents)) >= all.length) {
        throw new Error('ingest finished the backlog before it was killed: make the backlog larger');
      }
      // The restarted ingest takes the partition over (once the killed member's session expired), fences the dead
      // producer's transaction (aborted) and redoes its batch.
      const restarted = await new ServiceProcess('ingest', env).start();
      await ingestCommitted(all.length);
      await restarted.stop();
      const committedRead = await readWholeTopic(environment.kafkaBrokers, environment.topics.canonicalEvents);
      const everyWritten = await readWholeTopic(environment.kafkaBrokers, environment.topics.canonicalEvents, 60_000, true);
      hidden = everyWritten.length - committedRead.length - 1; // the first test's zombie record
    }
    expect({ attempts, hidden: hidden > 0 }).toEqual({ attempts, hidden: true });

    const [inputRecords, canonical, deadLetters] = [
      await readWholeTopic(environment.kafkaBrokers, environment.topics.dossierEvents),
      await readWholeTopic(environment.kafkaBrokers, environment.topics.canonicalEvents),
      await readWholeTopic(environment.kafkaBrokers, environment.topics.deadLetter),
    ];
    const verdict = checkTopics({ deliveries: all, inputTopic: environment.topics.dossierEvents, inputRecords, canonical, deadLetters });
    expect(verdict.problems).toEqual([]);
    expect(verdict.summary.canonicalRepeated + verdict.summary.deadLettersRepeated).toBe(0);
    expect(await committedTotal(environment.kafkaBrokers, env.INGEST_GROUP_ID, environment.topics.dossierEvents)).toBe(all.length);
    console.log(`transactional ingest: after ${attempts} kill(s), ${hidden} canonical records of the killed ingest's open transaction hidden from read_committed readers, its batch written once on redelivery`);
  }, 400_000);
});

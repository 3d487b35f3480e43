import { randomUUID } from 'node:crypto';
import { Controller, INestApplication, Module, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import {
  assignmentPattern,
  connectKafkaBatchTransport,
  KAFKA_BATCH_TRANSPORT_OPTIONS,
  KafkaAssignment,
  KafkaBatchContext,
  KafkaBatchSubscription,
  KafkaBatchTransportOptions,
  KafkaMemberAssignment,
  memberAssignmentPattern,
  RethrowToKafka,
  StartOffsets,
} from '@dvc/messaging';
import { KAFKA_BROKERS, kafkaClient, kafkaConnection } from '../support/infrastructure';
import { eventually } from '../support/service-process';

/** Waits (on the monotonic clock) until `condition` holds. */
const until = (condition: () => boolean, what: string) => eventually(async () => (condition() ? true : undefined), 60_000, what);

/**
 * The batch transport of libs/messaging (a Nest custom transport strategy) in a hybrid Nest app on the real broker:
 * batches reach an `@EventPattern` handler with their context, the assignment handler chooses where partitions
 * start (the aggregator's stored-offset fencing), a handler's error makes kafkajs deliver the batch again, and
 * closing the app lets the batch in flight finish and commit.
 */

const PATTERN = 'test-batches';
const PARTITIONS = 3;

interface SeenBatch {
  topic: string;
  partition: number;
  offsets: string[];
  values: string[];
  highWatermark: string;
}

/** What the controller of one app saw and what it is told to do. */
class Probe {
  readonly batches: SeenBatch[] = [];
  readonly assignments: KafkaAssignment[] = [];
  startOffsets: StartOffsets = new Map();
  /** Errors to throw, one per batch, before handling normally. */
  failures: Error[] = [];
  /** A delay inside the handler, to close the app while a batch is in flight. */
  handlerDelayMs = 0;
  handlerStarted: (() => void) | null = null;
  readonly memberAssignments: KafkaMemberAssignment[] = [];
  /** Subscriptions with offsetCommits 'transaction': commits the batch's offsets in the handler's own transaction. */
  commitInTransaction: ((context: KafkaBatchContext) => Promise<void>) | null = null;
  refusedCommits = 0;
}

@Controller()
@UseFilters(RethrowToKafka)
class ProbeController {
  constructor(private readonly probe: Probe) {}

  @EventPattern(assignmentPattern(PATTERN))
  startAt(@Payload() assignment: KafkaAssignment): StartOffsets {
    this.probe.assignments.push(assignment);
    return this.probe.startOffsets;
  }

  @EventPattern(memberAssignmentPattern(PATTERN))
  told(@Payload() assignment: KafkaMemberAssignment): void {
    this.probe.memberAssignments.push(assignment);
  }

  @EventPattern(PATTERN)
  async handle(@Payload() messages: KafkaMessage[], @Ctx() context: KafkaBatchContext): Promise<void> {
    this.probe.handlerStarted?.();
    const failure = this.probe.failures.shift();
    if (failure) throw failure;
    if (this.probe.handlerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.probe.handlerDelayMs));
    // A batch whose transaction failed is delivered again: it is recorded once its transaction committed.
    if (this.probe.commitInTransaction) await this.probe.commitInTransaction(context);
    this.probe.batches.push({
      topic: context.getTopic(),
      partition: context.getPartition(),
      offsets: messages.map((message) => message.offset),
      values: messages.map((message) => message.value!.toString('utf8')),
      highWatermark: context.getHighWatermark(),
    });
    if (this.probe.commitInTransaction) {
      await context.commitOffsetsIfNecessary().catch(() => void (this.probe.refusedCommits += 1));
      context.resolveOffset(context.lastOffset()!);
    } else {
      context.resolveOffset(context.lastOffset()!);
      await context.commitOffsetsIfNecessary();
    }
    await context.heartbeat();
  }
}

async function startApp(kafka: Kafka, topic: string, groupId: string, probe: Probe, subscription: Partial<KafkaBatchSubscription> = {}): Promise<INestApplication> {
  @Module({
    controllers: [ProbeController],
    providers: [
      { provide: Probe, useValue: probe },
      {
        provide: KAFKA_BATCH_TRANSPORT_OPTIONS,
        useValue: {
          kafka,
          subscriptions: [
            { pattern: PATTERN, description: 'test consumer', groupId, topics: [topic], fromBeginning: true, consumer: { maxWaitTimeInMs: 100, retry: { retries: 5, initialRetryTime: 100 } }, ...subscription },
          ],
        } satisfies KafkaBatchTransportOptions,
      },
    ],
  })
  class ProbeModule {}
  const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  connectKafkaBatchTransport(app);
  await app.init();
  await app.startAllMicroservices();
  return app;
}

describe('the Kafka batch transport for Nest (real broker)', () => {
  const kafka = kafkaClient('dvc-test-batch-transport');
  const admin = kafka.admin();
  const producer = kafka.producer();
  const topics: string[] = [];
  let topic: string;

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
  });

  beforeEach(async () => {
    topic = `dvc.test.batch-transport.${randomUUID()}`;
    topics.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await producer.disconnect();
    // At the end only: a producer that knew a deleted topic fails its next metadata refresh.
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  /** `count` messages per partition, values `p<partition>-<n>`. */
  async function produce(count: number): Promise<void> {
    const messages = Array.from({ length: PARTITIONS }, (_, partition) =>
      Array.from({ length: count }, (__, n) => ({ partition, value: `p${partition}-${n}` })),
    ).flat();
    await producer.send({ topic, messages });
  }

  const seenValues = (probe: Probe) => probe.batches.flatMap((batch) => batch.values).sort();

  it('hands the handler whole batches with their partition, offsets and high watermark, and commits what it resolved', async () => {
    await produce(50);
    const probe = new Probe();
    const groupId = `dvc-test-${randomUUID()}`;
    const app = await startApp(kafka, topic, groupId, probe);
    try {
      await until(() => seenValues(probe).length === 150, 'all 150 messages handled');
      expect(new Set(seenValues(probe)).size).toBe(150);
      // Batches, not messages: 150 messages came in far fewer calls, each of one partition and in offset order.
      expect(probe.batches.length).toBeLessThan(150);
      expect(probe.batches.some((batch) => batch.values.length > 1)).toBe(true);
      for (const batch of probe.batches) {
        expect(batch.topic).toBe(topic);
        expect(batch.values.every((value) => value.startsWith(`p${batch.partition}-`))).toBe(true);
        expect(batch.offsets.map(Number)).toEqual([...batch.offsets.map(Number)].sort((a, b) => a - b));
        expect(batch.highWatermark).toBe('50');
      }
      expect(probe.assignments).toEqual([{ groupId, topic, partitions: [0, 1, 2] }]);
    } finally {
      await app.close();
    }
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed.partitions.map((partition) => partition.offset).sort()).toEqual(['50', '50', '50']);
  });

  it('starts assigned partitions where the assignment handler says (stored-offset fencing)', async () => {
    await produce(20);
    const probe = new Probe();
    // Partition 0 "already applied" up to offset 14: it starts at 15; the others start at the beginning.
    probe.startOffsets = new Map([[0, 15n]]);
    const app = await startApp(kafka, topic, `dvc-test-${randomUUID()}`, probe);
    try {
      await until(() => seenValues(probe).length === 5 + 20 + 20, 'the unfenced messages handled');
      const partitionZero = probe.batches.filter((batch) => batch.partition === 0).flatMap((batch) => batch.offsets.map(Number));
      expect(partitionZero).toEqual([15, 16, 17, 18, 19]);
    } finally {
      await app.close();
    }
  });

  it("lets a handler's error reach kafkajs, which delivers the same batch again", async () => {
    await produce(10);
    const probe = new Probe();
    probe.failures = [new Error('database unavailable (test)'), new Error('database unavailable again (test)')];
    // What kafkajs itself saw: the handler's own errors, not Nest's generic "Internal server error" in their place.
    const seenByKafkajs: unknown[] = [];
    const logging = new Kafka({
      clientId: 'dvc-test-batch-transport-errors',
      brokers: KAFKA_BROKERS,
      ...kafkaConnection(),
      logLevel: logLevel.ERROR,
      logCreator: () => (entry) => {
        if (entry.log.message === 'Error when calling eachBatch') seenByKafkajs.push(entry.log.error);
      },
    });
    const app = await startApp(logging, topic, `dvc-test-${randomUUID()}`, probe);
    try {
      await until(() => seenValues(probe).length === 30, 'every message handled after the two failures');
      expect(probe.failures).toEqual([]);
      expect(seenByKafkajs.map((error) => (error as Error).message)).toEqual(['database unavailable (test)', 'database unavailable again (test)']);
      // Nothing was lost to the failed attempts, and nothing handled twice: the failed batches were not resolved.
      expect(seenValues(probe)).toEqual([...new Set(seenValues(probe))]);
    } finally {
      await app.close();
    }
  });

  it("with offsetCommits 'transaction', commits nothing itself (the handler's transactions do) and tells the member's assignment", async () => {
    await produce(20);
    const probe = new Probe();
    const groupId = `dvc-test-${randomUUID()}`;
    const transactionalId = `dvc-test-${randomUUID()}`;
    let transactional = kafka.producer({ transactionalId, maxInFlightRequests: 1 });
    await transactional.connect();
    // Partitions 0 and 1 commit their offsets in a transaction; partition 2's handler commits nothing. One producer has
    // one transaction at a time, and the partitions' batches are handled concurrently: their transactions take turns.
    let transactions: Promise<unknown> = Promise.resolve();
    probe.commitInTransaction = async (context) => {
      if (context.getPartition() === 2) return;
      const offset = String(Number(context.lastOffset()) + 1);
      const turn = transactions.then(async () => {
        const transaction = await transactional.transaction();
        try {
          await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: context.getPartition(), offset }] }] });
          await transaction.commit();
        } catch (error) {
          // As ingest does: abort, start again with a new producer (which fences the old one), and let kafkajs deliver the
          // batch again. A new broker may still answer CONCURRENT_TRANSACTIONS while it writes its first markers.
          await transaction.abort().catch(() => undefined);
          await transactional.disconnect().catch(() => undefined);
          transactional = kafka.producer({ transactionalId, maxInFlightRequests: 1 });
          await transactional.connect();
          throw error;
        }
      });
      transactions = turn.catch(() => undefined);
      await turn;
    };
    const app = await startApp(kafka, topic, groupId, probe, { offsetCommits: 'transaction' });
    try {
      await until(() => seenValues(probe).length === 60, 'all 60 messages handled');
      expect(probe.memberAssignments).toEqual([{ groupId, assignment: { [topic]: [0, 1, 2] } }]);
      expect(probe.refusedCommits).toBe(probe.batches.length);
    } finally {
      await app.close();
      await transactional.disconnect();
    }
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(Object.fromEntries(committed.partitions.map((partition) => [partition.partition, partition.offset]))).toEqual({ 0: '20', 1: '20', 2: '-1' });
  });

  it('on close, lets the batch in flight finish and commit before leaving the group', async () => {
    await produce(5);
    const probe = new Probe();
    probe.handlerDelayMs = 2_000;
    const started = new Promise<void>((resolve) => (probe.handlerStarted = resolve));
    const groupId = `dvc-test-${randomUUID()}`;
    const app = await startApp(kafka, topic, groupId, probe);
    await started;
    await app.close();
    // The batch that was in flight when close began was handled to its end and its offset committed.
    expect(probe.batches.length).toBeGreaterThanOrEqual(1);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map(committed.partitions.map((partition) => [partition.partition, partition.offset]));
    for (const batch of probe.batches) expect(byPartition.get(batch.partition)).toBe(String(Number(batch.offsets.at(-1)) + 1));
  });
});

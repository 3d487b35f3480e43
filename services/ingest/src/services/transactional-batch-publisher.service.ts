import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Admin, Kafka, KafkaMessage, Producer, Transaction } from 'kafkajs';
import type { DossierEvent } from '@dvc/contracts';
import { KeyHashPartitioner } from '@dvc/messaging';
import { IngestConfig } from '../ingest-config';
import { KAFKA } from '../tokens';
import { DeadLetter, EventPublisher } from './event-publisher.service';

/** An input partition of the Kafka intake, and the consumer group whose offsets it commits. */
export interface ConsumedPartition {
  groupId: string;
  topic: string;
  partition: number;
}

/** What a batch's messages came to: the events to count and the messages to dead-letter. */
export interface SortedBatch {
  accepted: DossierEvent[];
  deadLetters: DeadLetter[];
}

/** The transactional producer of one input partition. */
interface PartitionProducer {
  topic: string;
  partition: number;
  transactionalId: string;
  producer: Producer;
  connected: Promise<void>;
  /**
   * The next input offset to handle: the group's committed offset read once this producer had fenced its predecessors,
   * then the offset each of its transactions committed. Null until the first transaction.
   */
  nextOffset: bigint | null;
  /** The batch in flight (one at a time per partition): awaited before the producer is let go. */
  inFlight: Promise<unknown>;
}

const partitionKey = (topic: string, partition: number) => `${partition} ${topic}`;

/** A failed transaction, for kafkajs to deliver its batch again (it gives up on a consumer at a non-retriable error). */
export class BatchTransactionFailed extends Error {
  readonly retriable = true;
  constructor(cause: unknown) {
    super(`the batch's transaction failed and was aborted: ${String(cause)}`, { cause });
    this.name = 'BatchTransactionFailed';
  }
}

/**
 * The error to throw to kafkajs. kafkajs calls a coordinator it could not find after its own retries (as after a broker
 * restart, while the transaction log loads) non-retriable, which would stop the consumer for good; the batch is
 * redelivered instead. A refusal (an ACL missing) and a programming error stay as they are: retrying cannot help.
 */
function redeliverable(error: unknown): unknown {
  if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) return error;
  for (let link = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; link && depth < 10; depth += 1) {
    if (typeof link.type === 'string' && link.type.endsWith('_AUTHORIZATION_FAILED')) return error;
    link = (link.cause ?? link.originalError) as typeof link;
  }
  return new BatchTransactionFailed(error);
}

/**
 * The Kafka intake's exactly-once path, consume → produce as Kafka Streams did before KIP-447: one transactional
 * producer per input partition, with the stable transactional id `<prefix>-<topic>-<partition>`. Each batch is one
 * transaction: its canonical and dead-letter records and the group's next offset (TxnOffsetCommit), committed
 * together or not at all. kafkajs 2.2.4 sends TxnOffsetCommit v0/v1, which carry no group generation or member id, so
 * the group coordinator cannot refuse a zombie's offsets (KIP-447's check); the per-partition id does the fencing:
 * the producer of the partition's new owner registers the same id (InitProducerId), which bumps its epoch, makes any
 * later write or commit of the old owner fail (fenced), and ends the old owner's open transaction first (aborted, or
 * completed when its commit was already under way). Only then does the new producer read the group's committed offset
 * and drop what a committed transaction already covered; after that it tracks the offsets itself.
 *
 * A producer is created when its partition's first batch arrives, and let go when a group join no longer gives this
 * member the partition, after any failed transaction (the batch is redelivered to a fresh producer, which fences and
 * reads the committed offset again), and on shutdown.
 */
@Injectable()
export class TransactionalBatchPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(TransactionalBatchPublisher.name);
  private readonly producers = new Map<string, PartitionProducer>();
  /** This member's assignment as of the last group join (topic → partitions); null before the first. */
  private assignment: Map<string, Set<number>> | null = null;
  private readonly transactionalIdPrefix: string;
  private readonly transactionTimeout: number;
  private admin: Promise<Admin> | null = null;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    config: ConfigService<IngestConfig, true>,
    private readonly publisher: EventPublisher,
  ) {
    this.transactionalIdPrefix = config.get('INGEST_TRANSACTIONAL_ID_PREFIX', { infer: true }) ?? config.get('INGEST_GROUP_ID', { infer: true });
    this.transactionTimeout = config.get('INGEST_TRANSACTION_TIMEOUT_MS', { infer: true });
  }

  transactionalId(topic: string, partition: number): string {
    return `${this.transactionalIdPrefix}-${topic}-${partition}`;
  }

  /**
   * Handles one batch of an input partition in one transaction: the messages a committed transaction already covered
   * are dropped, `sort` decides about the others, their records are sent (in order, in requests of at most
   * MAX_REQUEST_BYTES), the next offset is added, and the transaction commits. Answers the messages handled (none:
   * nothing was left to do), or null when the partition is not this member's any more (the batch is left alone).
   * Throws after aborting when anything fails: the batch is then redelivered.
   */
  async publishBatch(source: ConsumedPartition, messages: KafkaMessage[], sort: (messages: KafkaMessage[]) => Promise<SortedBatch>): Promise<KafkaMessage[] | null> {
    if (this.assignment && !this.assignment.get(source.topic)?.has(source.partition)) return null;
    const key = partitionKey(source.topic, source.partition);
    let entry = this.producers.get(key);
    if (!entry) {
      entry = this.createProducer(source);
      this.producers.set(key, entry);
    }
    const current = entry;
    const run = current.inFlight.then(() => this.runTransaction(key, current, source, messages, sort));
    current.inFlight = run.catch(() => undefined);
    return run;
  }

  /** Lets go of the producers of partitions this member was not given at the last group join. */
  async keepOnly(assignment: Readonly<Record<string, readonly number[]>>): Promise<void> {
    this.assignment = new Map(Object.entries(assignment).map(([topic, partitions]) => [topic, new Set(partitions)]));
    const revoked = [...this.producers].filter(([, entry]) => !this.assignment!.get(entry.topic)?.has(entry.partition));
    await Promise.all(revoked.map(([key, entry]) => this.letGo(key, entry)));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.producers].map(([key, entry]) => this.letGo(key, entry)));
    if (this.admin) await (await this.admin.catch(() => null))?.disconnect();
  }

  private createProducer(source: ConsumedPartition): PartitionProducer {
    const transactionalId = this.transactionalId(source.topic, source.partition);
    const producer = this.kafka.producer({
      transactionalId,
      transactionTimeout: this.transactionTimeout,
      // Not `idempotent`: a transaction's sends are idempotent anyway (the transactional producer id and sequence
      // numbers); the flag would only add an unused producer id at connect and retry a send for ever, where a failed
      // transaction should rather abort and have its batch redelivered.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: KeyHashPartitioner,
    });
    const connected = producer.connect();
    connected.catch(() => undefined); // awaited (and its error thrown) by the first transaction
    return { topic: source.topic, partition: source.partition, transactionalId, producer, connected, nextOffset: null, inFlight: Promise.resolve() };
  }

  private async runTransaction(key: string, entry: PartitionProducer, source: ConsumedPartition, messages: KafkaMessage[], sort: (messages: KafkaMessage[]) => Promise<SortedBatch>): Promise<KafkaMessage[]> {
    let transaction: Transaction | null = null;
    try {
      await entry.connected;
      // The producer's first transaction registers its id (InitProducerId): earlier producers of the id are fenced
      // and their open transaction ended before this returns, so the committed offset read next is final.
      transaction = await entry.producer.transaction();
      entry.nextOffset ??= await this.committedOffset(source);
      const fresh = messages.filter((message) => BigInt(message.offset) >= entry.nextOffset!);
      if (fresh.length === 0) {
        await transaction.abort(); // nothing was added to it: no request is sent
        return fresh;
      }
      const { accepted, deadLetters } = await sort(fresh);
      for (const topicMessages of this.publisher.produceRequests('kafka', accepted, deadLetters)) {
        await transaction.sendBatch({ topicMessages, acks: -1 });
      }
      const nextOffset = BigInt(fresh[fresh.length - 1].offset) + 1n;
      await transaction.sendOffsets({
        consumerGroupId: source.groupId,
        topics: [{ topic: source.topic, partitions: [{ partition: source.partition, offset: nextOffset.toString() }] }],
      });
      await transaction.commit();
      entry.nextOffset = nextOffset;
      this.publisher.countPublished('kafka', accepted, deadLetters);
      return fresh;
    } catch (error) {
      // Fenced by the partition's new owner, a broker away, a coordinator moved: abort (a fenced producer cannot; the
      // broker aborts for it) and let the producer go; the redelivered batch gets a fresh one.
      if (transaction?.isActive()) await transaction.abort().catch(() => undefined);
      this.logger.warn({ error: String(error), transactionalId: entry.transactionalId }, 'transaction of a batch failed; aborted, the batch will be redelivered');
      if (this.producers.get(key) === entry) this.producers.delete(key);
      void entry.producer.disconnect().catch(() => undefined);
      throw redeliverable(error);
    }
  }

  /** The group's committed offset of the partition (0 when it has none: nothing was committed yet). */
  private async committedOffset(source: ConsumedPartition): Promise<bigint> {
    this.admin ??= this.connectAdmin();
    const [entry] = await (await this.admin).fetchOffsets({ groupId: source.groupId, topics: [source.topic] });
    const offset = entry?.partitions.find((partition) => partition.partition === source.partition)?.offset ?? '-1';
    return BigInt(offset) < 0n ? 0n : BigInt(offset);
  }

  private async connectAdmin(): Promise<Admin> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      return admin;
    } catch (error) {
      this.admin = null;
      throw error;
    }
  }

  /** Waits for the partition's batch in flight, then disconnects its producer. */
  private async letGo(key: string, entry: PartitionProducer): Promise<void> {
    if (this.producers.get(key) === entry) this.producers.delete(key);
    await entry.inFlight;
    await entry.producer.disconnect().catch((error: unknown) => this.logger.warn({ error: String(error), transactionalId: entry.transactionalId }, 'could not disconnect a transactional producer'));
  }
}

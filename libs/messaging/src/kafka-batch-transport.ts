import { ArgumentsHost, Catch, INestApplication, Logger, RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom, Observable, throwError } from 'rxjs';
import type { Batch, Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { exitWhenConsumerGivesUp } from './consumer-supervision';

/**
 * A Nest transport (`@nestjs/microservices` custom strategy) that consumes Kafka in batches. Nest's own Kafka
 * server hands its handlers one message at a time (it runs kafkajs with `eachMessage`); the aggregator applies a
 * whole batch in one PostgreSQL transaction, and ingest validates and produces a batch at once. Here every batch goes
 * to the `@EventPattern` handler of its subscription, as `@Payload() messages` with a {@link KafkaBatchContext}
 * (`@Ctx()`): partition, high watermark, heartbeat, offset resolution and commit, staleness.
 *
 * Offsets are the handler's: nothing is resolved for it (`eachBatchAutoResolve: false`) unless the subscription asks
 * for `autoResolve`. An error thrown by a handler reaches kafkajs unchanged when its controller carries
 * `@UseFilters(RethrowToKafka)` (every batch controller must), and kafkajs retries the batch and, out of retries,
 * restarts the consumer; one that gives up for good ends the process, so that its supervisor starts a fresh one
 * (consumer-supervision.ts).
 *
 * On every group join the handler of `assignmentPattern(pattern)`, if there is one, is told the partitions assigned
 * and may answer the offsets to start them at: the aggregator's stored-offset fencing starts each partition where
 * PostgreSQL says it stopped, not where Kafka's older committed offset says. The handler of
 * `memberAssignmentPattern(pattern)`, if there is one, is told the member's whole assignment: ingest lets go of the
 * transactional producers of partitions it no longer has.
 *
 * Offsets are committed by the consumer unless the subscription says `offsetCommits: 'transaction'`: then the
 * handler commits them in its own Kafka transaction, with the batch's output (ingest's exactly-once path).
 *
 * Lifecycle (hybrid apps): `app.connectMicroservice({ strategy })` before `app.init()`; `app.startAllMicroservices()`
 * connects, subscribes and runs every consumer; `app.close()` closes the transport after `onModuleDestroy` and before
 * `onApplicationShutdown`: each consumer finishes (and commits) its batch in flight, then leaves its group, while the
 * producers and the database (closed on `onApplicationShutdown`) are still there for that batch.
 */

export interface KafkaBatchSubscription {
  /** The `@EventPattern` its batches go to. */
  pattern: string;
  /** What the logs call it, e.g. "canonical events consumer". */
  description: string;
  groupId: string;
  /** The topics; a function is asked again every `refreshTopicsMs`, and topics it adds are subscribed to. */
  topics: readonly string[] | (() => Promise<readonly string[]>);
  refreshTopicsMs?: number;
  fromBeginning?: boolean;
  partitionsConsumedConcurrently?: number;
  /** Resolve every message of a batch once its handler returns (notices, not records); default: the handler resolves. */
  autoResolve?: boolean;
  /**
   * Who commits the consumed offsets to the group. `consumer` (the default): the consumer commits what the handler
   * resolved, after each batch (kafkajs's autoCommit). `transaction`: the handler commits them itself, inside the Kafka
   * transaction that writes the batch's output (a transactional producer's `sendOffsets`), so the consumer never
   * commits (autoCommit off) and `commitOffsetsIfNecessary` is refused; the handler still resolves what it handled, so
   * that the consumer fetches on from there. Not with `autoResolve`.
   */
  offsetCommits?: OffsetCommits;
  /** kafkajs consumer settings; `retry` defaults to {@link CONSUMER_RETRY}. */
  consumer?: Omit<ConsumerConfig, 'groupId'>;
}

/**
 * How long a consumer keeps retrying before kafkajs gives up on it (and consumer-supervision.ts ends the process):
 * 20 retries backing off from 300 ms to 10 s, about three minutes, enough for a broker restart.
 */
export const CONSUMER_RETRY = { retries: 20, initialRetryTime: 300, maxRetryTime: 10_000 } as const;

export type OffsetCommits = 'consumer' | 'transaction';

export interface KafkaBatchTransportOptions {
  kafka: Kafka;
  subscriptions: readonly KafkaBatchSubscription[];
}

/** The token a service provides its transport options under (a factory of its Kafka client and configuration). */
export const KAFKA_BATCH_TRANSPORT_OPTIONS = Symbol('KAFKA_BATCH_TRANSPORT_OPTIONS');

/** The pattern of the handler told about a subscription's partition assignments. */
export function assignmentPattern(pattern: string): string {
  return `${pattern}:assigned`;
}

/** What the assignment handler gets: the partitions of each topic just assigned to this member. */
export interface KafkaAssignment {
  groupId: string;
  topic: string;
  partitions: number[];
}

/** Offsets (the next to read) at which to start assigned partitions; partitions left out start where Kafka says. */
export type StartOffsets = ReadonlyMap<number, bigint>;

/** What the handler of `memberAssignmentPattern(pattern)` gets: every partition assigned to this member, per topic. */
export interface KafkaMemberAssignment {
  groupId: string;
  assignment: Readonly<Record<string, readonly number[]>>;
}

/** The pattern of the handler told this member's whole assignment on every group join (to let go of what it lost). */
export function memberAssignmentPattern(pattern: string): string {
  return `${pattern}:member-assignment`;
}

/** The batch's context: what a handler needs besides the messages. */
export class KafkaBatchContext extends BaseRpcContext<[EachBatchPayload, string, OffsetCommits]> {
  constructor(payload: EachBatchPayload, groupId: string, offsetCommits: OffsetCommits = 'consumer') {
    super([payload, groupId, offsetCommits]);
  }

  private get payload(): EachBatchPayload {
    return this.args[0];
  }

  get batch(): Batch {
    return this.payload.batch;
  }

  getGroupId(): string {
    return this.args[1];
  }

  getTopic(): string {
    return this.batch.topic;
  }

  getPartition(): number {
    return this.batch.partition;
  }

  getMessages(): KafkaMessage[] {
    return this.batch.messages;
  }

  /** The partition's high watermark when the batch was fetched: lag = highWatermark − last offset − 1. */
  getHighWatermark(): string {
    return this.batch.highWatermark;
  }

  /** The offset of the batch's last message, or null for an empty batch. */
  lastOffset(): string | null {
    const messages = this.batch.messages;
    return messages.length === 0 ? null : messages[messages.length - 1].offset;
  }

  /** True once the consumer rebalanced or stopped since the batch was fetched: its partition may be another's now. */
  isStale(): boolean {
    return this.payload.isStale();
  }

  isRunning(): boolean {
    return this.payload.isRunning();
  }

  resolveOffset(offset: string): void {
    this.payload.resolveOffset(offset);
  }

  /** Who commits this subscription's offsets: the consumer, or the handler's Kafka transaction. */
  getOffsetCommits(): OffsetCommits {
    return this.args[2];
  }

  commitOffsetsIfNecessary(): Promise<void> {
    if (this.getOffsetCommits() === 'transaction') {
      return Promise.reject(new Error(`the offsets of group ${this.getGroupId()} are committed in the handler's transactions, not by the consumer`));
    }
    return this.payload.commitOffsetsIfNecessary();
  }

  heartbeat(): Promise<void> {
    return this.payload.heartbeat();
  }
}

/**
 * Lets a handler's error reach kafkajs as it was thrown. Nest's default RPC filter would turn it into a generic
 * "Internal server error" (logging the original); kafkajs's retries and its restart decisions need the error itself.
 * On the controller (`@UseFilters(RethrowToKafka)`), not global: a hybrid app's transport is initialised with the
 * app, before a global filter could be registered on it.
 */
@Catch()
export class RethrowToKafka implements RpcExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

interface RunningSubscription {
  spec: KafkaBatchSubscription;
  consumer: Consumer;
  subscribed: Set<string>;
  refreshTimer: NodeJS.Timeout | null;
  refreshing: Promise<void>;
}

export class KafkaBatchServer extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(KafkaBatchServer.name);
  private readonly running: RunningSubscription[] = [];
  private closing = false;

  constructor(private readonly options: KafkaBatchTransportOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.running.map(async (subscription) => {
        if (subscription.refreshTimer) clearInterval(subscription.refreshTimer);
        await subscription.refreshing;
        // Waits for the batch in flight to finish (and commit, where its handler commits), then leaves the group.
        await subscription.consumer.disconnect();
      }),
    );
  }

  /** Listens to an event of every consumer (kafkajs's `consumer.events`). */
  on<EventKey extends string = string, EventCallback extends Function = Function>(event: EventKey, callback: EventCallback): void {
    for (const { consumer } of this.running) consumer.on(event as never, callback as never);
  }

  unwrap<T>(): T {
    return this.running.map((subscription) => subscription.consumer) as T;
  }

  private async start(): Promise<void> {
    for (const spec of this.options.subscriptions) {
      const handler = this.getHandlerByPattern(spec.pattern);
      if (!handler) throw new Error(`no @EventPattern('${spec.pattern}') handler for the ${spec.description}`);
      if (spec.offsetCommits === 'transaction' && spec.autoResolve) throw new Error(`${spec.description}: autoResolve cannot go with offsets committed in transactions`);
      const consumer = this.options.kafka.consumer({ retry: CONSUMER_RETRY, ...spec.consumer, groupId: spec.groupId });
      const subscription: RunningSubscription = { spec, consumer, subscribed: new Set(), refreshTimer: null, refreshing: Promise.resolve() };
      this.running.push(subscription);
      exitWhenConsumerGivesUp(consumer, this.logger, spec.description);
      const assignmentHandler = this.getHandlerByPattern(assignmentPattern(spec.pattern));
      const memberAssignmentHandler = this.getHandlerByPattern(memberAssignmentPattern(spec.pattern));
      if (assignmentHandler || memberAssignmentHandler) {
        consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
          if (memberAssignmentHandler) void this.announceMemberAssignment(subscription, memberAssignmentHandler, payload.memberAssignment);
          if (assignmentHandler) void this.startAssignedPartitions(subscription, assignmentHandler, payload.memberAssignment);
        });
      }
      await consumer.connect();
      const topics = [...(await this.topicsOf(spec))];
      await consumer.subscribe({ topics, fromBeginning: spec.fromBeginning ?? false });
      for (const topic of topics) subscription.subscribed.add(topic);
      await this.run(subscription, handler);
      this.logger.log({ topics, group: spec.groupId }, `${spec.description}: consuming`);
      if (spec.refreshTopicsMs && typeof spec.topics === 'function') {
        subscription.refreshTimer = setInterval(() => {
          subscription.refreshing = subscription.refreshing
            .then(() => this.refreshTopics(subscription, handler))
            .catch((error: unknown) => this.logger.warn({ error: String(error) }, `${spec.description}: could not refresh its topics; trying again later`));
        }, spec.refreshTopicsMs);
        subscription.refreshTimer.unref();
      }
    }
  }

  private run({ spec, consumer }: RunningSubscription, handler: MessageHandler): Promise<void> {
    const offsetCommits = spec.offsetCommits ?? 'consumer';
    return consumer.run({
      autoCommit: offsetCommits === 'consumer',
      eachBatchAutoResolve: spec.autoResolve ?? false,
      partitionsConsumedConcurrently: spec.partitionsConsumedConcurrently ?? 1,
      eachBatch: async (payload) => {
        if (payload.batch.messages.length === 0) return;
        await this.dispatch(handler, payload.batch.messages, new KafkaBatchContext(payload, spec.groupId, offsetCommits));
      },
    });
  }

  /** Calls a Nest handler and waits for what it returns (a value, a promise or an observable); its errors propagate. */
  private async dispatch<T>(handler: MessageHandler, data: unknown, context: BaseRpcContext): Promise<T | undefined> {
    const result = await handler(data, context);
    return lastValueFrom(this.transformToObservable(result) as Observable<T>, { defaultValue: undefined });
  }

  private async topicsOf(spec: KafkaBatchSubscription): Promise<readonly string[]> {
    return typeof spec.topics === 'function' ? spec.topics() : spec.topics;
  }

  /**
   * New topics (ingest's per-source topics, created while it runs): kafkajs subscribes only while stopped, so the
   * consumer stops (its batches in flight finish and commit), subscribes and runs again. Committed offsets make the
   * restart lose and repeat nothing.
   */
  private async refreshTopics(subscription: RunningSubscription, handler: MessageHandler): Promise<void> {
    if (this.closing) return;
    const added = (await this.topicsOf(subscription.spec)).filter((topic) => !subscription.subscribed.has(topic));
    if (added.length === 0 || this.closing) return;
    await subscription.consumer.stop();
    await subscription.consumer.subscribe({ topics: added, fromBeginning: subscription.spec.fromBeginning ?? false });
    for (const topic of added) subscription.subscribed.add(topic);
    await this.run(subscription, handler);
    this.logger.log({ added }, `${subscription.spec.description}: consuming new topics`);
  }

  private async announceMemberAssignment(subscription: RunningSubscription, handler: MessageHandler, assignment: Record<string, number[]>): Promise<void> {
    const event: KafkaMemberAssignment = { groupId: subscription.spec.groupId, assignment };
    try {
      await this.dispatch(handler, event, new BaseRpcContext([event]));
    } catch (error) {
      this.logger.warn({ error: String(error) }, `${subscription.spec.description}: its member-assignment handler failed`);
    }
  }

  private async startAssignedPartitions(subscription: RunningSubscription, handler: MessageHandler, assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      try {
        const event: KafkaAssignment = { groupId: subscription.spec.groupId, topic, partitions };
        const offsets = await this.dispatch<StartOffsets | undefined>(handler, event, new BaseRpcContext([event]));
        for (const partition of partitions) {
          const offset = offsets?.get(partition);
          if (offset !== undefined && offset > 0n) subscription.consumer.seek({ topic, partition, offset: offset.toString() });
        }
      } catch (error) {
        // Harmless for a handler that skips what it has already applied: the partitions start where Kafka says.
        this.logger.warn({ error: String(error), topic }, `${subscription.spec.description}: could not choose where assigned partitions start; relying on Kafka's offsets`);
      }
    }
  }
}

/**
 * Makes `app` a hybrid app: its HTTP side plus this transport with the service's {@link KAFKA_BATCH_TRANSPORT_OPTIONS}.
 * Call before `app.init()`; `listen` (libs/observability) starts it with `startAllMicroservices`.
 */
export function connectKafkaBatchTransport(app: INestApplication): void {
  const options = app.get<KafkaBatchTransportOptions>(KAFKA_BATCH_TRANSPORT_OPTIONS);
  app.connectMicroservice({ strategy: new KafkaBatchServer(options) }, { inheritAppConfig: false });
}

import { Injectable, Logger } from '@nestjs/common';
import { decodeCanonical, DossierEvent } from '@dvc/contracts';
import {
  applyEvent,
  BucketDelta,
  BucketDeltas,
  DossierState,
  EMPTY_DOSSIER_STATE,
  IndicatorLedgerDeltas,
  latestReferences,
  rollUpBucketsByAgencyMonth,
  rollUpBucketsByMonth,
  rollUpIndicatorBucketsByMonth,
} from '@dvc/domain';
import { AggregationRepository, PartitionRef } from '../repositories/aggregation.repository';

export interface ConsumedMessage {
  offset: string;
  value: Buffer | null;
}

export interface BatchOutcome {
  applied: number;
  unchanged: number;
  alreadyApplied: number;
  undecodable: number;
  /** The buckets whose counters this batch changed, with the change: what the rate-changes topic announces. */
  changedBuckets: BucketDelta[];
}

/** The days × agencies whose figures a batch changed, sorted (lock order) and without repeats. */
function changedDays(
  buckets: Array<{ day: string; agencyCode: string }>,
  indicatorBuckets: Array<{ day: string; agencyCode: string }>,
  spans: Array<{ receivedDay: string; agencyCode: string }>,
): Array<{ day: string; agencyCode: string }> {
  const keys = new Map<string, { day: string; agencyCode: string }>();
  // The day is always 10 characters: day + code is unambiguous. (Three loops rather than one over a spread copy.)
  for (const { day, agencyCode } of buckets) if (!keys.has(day + agencyCode)) keys.set(day + agencyCode, { day, agencyCode });
  for (const { day, agencyCode } of indicatorBuckets) if (!keys.has(day + agencyCode)) keys.set(day + agencyCode, { day, agencyCode });
  for (const { receivedDay: day, agencyCode } of spans) if (!keys.has(day + agencyCode)) keys.set(day + agencyCode, { day, agencyCode });
  return [...keys.values()].sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.agencyCode < b.agencyCode ? -1 : a.agencyCode > b.agencyCode ? 1 : 0));
}

const byCode = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Applies a batch of one partition to PostgreSQL in a single transaction: dossier states, the day
 * buckets' counters and their month roll-ups, the indicator ledger and the partition's next offset commit together or not at all. A crash at any
 * instant therefore leaves either the whole batch counted with its offset stored, or none of it.
 */
@Injectable()
export class BatchApplier {
  private readonly logger = new Logger(BatchApplier.name);

  constructor(private readonly repository: AggregationRepository) {}

  apply(partition: PartitionRef, messages: ConsumedMessage[]): Promise<BatchOutcome> {
    return this.repository.transaction(async (manager) => {
      const nextOffset = await this.repository.claimPartition(manager, partition);
      // Offsets grow within a partition's batch: everything from the first fresh message on is fresh
      // (one BigInt per batch in the usual case rather than one per message).
      const firstFresh = messages.findIndex((message) => BigInt(message.offset) >= nextOffset);
      const fresh = firstFresh < 0 ? [] : messages.slice(firstFresh);
      const outcome: BatchOutcome = { applied: 0, unchanged: 0, alreadyApplied: messages.length - fresh.length, undecodable: 0, changedBuckets: [] };
      if (fresh.length === 0) return outcome;

      const events = this.decode(fresh, partition, outcome);
      const dossierCodes = [...new Set(events.map((event) => event.dossierCode))].sort();
      const before = await this.repository.loadStates(manager, dossierCodes);
      const after = new Map<string, DossierState>();
      for (const event of events) {
        const current = after.get(event.dossierCode) ?? before.get(event.dossierCode) ?? EMPTY_DOSSIER_STATE;
        const next = applyEvent(current, event);
        if (next === current) {
          outcome.unchanged += 1;
        } else {
          outcome.applied += 1;
          after.set(event.dossierCode, next);
        }
      }

      const deltas = new BucketDeltas();
      const ledger = new IndicatorLedgerDeltas();
      for (const [code, state] of after) {
        const previous = before.get(code) ?? EMPTY_DOSSIER_STATE;
        deltas.addTransition(previous, state);
        ledger.addTransition(previous, state);
      }
      const references = latestReferences(events);

      await this.repository.saveStates(manager, [...after].sort(byCode));
      outcome.changedBuckets = deltas.toSortedList();
      await this.repository.addToBuckets(manager, outcome.changedBuckets);
      await this.repository.addToMonthlyBuckets(manager, rollUpBucketsByMonth(outcome.changedBuckets));
      await this.repository.addToMonthlyAgencyBuckets(manager, rollUpBucketsByAgencyMonth(outcome.changedBuckets));
      await this.repository.markForAlertSweep(manager, outcome.changedBuckets);
      const indicatorBuckets = ledger.bucketList();
      const spans = ledger.spanList();
      await this.repository.addToIndicatorBuckets(manager, indicatorBuckets);
      await this.repository.addToMonthlyIndicatorBuckets(manager, rollUpIndicatorBucketsByMonth(indicatorBuckets));
      await this.repository.addToDossierSpans(manager, spans);
      await this.repository.recordBucketChanges(manager, changedDays(outcome.changedBuckets, indicatorBuckets, spans));
      await this.repository.upsertAgencies(manager, [...references.agencies].sort(byCode).map(([, ref]) => ref));
      await this.repository.upsertProcedures(manager, [...references.procedures].sort(byCode).map(([, ref]) => ref));
      await this.repository.storeNextOffset(manager, partition, BigInt(fresh[fresh.length - 1].offset) + 1n);
      return outcome;
    });
  }

  private decode(messages: ConsumedMessage[], partition: PartitionRef, outcome: BatchOutcome): DossierEvent[] {
    const events: DossierEvent[] = [];
    for (const message of messages) {
      try {
        events.push(decodeCanonical(message.value ?? Buffer.alloc(0)));
      } catch (error) {
        // Only ingest writes this topic; a message it cannot have written is logged and passed over
        // rather than stopping every dossier behind it.
        outcome.undecodable += 1;
        this.logger.error(
          { topic: partition.topic, partition: partition.partition, offset: message.offset, error: String(error) },
          'undecodable canonical event skipped',
        );
      }
    }
    return events;
  }
}

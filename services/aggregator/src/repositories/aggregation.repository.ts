import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AgencyRef, ProcedureRef } from '@dvc/contracts';
import type { BucketDelta, DossierSpanDelta, DossierState, IndicatorBucketDelta, StampedReference } from '@dvc/domain';

export interface PartitionRef {
  group: string;
  topic: string;
  partition: number;
}

/** A JSON field of the deltas and the column it goes to, with the column's type. */
type Field = readonly [json: string, column: string, type: 'date' | 'text' | 'int' | 'bigint'];

const RATE_COUNTERS: readonly Field[] = [
  ['received', 'received', 'int'],
  ['receivedOnline', 'received_online', 'int'],
  ['completed', 'completed', 'int'],
  ['completedOnTime', 'completed_on_time', 'int'],
  ['paid', 'paid', 'int'],
  ['paidOnline', 'paid_online', 'int'],
  ['withdrawn', 'withdrawn', 'int'],
];
const INDICATOR_COUNTERS: readonly Field[] = [
  ['receivedWithPayment', 'received_with_payment', 'int'],
  ['receivedPaidOnline', 'received_paid_online', 'int'],
  ['resolved', 'resolved', 'int'],
  ['resolutionSeconds', 'resolution_seconds', 'bigint'],
];
const DAY_KEYS: readonly Field[] = [['day', 'day', 'date'], ['agencyCode', 'agency_code', 'text'], ['procedureCode', 'procedure_code', 'text']];
const MONTH_KEYS: readonly Field[] = [['day', 'month', 'date'], ['agencyCode', 'agency_code', 'text'], ['procedureCode', 'procedure_code', 'text']];
const AGENCY_MONTH_KEYS: readonly Field[] = [['day', 'month', 'date'], ['agencyCode', 'agency_code', 'text']];

/**
 * Adds deltas (one JSON array parameter, in the caller's lock order) to a table of counters keyed by `keys`: a new key
 * is inserted, an existing one gets the sums. The same statement for the day buckets, the indicator buckets and their
 * month roll-ups; built once from these constant lists, never from a request.
 */
function addCountersSql(table: string, keys: readonly Field[], counters: readonly Field[]): string {
  const fields = [...keys, ...counters];
  const json = fields.map(([name]) => `"${name}"`);
  return `INSERT INTO ${table} AS t (${fields.map(([, column]) => column).join(', ')})
       SELECT ${json.map((name) => `r.${name}`).join(', ')}
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (${fields.map(([name, , type]) => `"${name}" ${type}`).join(', ')}))
            WITH ORDINALITY AS r(${json.join(', ')}, n)
       ORDER BY r.n
       ON CONFLICT (${keys.map(([, column]) => column).join(', ')}) DO UPDATE SET
         ${counters.map(([, column]) => `${column} = t.${column} + excluded.${column}`).join(',\n         ')}`;
}

const ADD_TO_DAILY_BUCKETS_SQL = addCountersSql('daily_buckets', DAY_KEYS, RATE_COUNTERS);
const ADD_TO_MONTHLY_BUCKETS_SQL = addCountersSql('monthly_buckets', MONTH_KEYS, RATE_COUNTERS);
const ADD_TO_MONTHLY_AGENCY_BUCKETS_SQL = addCountersSql('monthly_agency_buckets', AGENCY_MONTH_KEYS, RATE_COUNTERS);
const ADD_TO_INDICATOR_BUCKETS_SQL = addCountersSql('indicator_buckets', DAY_KEYS, INDICATOR_COUNTERS);
const ADD_TO_MONTHLY_INDICATOR_BUCKETS_SQL = addCountersSql('monthly_indicator_buckets', MONTH_KEYS, INDICATOR_COUNTERS);

/**
 * All SQL of the aggregator. Every method takes the transaction's `EntityManager`: a batch is applied
 * in one transaction together with its consumed offset. Rows go in as one JSON parameter expanded by
 * `jsonb_to_recordset`, one statement per table, in a fixed order of tables and keys so that
 * concurrent batches lock rows in the same order.
 */
@Injectable()
export class AggregationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('READ COMMITTED', work);
  }

  /**
   * Locks the partition's offset row (creating it at 0) and returns the next offset to apply. Two
   * consumers of the same partition (a stale one during a rebalance) serialise here, and the second
   * skips what the first applied.
   */
  async claimPartition(manager: EntityManager, { group, topic, partition }: PartitionRef): Promise<bigint> {
    const rows: Array<{ next_offset: string }> = await manager.query(
      `INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
       ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = consumer_offsets.next_offset
       RETURNING next_offset`,
      [group, topic, partition],
    );
    return BigInt(rows[0].next_offset);
  }

  async storeNextOffset(manager: EntityManager, { group, topic, partition }: PartitionRef, nextOffset: bigint): Promise<void> {
    await manager.query(
      `UPDATE consumer_offsets SET next_offset = $4, updated_at = now()
       WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
      [group, topic, partition, nextOffset.toString()],
    );
  }

  async nextOffsets(group: string, topic: string): Promise<Map<number, bigint>> {
    const rows: Array<{ partition: number; next_offset: string }> = await this.dataSource.query(
      `SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2`,
      [group, topic],
    );
    return new Map(rows.map((row) => [row.partition, BigInt(row.next_offset)]));
  }

  /** Current states of the given dossiers, locked for the rest of the transaction. */
  async loadStates(manager: EntityManager, dossierCodes: string[]): Promise<Map<string, DossierState>> {
    const rows: Array<{ dossier_code: string; state: DossierState }> = await manager.query(
      `SELECT dossier_code, state FROM dossier_states
       WHERE dossier_code = ANY($1::text[]) ORDER BY dossier_code COLLATE "C" FOR UPDATE`,
      [dossierCodes],
    );
    return new Map(rows.map((row) => [row.dossier_code, row.state]));
  }

  async saveStates(manager: EntityManager, states: Array<[string, DossierState]>): Promise<void> {
    if (states.length === 0) return;
    await manager.query(
      `INSERT INTO dossier_states (dossier_code, state)
       SELECT r.code, r.state FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (code text, state jsonb)) WITH ORDINALITY AS r(code, state, n)
       ORDER BY r.n
       ON CONFLICT (dossier_code) DO UPDATE SET state = excluded.state, updated_at = now()`,
      [JSON.stringify(states.map(([code, state]) => ({ code, state })))],
    );
  }

  async addToBuckets(manager: EntityManager, deltas: BucketDelta[]): Promise<void> {
    if (deltas.length > 0) await manager.query(ADD_TO_DAILY_BUCKETS_SQL, [JSON.stringify(deltas)]);
  }

  /** The month roll-up of the same deltas (`rollUpBucketsByMonth`: `day` is the month's first day), in the same transaction. */
  async addToMonthlyBuckets(manager: EntityManager, deltas: BucketDelta[]): Promise<void> {
    if (deltas.length > 0) await manager.query(ADD_TO_MONTHLY_BUCKETS_SQL, [JSON.stringify(deltas)]);
  }

  /** The roll-up per month × agency (`rollUpBucketsByAgencyMonth`), in the same transaction. */
  async addToMonthlyAgencyBuckets(manager: EntityManager, deltas: BucketDelta[]): Promise<void> {
    if (deltas.length > 0) await manager.query(ADD_TO_MONTHLY_AGENCY_BUCKETS_SQL, [JSON.stringify(deltas)]);
  }

  async addToIndicatorBuckets(manager: EntityManager, deltas: IndicatorBucketDelta[]): Promise<void> {
    if (deltas.length > 0) await manager.query(ADD_TO_INDICATOR_BUCKETS_SQL, [JSON.stringify(deltas)]);
  }

  /** The month roll-up of the indicator deltas (`rollUpIndicatorBucketsByMonth`), in the same transaction. */
  async addToMonthlyIndicatorBuckets(manager: EntityManager, deltas: IndicatorBucketDelta[]): Promise<void> {
    if (deltas.length > 0) await manager.query(ADD_TO_MONTHLY_INDICATOR_BUCKETS_SQL, [JSON.stringify(deltas)]);
  }

  /** Rows that net to 0 dossiers stay (a later dossier of the same days reuses them); reads skip them. */
  async addToDossierSpans(manager: EntityManager, deltas: DossierSpanDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    await manager.query(
      `INSERT INTO dossier_spans AS s (agency_code, procedure_code, received_day, due_day, closed_day, dossiers)
       SELECT r."agencyCode", r."procedureCode", r."receivedDay", r."dueDay", r."closedDay", r."dossiers"
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS ("agencyCode" text, "procedureCode" text, "receivedDay" date,
            "dueDay" date, "closedDay" date, "dossiers" int))
            WITH ORDINALITY AS r("agencyCode", "procedureCode", "receivedDay", "dueDay", "closedDay", "dossiers", n)
       ORDER BY r.n
       ON CONFLICT (agency_code, procedure_code, received_day, due_day, closed_day) DO UPDATE SET
         dossiers = s.dossiers + excluded.dossiers`,
      [JSON.stringify(deltas)],
    );
  }

  /**
   * Names the agencies of these changed buckets to the alert sweep (alert_sweep_pending, migration
   * AlertSweepPending1765700000000), in the batch's transaction: the next incremental sweep evaluates them.
   * An agency already pending is skipped only while this transaction holds its row (FOR KEY SHARE): a sweep
   * deleting that row then waits for this commit and sees these counts. A row a sweep is deleting is locked,
   * so SKIP LOCKED passes it over and a new row is written instead: this never waits for a sweep.
   */
  async markForAlertSweep(manager: EntityManager, changed: ReadonlyArray<{ agencyCode: string }>): Promise<void> {
    if (changed.length === 0) return;
    const agencies = [...new Set(changed.map((bucket) => bucket.agencyCode))].sort();
    await manager.query(
      `WITH held AS MATERIALIZED (
         SELECT agency_code FROM alert_sweep_pending WHERE agency_code = ANY ($1::text[]) FOR KEY SHARE SKIP LOCKED
       )
       INSERT INTO alert_sweep_pending (agency_code)
       SELECT wanted.agency_code FROM unnest($1::text[]) AS wanted(agency_code)
       WHERE NOT EXISTS (SELECT 1 FROM held WHERE held.agency_code = wanted.agency_code)`,
      [agencies],
    );
  }

  /** Records that the counts of these days × agencies changed today (Vietnam): first and last such day. */
  async recordBucketChanges(manager: EntityManager, changed: Array<{ day: string; agencyCode: string }>): Promise<void> {
    if (changed.length === 0) return;
    await manager.query(
      `INSERT INTO bucket_changes AS c (day, agency_code, first_changed_on, last_changed_on)
       SELECT r."day", r."agencyCode", (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS ("day" date, "agencyCode" text)) WITH ORDINALITY AS r("day", "agencyCode", n)
       ORDER BY r.n
       ON CONFLICT (day, agency_code) DO UPDATE SET last_changed_on = excluded.last_changed_on
       WHERE c.last_changed_on < excluded.last_changed_on`,
      [JSON.stringify(changed)],
    );
  }

  /** Keeps each agency's attributes from the latest event that named it. */
  async upsertAgencies(manager: EntityManager, agencies: Array<StampedReference<AgencyRef>>): Promise<void> {
    if (agencies.length === 0) return;
    const rows = agencies.map(({ stamp, value }) => ({ ...value, time: stamp.time, id: stamp.id }));
    await manager.query(
      `INSERT INTO agencies AS a (code, name, level, parent_code, info_time, info_event_id)
       SELECT r.code, r.name, r.level, r."parentCode", r.time, r.id
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (code text, name text, level text, "parentCode" text,
            time text, id text)) WITH ORDINALITY AS r(code, name, level, "parentCode", time, id, n)
       ORDER BY r.n
       ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code,
         info_time = excluded.info_time, info_event_id = excluded.info_event_id, updated_at = now()
       WHERE (excluded.info_time COLLATE "C", excluded.info_event_id COLLATE "C")
           > (a.info_time COLLATE "C", a.info_event_id COLLATE "C")`,
      [JSON.stringify(rows)],
    );
  }

  async upsertProcedures(manager: EntityManager, procedures: Array<StampedReference<ProcedureRef>>): Promise<void> {
    if (procedures.length === 0) return;
    const rows = procedures.map(({ stamp, value }) => ({ ...value, time: stamp.time, id: stamp.id }));
    await manager.query(
      `INSERT INTO procedures AS p (code, name, sector, online_level, info_time, info_event_id)
       SELECT r.code, r.name, r.sector, r."onlineLevel", r.time, r.id
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (code text, name text, sector text, "onlineLevel" text,
            time text, id text)) WITH ORDINALITY AS r(code, name, sector, "onlineLevel", time, id, n)
       ORDER BY r.n
       ON CONFLICT (code) DO UPDATE SET name = excluded.name, sector = excluded.sector, online_level = excluded.online_level,
         info_time = excluded.info_time, info_event_id = excluded.info_event_id, updated_at = now()
       WHERE (excluded.info_time COLLATE "C", excluded.info_event_id COLLATE "C")
           > (p.info_time COLLATE "C", p.info_event_id COLLATE "C")`,
      [JSON.stringify(rows)],
    );
  }
}

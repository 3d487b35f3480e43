import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rates pipeline's tables.
 *
 * `daily_buckets` holds the counters of the contract's buckets at day granularity in Vietnam's time;
 * months, quarters and years are sums of days. `dossier_states` keeps, per dossier, the events that
 * currently win (latest `time`, ties to the greater `id`), so a re-sent or reordered event changes
 * nothing and a correction moves the dossier between buckets. `consumer_offsets` is the source of truth
 * for what the aggregator has applied: it is written in the same transaction as the counters.
 */
export class InitialSchema1763780000000 implements MigrationInterface {
  name = 'InitialSchema1763780000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE agencies (
        code            text PRIMARY KEY,
        name            text NOT NULL,
        level           text NOT NULL,
        parent_code     text,
        -- (time, id) of the event the current attributes came from: the latest one wins
        info_time       text NOT NULL,
        info_event_id   text NOT NULL,
        first_seen_at   timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX agencies_parent_code_idx ON agencies (parent_code)`);
    await queryRunner.query(`
      CREATE TABLE procedures (
        code            text PRIMARY KEY,
        name            text NOT NULL,
        sector          text NOT NULL,
        online_level    text NOT NULL,
        info_time       text NOT NULL,
        info_event_id   text NOT NULL,
        first_seen_at   timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE dossier_states (
        dossier_code    text PRIMARY KEY,
        state           jsonb NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE daily_buckets (
        day                 date NOT NULL,
        agency_code         text NOT NULL,
        procedure_code      text NOT NULL,
        received            integer NOT NULL DEFAULT 0,
        received_online     integer NOT NULL DEFAULT 0,
        completed           integer NOT NULL DEFAULT 0,
        completed_on_time   integer NOT NULL DEFAULT 0,
        paid                integer NOT NULL DEFAULT 0,
        paid_online         integer NOT NULL DEFAULT 0,
        withdrawn           integer NOT NULL DEFAULT 0,
        PRIMARY KEY (day, agency_code, procedure_code)
      )`);
    await queryRunner.query(`CREATE INDEX daily_buckets_agency_day_idx ON daily_buckets (agency_code, day)`);
    await queryRunner.query(`CREATE INDEX daily_buckets_procedure_day_idx ON daily_buckets (procedure_code, day)`);
    await queryRunner.query(`
      CREATE TABLE consumer_offsets (
        consumer_group  text NOT NULL,
        topic           text NOT NULL,
        partition       integer NOT NULL,
        next_offset     bigint NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, partition)
      )`);
    await queryRunner.query(`
      CREATE TABLE ingest_sources (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name            text NOT NULL,
        -- the CloudEvents source URI the key may send for
        source_uri      text NOT NULL,
        -- SHA-256 of the API key, hex; the key itself is shown once and never stored
        api_key_hash    text NOT NULL UNIQUE,
        created_at      timestamptz NOT NULL DEFAULT now(),
        revoked_at      timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['ingest_sources', 'consumer_offsets', 'daily_buckets', 'dossier_states', 'procedures', 'agencies']) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}

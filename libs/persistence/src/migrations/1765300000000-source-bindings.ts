import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sources may only speak for their own agencies.
 *
 * Every ingest source gains `allowed_agencies`: agency codes (each with its subtree) and `*` patterns such as
 * `*.H31` (libs/domain/src/source-agencies.ts). A source registered before this migration gets none, so its
 * events are dead-lettered with `agency-not-allowed-for-source` until someone binds it (`PATCH
 * /v1/sources/:id`): failing closed is the point, and the dead-letter topic keeps every rejected event for a
 * replay.
 *
 * A source is reached by an HTTP API key, by its own Kafka topic (`<input topic>.<kafka_topic_key>`, written
 * only by the broker principal `src-<kafka_topic_key>`), or both; it must have at least one. Changes are
 * audited with the token's subject, like targets and recipients.
 */
export class SourceBindings1765300000000 implements MigrationInterface {
  name = 'SourceBindings1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE ingest_sources
        ADD COLUMN allowed_agencies text[] NOT NULL DEFAULT '{}',
        ADD COLUMN kafka_topic_key text UNIQUE
          CONSTRAINT ingest_sources_kafka_topic_key_format CHECK (kafka_topic_key ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
        ALTER COLUMN api_key_hash DROP NOT NULL,
        ADD CONSTRAINT ingest_sources_reachable CHECK (api_key_hash IS NOT NULL OR kafka_topic_key IS NOT NULL),
        ADD COLUMN created_by text,
        ADD COLUMN created_by_subject text,
        ADD COLUMN updated_at timestamptz,
        ADD COLUMN updated_by text,
        ADD COLUMN updated_by_subject text,
        ADD COLUMN revoked_by text,
        ADD COLUMN revoked_by_subject text`);
    await queryRunner.query(`ALTER TABLE ingest_sources ALTER COLUMN allowed_agencies DROP DEFAULT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM ingest_sources WHERE api_key_hash IS NULL`);
    await queryRunner.query(`
      ALTER TABLE ingest_sources
        DROP CONSTRAINT ingest_sources_reachable,
        ALTER COLUMN api_key_hash SET NOT NULL,
        DROP COLUMN allowed_agencies,
        DROP COLUMN kafka_topic_key,
        DROP COLUMN created_by,
        DROP COLUMN created_by_subject,
        DROP COLUMN updated_at,
        DROP COLUMN updated_by,
        DROP COLUMN updated_by_subject,
        DROP COLUMN revoked_by,
        DROP COLUMN revoked_by_subject`);
  }
}

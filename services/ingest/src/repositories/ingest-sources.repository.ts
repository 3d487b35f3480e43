import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RecordedAgency } from '@dvc/domain';

export interface IngestSource {
  id: string;
  name: string;
  sourceUri: string;
  /** Agency codes (each with its subtree) and `*` patterns this source may report for. */
  allowedAgencies: string[];
}

/** A source with its own Kafka topic; revoked ones too, so what their topic still holds is dead-lettered. */
export interface KafkaIngestSource extends IngestSource {
  kafkaTopicKey: string;
  revoked: boolean;
}

const SOURCE_COLUMNS = `id, name, source_uri AS "sourceUri", allowed_agencies AS "allowedAgencies"`;

@Injectable()
export class IngestSourcesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findActiveByKeyHash(apiKeyHash: string): Promise<IngestSource | null> {
    const rows: IngestSource[] = await this.dataSource.query(
      `SELECT ${SOURCE_COLUMNS} FROM ingest_sources WHERE api_key_hash = $1 AND revoked_at IS NULL`,
      [apiKeyHash],
    );
    return rows[0] ?? null;
  }

  async kafkaSources(): Promise<KafkaIngestSource[]> {
    return this.dataSource.query(
      `SELECT ${SOURCE_COLUMNS}, kafka_topic_key AS "kafkaTopicKey", revoked_at IS NOT NULL AS revoked
       FROM ingest_sources WHERE kafka_topic_key IS NOT NULL`,
    );
  }

  /**
   * The recorded place of each code in the agency hierarchy: whether `agencies` has it, and its ancestors,
   * parent first (bounded like agency_subtree, so a loop of parents ends).
   */
  async recordedAgencies(codes: string[]): Promise<Map<string, RecordedAgency>> {
    const result = new Map<string, RecordedAgency>();
    if (codes.length === 0) return result;
    const rows: Array<{ code: string; known: boolean; ancestors: string[] | null }> = await this.dataSource.query(
      `WITH RECURSIVE chain (start, code, depth) AS (
         SELECT a.code, a.parent_code, 1 FROM agencies a WHERE a.code = ANY($1::text[]) AND a.parent_code IS NOT NULL
         UNION ALL
         SELECT chain.start, a.parent_code, chain.depth + 1
         FROM chain JOIN agencies a ON a.code = chain.code
         WHERE a.parent_code IS NOT NULL AND chain.depth < 32
       )
       SELECT requested.code,
              EXISTS (SELECT 1 FROM agencies WHERE agencies.code = requested.code) AS known,
              (SELECT array_agg(chain.code ORDER BY chain.depth) FROM chain WHERE chain.start = requested.code) AS ancestors
       FROM unnest($1::text[]) AS requested (code)`,
      [codes],
    );
    for (const row of rows) result.set(row.code, { known: row.known, ancestors: row.ancestors ?? [] });
    return result;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface IngestSource {
  id: string;
  name: string;
  sourceUri: string;
}

@Injectable()
export class IngestSourcesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findActiveByKeyHash(apiKeyHash: string): Promise<IngestSource | null> {
    const rows: IngestSource[] = await this.dataSource.query(
      `SELECT id, name, source_uri AS "sourceUri" FROM ingest_sources WHERE api_key_hash = $1 AND revoked_at IS NULL`,
      [apiKeyHash],
    );
    return rows[0] ?? null;
  }
}

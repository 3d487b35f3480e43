import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '@dvc/auth';

/** One `ingest_sources` row as the API shows it: the key's hash is never selected. */
export interface SourceRecord {
  id: string;
  name: string;
  sourceUri: string;
  allowedAgencies: string[];
  hasApiKey: boolean;
  kafkaTopicKey: string | null;
  createdAt: string;
  createdBy: string | null;
  createdBySubject: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_MS})`;

const COLUMNS = `s.id, s.name, s.source_uri AS "sourceUri", s.allowed_agencies AS "allowedAgencies",
  s.api_key_hash IS NOT NULL AS "hasApiKey", s.kafka_topic_key AS "kafkaTopicKey",
  ${iso('s.created_at')} AS "createdAt", s.created_by AS "createdBy", s.created_by_subject AS "createdBySubject",
  ${iso('s.updated_at')} AS "updatedAt", s.updated_by AS "updatedBy",
  ${iso('s.revoked_at')} AS "revokedAt", s.revoked_by AS "revokedBy"`;

/** TypeORM's postgres driver answers an UPDATE … RETURNING with [rows, affected]. */
function returned<T>(result: unknown[]): T[] {
  return (Array.isArray(result[0]) ? result[0] : result) as T[];
}

/**
 * `ingest_sources`: the one-stop systems ingest accepts events from, the agencies each may report for, and
 * their channels (an API key's SHA-256, a Kafka topic key). Written here and by ingest's add-source command.
 */
@Injectable()
export class SourcesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  find(): Promise<SourceRecord[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM ingest_sources s ORDER BY s.created_at, s.id`);
  }

  async findOne(id: string): Promise<SourceRecord | null> {
    const rows: SourceRecord[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM ingest_sources s WHERE s.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async kafkaTopicKeyTaken(key: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM ingest_sources WHERE kafka_topic_key = $1`, [key]);
    return rows.length > 0;
  }

  /** The exact agency codes among `codes` that are outside every subtree of `scopeRoots`. */
  async codesOutOfScope(codes: readonly string[], scopeRoots: readonly string[]): Promise<string[]> {
    if (codes.length === 0) return [];
    const rows: Array<{ code: string }> = await this.dataSource.query(
      `SELECT code FROM unnest($1::text[]) AS c (code) WHERE code NOT IN (SELECT agency_subtree($2::text[]))`,
      [codes, scopeRoots],
    );
    return rows.map((row) => row.code);
  }

  async create(
    source: { name: string; sourceUri: string; allowedAgencies: string[]; kafkaTopicKey: string | null; apiKeyHash: string | null },
    actor: Actor,
  ): Promise<SourceRecord> {
    const rows: SourceRecord[] = await this.dataSource.query(
      `INSERT INTO ingest_sources AS s (name, source_uri, allowed_agencies, kafka_topic_key, api_key_hash, created_by, created_by_subject)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [source.name, source.sourceUri, source.allowedAgencies, source.kafkaTopicKey, source.apiKeyHash, actor.name, actor.subject],
    );
    return rows[0];
  }

  /** Changes a source that is not revoked; null when there is no such source (revoked ones included). */
  async update(id: string, changes: { name?: string; allowedAgencies?: string[]; apiKeyHash?: string }, actor: Actor): Promise<SourceRecord | null> {
    const result: unknown[] = await this.dataSource.query(
      `UPDATE ingest_sources s SET
         name = COALESCE($2::text, s.name),
         allowed_agencies = COALESCE($3::text[], s.allowed_agencies),
         api_key_hash = COALESCE($4::text, s.api_key_hash),
         updated_at = now(), updated_by = $5, updated_by_subject = $6
       WHERE s.id = $1 AND s.revoked_at IS NULL
       RETURNING ${COLUMNS}`,
      [id, changes.name ?? null, changes.allowedAgencies ?? null, changes.apiKeyHash ?? null, actor.name, actor.subject],
    );
    return returned<SourceRecord>(result)[0] ?? null;
  }

  /** Revokes once: a second revocation keeps the first one's time and actor. */
  async revoke(id: string, actor: Actor): Promise<SourceRecord | null> {
    const result: unknown[] = await this.dataSource.query(
      `UPDATE ingest_sources s SET
         revoked_at = COALESCE(s.revoked_at, now()),
         revoked_by = CASE WHEN s.revoked_at IS NULL THEN $2 ELSE s.revoked_by END,
         revoked_by_subject = CASE WHEN s.revoked_at IS NULL THEN $3 ELSE s.revoked_by_subject END
       WHERE s.id = $1
       RETURNING ${COLUMNS}`,
      [id, actor.name, actor.subject],
    );
    return returned<SourceRecord>(result)[0] ?? null;
  }
}

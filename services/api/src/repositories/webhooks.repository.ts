import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor } from '@dvc/auth';

/** One `webhook_endpoints` row as the API shows it: the secret is never selected. */
export interface WebhookRecord {
  id: string;
  name: string | null;
  url: string;
  agencyCode: string | null;
  enabled: boolean;
  createdAt: string;
  createdBy: string | null;
  /** created_at with microseconds: the cursor's sort key. */
  cursorCreatedAt: string;
}

export interface WebhookSelection {
  agency: string | null;
  enabled: boolean | null;
  after: { createdAt: string; id: string } | null;
  limit: number;
  scopeRoots: readonly string[];
}

export interface WebhookChanges {
  url?: string;
  name?: string | null;
  agencyCode?: string | null;
  enabled?: boolean;
  /** The new secret, sealed (the plaintext never reaches the database). */
  sealedSecret?: string;
}

export interface SourceActivityRecord {
  sourceUri: string;
  lastEventAt: string;
  firstSeenAt: string;
  updatedAt: string;
  openAlertId: string | null;
}

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_MS})`;

const COLUMNS = `w.id, w.name, w.url, w.agency_code AS "agencyCode", w.enabled,
  ${iso('w.created_at')} AS "createdAt", w.created_by AS "createdBy",
  to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorCreatedAt"`;

/*
 * A caller sees an endpoint for the alerts of an agency in its scope, and the endpoints for every alert
 * (agency_code NULL), which only roles holding webhooks:manage reach at all.
 */
const IN_SCOPE = (roots: string) => `(w.agency_code IS NULL OR w.agency_code IN (SELECT agency_subtree(${roots}::text[])))`;

/**
 * `webhook_endpoints` (read by the alerting service at send time: a change applies to the next call)
 * and `source_activity` (written by the alerting service). The secret is written here and read only
 * by the alerting service; no statement of this class returns it.
 */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(selection: WebhookSelection): Promise<WebhookRecord[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM webhook_endpoints w
       WHERE ($1::text IS NULL OR w.agency_code = $1::text)
         AND ($2::boolean IS NULL OR w.enabled = $2::boolean)
         AND ($3::timestamptz IS NULL OR (w.created_at, w.id) > ($3::timestamptz, $4::uuid))
         AND ${IN_SCOPE('$6')}
       ORDER BY w.created_at, w.id
       LIMIT $5::int`,
      [selection.agency, selection.enabled, selection.after?.createdAt ?? null, selection.after?.id ?? null, selection.limit, selection.scopeRoots],
    );
  }

  async findOne(id: string, scopeRoots: readonly string[]): Promise<WebhookRecord | null> {
    const rows: WebhookRecord[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM webhook_endpoints w WHERE w.id = $1 AND ${IN_SCOPE('$2')}`, [id, scopeRoots]);
    return rows[0] ?? null;
  }

  /** Is the agency one of `scopeRoots`' subtrees (known to the hierarchy or not)? */
  async agencyInScope(agencyCode: string, scopeRoots: readonly string[]): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 WHERE $1 IN (SELECT agency_subtree($2::text[]))`, [agencyCode, scopeRoots]);
    return rows.length > 0;
  }

  /** `sealedSecret`: the secret sealed with SECRETS_ENCRYPTION_KEY; the plaintext column stays empty. */
  async create(endpoint: { url: string; sealedSecret: string; name: string | null; agencyCode: string | null; enabled: boolean }, actor: Actor): Promise<WebhookRecord> {
    const rows: WebhookRecord[] = await this.dataSource.query(
      `INSERT INTO webhook_endpoints AS w (url, secret_sealed, name, agency_code, enabled, created_by, created_by_subject)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [endpoint.url, endpoint.sealedSecret, endpoint.name, endpoint.agencyCode, endpoint.enabled, actor.name, actor.subject],
    );
    return rows[0];
  }

  /** Applies the given changes (absent: unchanged); returns the row after, or null if there is none. */
  async update(id: string, changes: WebhookChanges, scopeRoots: readonly string[]): Promise<WebhookRecord | null> {
    const has = (key: keyof WebhookChanges) => changes[key] !== undefined;
    const result: unknown[] = await this.dataSource.query(
      `UPDATE webhook_endpoints w SET
         url = CASE WHEN $2::boolean THEN $3::text ELSE w.url END,
         name = CASE WHEN $4::boolean THEN $5::text ELSE w.name END,
         agency_code = CASE WHEN $6::boolean THEN $7::text ELSE w.agency_code END,
         enabled = CASE WHEN $8::boolean THEN $9::boolean ELSE w.enabled END,
         secret_sealed = CASE WHEN $10::boolean THEN $11::text ELSE w.secret_sealed END,
         secret = CASE WHEN $10::boolean THEN NULL ELSE w.secret END
       WHERE w.id = $1 AND ${IN_SCOPE('$12')}
       RETURNING ${COLUMNS}`,
      [
        id,
        has('url'), changes.url ?? null,
        has('name'), changes.name ?? null,
        has('agencyCode'), changes.agencyCode ?? null,
        has('enabled'), changes.enabled ?? null,
        has('sealedSecret'), changes.sealedSecret ?? null,
        scopeRoots,
      ],
    );
    // TypeORM's postgres driver answers an UPDATE … RETURNING with [rows, affected].
    const rows = (Array.isArray(result[0]) ? result[0] : result) as WebhookRecord[];
    return rows[0] ?? null;
  }

  /** Secrets still in plaintext (written before sealing) or sealed with another key than `currentKeyId`. */
  secretsToSeal(currentKeyId: string): Promise<Array<{ id: string; secret: string | null; sealed: string | null }>> {
    return this.dataSource.query(
      `SELECT id, secret, secret_sealed AS sealed FROM webhook_endpoints
       WHERE secret IS NOT NULL OR split_part(secret_sealed, ':', 2) <> $1`,
      [currentKeyId],
    );
  }

  /** Replaces one row's secret by its sealed form, unless the row changed meanwhile (another API instance). */
  async storeSealed(row: { id: string; secret: string | null; sealed: string | null }, sealed: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_endpoints SET secret_sealed = $4, secret = NULL
       WHERE id = $1 AND secret IS NOT DISTINCT FROM $2 AND secret_sealed IS NOT DISTINCT FROM $3`,
      [row.id, row.secret, row.sealed, sealed],
    );
  }

  async delete(id: string, scopeRoots: readonly string[]): Promise<WebhookRecord | null> {
    const result: unknown[] = await this.dataSource.query(`DELETE FROM webhook_endpoints w WHERE w.id = $1 AND ${IN_SCOPE('$2')} RETURNING ${COLUMNS}`, [
      id,
      scopeRoots,
    ]);
    const rows = (Array.isArray(result[0]) ? result[0] : result) as WebhookRecord[];
    return rows[0] ?? null;
  }

  /** By source URI in byte order, with the open silentSource alert about each (at most one, by index). */
  sourceActivity(after: string | null, limit: number): Promise<SourceActivityRecord[]> {
    return this.dataSource.query(
      `SELECT s.source_uri AS "sourceUri", ${iso('s.last_event_at')} AS "lastEventAt",
              ${iso('s.first_seen_at')} AS "firstSeenAt", ${iso('s.updated_at')} AS "updatedAt",
              (SELECT a.id FROM alerts a WHERE a.kind = 'silentSource' AND a.status <> 'resolved' AND a.source_uri = s.source_uri LIMIT 1) AS "openAlertId"
       FROM source_activity s
       WHERE ($1::text IS NULL OR s.source_uri COLLATE "C" > $1::text COLLATE "C")
       ORDER BY s.source_uri COLLATE "C"
       LIMIT $2::int`,
      [after, limit],
    );
  }
}

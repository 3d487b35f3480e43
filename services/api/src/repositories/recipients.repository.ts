import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor } from '@dvc/auth';

export interface RecipientRecord {
  id: string;
  agencyCode: string;
  email: string;
  name: string | null;
  createdAt: string;
  createdBy: string | null;
  /** lower(email): the second part of the sort key. */
  emailKey: string;
}

export interface RecipientSelection {
  agency: string | null;
  after: { agencyCode: string; email: string } | null;
  limit: number;
  /** The caller's agency roots: only recipients of these agencies and their descendants. */
  scopeRoots: readonly string[];
}

const COLUMNS = `r.id::text AS id, r.agency_code AS "agencyCode", r.email, r.name,
  to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", r.created_by AS "createdBy",
  lower(r.email) AS "emailKey"`;

/** `alert_recipients`: who is e-mailed about an agency's alerts (read by the alerting service). */
@Injectable()
export class RecipientsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** By agency code, then lower(email) — unique per agency — in byte order, so paging is stable whatever the locale. */
  find(selection: RecipientSelection): Promise<RecipientRecord[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM alert_recipients r
       WHERE ($1::text IS NULL OR r.agency_code = $1::text)
         AND ($2::text IS NULL OR (r.agency_code COLLATE "C", lower(r.email) COLLATE "C") > ($2::text COLLATE "C", $3::text COLLATE "C"))
         AND r.agency_code IN (SELECT agency_subtree($5::text[]))
       ORDER BY r.agency_code COLLATE "C", lower(r.email) COLLATE "C"
       LIMIT $4::int`,
      [selection.agency, selection.after?.agencyCode ?? null, selection.after?.email ?? null, selection.limit, selection.scopeRoots],
    );
  }

  /**
   * Inserts a recipient when its agency is in the scope of `scopeRoots` (null otherwise: nothing written);
   * a duplicate (agency, lower(email)) raises 23505.
   */
  async create(
    recipient: { agencyCode: string; email: string; name: string | null },
    actor: Actor,
    scopeRoots: readonly string[],
  ): Promise<RecipientRecord | null> {
    const rows: RecipientRecord[] = await this.dataSource.query(
      `INSERT INTO alert_recipients AS r (agency_code, email, name, created_by, created_by_subject)
       SELECT $1, $2, $3, $4, $5 WHERE $1 IN (SELECT agency_subtree($6::text[]))
       RETURNING ${COLUMNS}`,
      [recipient.agencyCode, recipient.email, recipient.name, actor.name, actor.subject, scopeRoots],
    );
    return rows[0] ?? null;
  }

  /** Only called after an insert in scope collided, so the agency is in scope. */
  async findByKey(agencyCode: string, email: string): Promise<RecipientRecord | null> {
    const rows: RecipientRecord[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM alert_recipients r WHERE r.agency_code = $1 AND lower(r.email) = lower($2)`,
      [agencyCode, email],
    );
    return rows[0] ?? null;
  }

  /** Deletes the recipient when it is in scope; returns what it was, or null if there was none (or not in scope). */
  async delete(id: string, scopeRoots: readonly string[]): Promise<RecipientRecord | null> {
    const rows: RecipientRecord[] = await this.dataSource.query(
      `DELETE FROM alert_recipients r WHERE r.id = $1::bigint AND r.agency_code IN (SELECT agency_subtree($2::text[])) RETURNING ${COLUMNS}`,
      [id, scopeRoots],
    );
    // TypeORM's postgres driver answers a DELETE … RETURNING with [rows, affected].
    const deleted = Array.isArray(rows[0]) ? (rows[0] as unknown as RecipientRecord[]) : rows;
    return deleted[0] ?? null;
  }
}

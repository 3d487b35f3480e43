import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '@dvc/auth';
import type { AlertSeverity, TargetMetric, TargetScope, TargetScopeKind } from '@dvc/domain';
import type { AuditAction } from '../dtos/targets-input.dto';

/**
 * A target as the API shows it. The same JSON is stored as the audit trail's before/after, so the
 * history shows exactly what the API showed. It is built in SQL (`TARGET_JSON`) for both.
 */
export interface TargetView {
  id: string;
  scope: TargetScope;
  metric: TargetMetric;
  threshold: number;
  severity: AlertSeverity;
  enabled: boolean;
  note: string | null;
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export interface TargetAuditRecord {
  id: string;
  targetId: string;
  action: AuditAction;
  actor: string;
  /** The token subject of the actor; null for the migration's defaults and for changes made before sign-in. */
  actorSubject: string | null;
  at: Date;
  before: TargetView | null;
  after: TargetView | null;
}

export interface NewTarget {
  scope: TargetScope;
  metric: TargetMetric;
  threshold: number;
  severity: AlertSeverity;
  enabled: boolean;
  note: string | null;
}

export interface TargetChanges {
  threshold?: number;
  severity?: AlertSeverity;
  enabled?: boolean;
  /** `null` clears the note; absent leaves it. */
  note?: string | null;
}

export interface TargetSelection {
  scopeKind: TargetScopeKind | null;
  metric: TargetMetric | null;
  agencyCode: string | null;
  procedureCode: string | null;
  after: { createdAt: string; id: string } | null;
  limit: number;
  scopeRoots: readonly string[];
}

export interface TargetAuditSelection {
  targetId: string | null;
  actor: string | null;
  action: AuditAction | null;
  /** Entries with a smaller id than this (newest first). */
  beforeId: string | null;
  limit: number;
  scopeRoots: readonly string[];
}

export interface AgencySubjectRecord {
  code: string;
  level: string;
  /** Ancestors, parent first; stops at a cycle in the reference data. */
  ancestry: string[];
}

/** Outcome of a conditional change: the target is gone, or its version is not the one expected. */
export type GuardedResult<T> = { outcome: 'done'; value: T } | { outcome: 'notFound' } | { outcome: 'stale'; current: TargetView };

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/*
 * What a caller sees: the shared rules (no agency: all, agencyLevel, onlineLevel, procedure), which apply to
 * everyone's agencies, and the rules of agencies in its scope. An audit row is judged by the target it
 * shows (after, or before for a deletion).
 */
const VISIBLE_TARGET = (t: string, roots: string) => `(${t}.agency_code IS NULL OR ${t}.agency_code IN (SELECT agency_subtree(${roots}::text[])))`;
const VISIBLE_AUDIT = (a: string, roots: string) =>
  `(coalesce(${a}.after, ${a}.before) -> 'scope' ->> 'agencyCode' IS NULL
    OR coalesce(${a}.after, ${a}.before) -> 'scope' ->> 'agencyCode' IN (SELECT agency_subtree(${roots}::text[])))`;

/** The API's JSON of the target row `t` (keys in canonical order are restored by `orderTargetView`). */
const TARGET_JSON = (t: string) => `jsonb_build_object(
  'id', ${t}.id,
  'scope', jsonb_strip_nulls(jsonb_build_object(
    'kind', ${t}.scope_kind, 'agencyLevel', ${t}.agency_level, 'onlineLevel', ${t}.online_level,
    'agencyCode', ${t}.agency_code, 'includeSubtree', ${t}.include_subtree, 'procedureCode', ${t}.procedure_code)),
  'metric', ${t}.metric,
  'threshold', ${t}.threshold,
  'severity', ${t}.severity,
  'enabled', ${t}.enabled,
  'note', ${t}.note,
  'version', ${t}.version,
  'createdAt', to_char(${t}.created_at AT TIME ZONE 'UTC', ${ISO_MS}),
  'createdBy', ${t}.created_by,
  'updatedAt', to_char(${t}.updated_at AT TIME ZONE 'UTC', ${ISO_MS}),
  'updatedBy', ${t}.updated_by)`;

/** The scope's columns, in the order of `scopeColumns`. */
const SCOPE_COLUMNS = ['scope_kind', 'agency_level', 'online_level', 'agency_code', 'include_subtree', 'procedure_code'] as const;

function scopeColumns(scope: TargetScope): [string, string | null, string | null, string | null, boolean | null, string | null] {
  switch (scope.kind) {
    case 'all':
      return ['all', null, null, null, null, null];
    case 'agencyLevel':
      return ['agencyLevel', scope.agencyLevel, null, null, null, null];
    case 'onlineLevel':
      return ['onlineLevel', null, scope.onlineLevel, null, null, null];
    case 'agency':
      return ['agency', null, null, scope.agencyCode, scope.includeSubtree ?? false, null];
    case 'procedure':
      return ['procedure', null, null, null, null, scope.procedureCode];
    case 'agencyProcedure':
      return ['agencyProcedure', null, null, scope.agencyCode, null, scope.procedureCode];
  }
}

const TARGET_KEYS: readonly (keyof TargetView)[] = [
  'id', 'scope', 'metric', 'threshold', 'severity', 'enabled', 'note', 'version', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy',
];
const SCOPE_KEYS = ['kind', 'agencyLevel', 'onlineLevel', 'agencyCode', 'includeSubtree', 'procedureCode'] as const;

/** jsonb sorts keys by length; the API shows them in a reading order. */
export function orderTargetView(view: TargetView): TargetView;
export function orderTargetView(view: TargetView | null): TargetView | null;
export function orderTargetView(view: TargetView | null): TargetView | null {
  if (!view) return null;
  const scope = Object.fromEntries(SCOPE_KEYS.filter((key) => key in view.scope).map((key) => [key, (view.scope as Record<string, unknown>)[key]]));
  return Object.fromEntries(TARGET_KEYS.map((key) => [key, key === 'scope' ? scope : view[key]])) as unknown as TargetView;
}

@Injectable()
export class TargetsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(selection: TargetSelection): Promise<Array<{ target: TargetView; cursorCreatedAt: string }>> {
    const rows: Array<{ target: TargetView; cursorCreatedAt: string }> = await this.dataSource.query(
      `SELECT ${TARGET_JSON('t')} AS target,
              to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorCreatedAt"
       FROM targets t
       WHERE ($1::text IS NULL OR t.scope_kind = $1::text)
         AND ($2::text IS NULL OR t.metric = $2::text)
         AND ($3::text IS NULL OR t.agency_code = $3::text)
         AND ($4::text IS NULL OR t.procedure_code = $4::text)
         AND ($5::timestamptz IS NULL OR (t.created_at, t.id) > ($5::timestamptz, $6::uuid))
         AND ${VISIBLE_TARGET('t', '$8')}
       ORDER BY t.created_at, t.id
       LIMIT $7::int`,
      [
        selection.scopeKind,
        selection.metric,
        selection.agencyCode,
        selection.procedureCode,
        selection.after?.createdAt ?? null,
        selection.after?.id ?? null,
        selection.limit,
        selection.scopeRoots,
      ],
    );
    return rows.map((row) => ({ ...row, target: orderTargetView(row.target) }));
  }

  /** The target when it is visible in the scope of `scopeRoots` (null: every target, for internal reads). */
  async findOne(
    id: string,
    scopeRoots: readonly string[] | null,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<TargetView | null> {
    const rows: Array<{ target: TargetView }> = await manager.query(
      `SELECT ${TARGET_JSON('t')} AS target FROM targets t
       WHERE t.id = $1 AND ($2::text[] IS NULL OR ${VISIBLE_TARGET('t', '$2')}) ${lock ? 'FOR UPDATE' : ''}`,
      [id, scopeRoots],
    );
    return orderTargetView(rows[0]?.target ?? null);
  }

  /** The target that holds this scope × metric × severity, if any. */
  async findByKey(scope: TargetScope, metric: TargetMetric, severity: AlertSeverity): Promise<TargetView | null> {
    const rows: Array<{ target: TargetView }> = await this.dataSource.query(
      `SELECT ${TARGET_JSON('t')} AS target FROM targets t
       WHERE ${SCOPE_COLUMNS.map((column, index) => `t.${column} IS NOT DISTINCT FROM $${index + 1}`).join(' AND ')}
         AND t.metric = $7 AND t.severity = $8`,
      [...scopeColumns(scope), metric, severity],
    );
    return orderTargetView(rows[0]?.target ?? null);
  }

  /** Inserts the target and its "create" audit entry in one statement. A duplicate key raises 23505. */
  async create(target: NewTarget, actor: Actor): Promise<TargetView> {
    const rows: Array<{ target: TargetView }> = await this.dataSource.query(
      `WITH created AS (
         INSERT INTO targets (${SCOPE_COLUMNS.join(', ')}, metric, threshold, severity, enabled, note,
                              created_by, updated_by, created_by_subject, updated_by_subject)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9, $10, $11, $12, $12, $13, $13)
         RETURNING *
       ), audited AS (
         INSERT INTO target_audit (target_id, action, actor, actor_subject, at, before, after)
         SELECT c.id, 'create', $12, $13, c.created_at, NULL, ${TARGET_JSON('c')} FROM created c
         RETURNING after
       )
       SELECT after AS target FROM audited`,
      [...scopeColumns(target.scope), target.metric, String(target.threshold), target.severity, target.enabled, target.note, actor.name, actor.subject],
    );
    return orderTargetView(rows[0].target);
  }

  /**
   * Applies `changes` if the target is still at `expectedVersion`, bumping the version and auditing
   * before/after, in one transaction. Changes that change nothing write nothing.
   */
  update(id: string, expectedVersion: number, changes: TargetChanges, actor: Actor, scopeRoots: readonly string[]): Promise<GuardedResult<TargetView>> {
    return this.dataSource.transaction(async (manager): Promise<GuardedResult<TargetView>> => {
      const current = await this.findOne(id, scopeRoots, manager, true);
      if (!current) return { outcome: 'notFound' };
      if (current.version !== expectedVersion) return { outcome: 'stale', current };
      const changed = (Object.keys(changes) as (keyof TargetChanges)[]).some(
        (key) => changes[key] !== undefined && changes[key] !== current[key],
      );
      if (!changed) return { outcome: 'done', value: current };
      const rows: Array<{ target: TargetView }> = await manager.query(
        `WITH updated AS (
           UPDATE targets SET
             threshold = coalesce($2::numeric, threshold),
             severity = coalesce($3::text, severity),
             enabled = coalesce($4::boolean, enabled),
             note = CASE WHEN $5::boolean THEN $6::text ELSE note END,
             updated_at = now(),
             updated_by = $7,
             updated_by_subject = $9,
             version = version + 1
           WHERE id = $1
           RETURNING *
         ), audited AS (
           INSERT INTO target_audit (target_id, action, actor, actor_subject, at, before, after)
           SELECT u.id, 'update', $7, $9, u.updated_at, $8::jsonb, ${TARGET_JSON('u')} FROM updated u
           RETURNING after
         )
         SELECT after AS target FROM audited`,
        [
          id,
          changes.threshold === undefined ? null : String(changes.threshold),
          changes.severity ?? null,
          changes.enabled ?? null,
          changes.note !== undefined,
          changes.note ?? null,
          actor.name,
          JSON.stringify(current),
          actor.subject,
        ],
      );
      return { outcome: 'done', value: orderTargetView(rows[0].target) };
    });
  }

  /** Deletes the target (if still at `expectedVersion`, when given) and audits what it was. */
  delete(id: string, expectedVersion: number | null, actor: Actor, scopeRoots: readonly string[]): Promise<GuardedResult<TargetView>> {
    return this.dataSource.transaction(async (manager): Promise<GuardedResult<TargetView>> => {
      const current = await this.findOne(id, scopeRoots, manager, true);
      if (!current) return { outcome: 'notFound' };
      if (expectedVersion !== null && current.version !== expectedVersion) return { outcome: 'stale', current };
      await manager.query(
        `WITH deleted AS (DELETE FROM targets WHERE id = $1 RETURNING id)
         INSERT INTO target_audit (target_id, action, actor, actor_subject, before, after)
         SELECT id, 'delete', $2, $4, $3::jsonb, NULL FROM deleted`,
        [id, actor.name, JSON.stringify(current), actor.subject],
      );
      return { outcome: 'done', value: current };
    });
  }

  async findAudit(selection: TargetAuditSelection): Promise<TargetAuditRecord[]> {
    const rows: TargetAuditRecord[] = await this.dataSource.query(
      `SELECT a.id::text AS id, a.target_id AS "targetId", a.action, a.actor, a.actor_subject AS "actorSubject", a.at, a.before, a.after
       FROM target_audit a
       WHERE ($1::uuid IS NULL OR a.target_id = $1::uuid)
         AND ($2::text IS NULL OR a.actor = $2::text)
         AND ($3::text IS NULL OR a.action = $3::text)
         AND ($4::bigint IS NULL OR a.id < $4::bigint)
         AND ${VISIBLE_AUDIT('a', '$6')}
       ORDER BY a.id DESC
       LIMIT $5::int`,
      [selection.targetId, selection.actor, selection.action, selection.beforeId, selection.limit, selection.scopeRoots],
    );
    return rows.map((row) => ({ ...row, before: orderTargetView(row.before), after: orderTargetView(row.after) }));
  }

  /** Whether the target exists or ever existed (has an audit trail), as far as the scope of `scopeRoots` sees. */
  async everExisted(id: string, scopeRoots: readonly string[]): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM targets t WHERE t.id = $1 AND ${VISIBLE_TARGET('t', '$2')}
       UNION ALL
       SELECT 1 FROM target_audit a WHERE a.target_id = $1 AND ${VISIBLE_AUDIT('a', '$2')} LIMIT 1`,
      [id, scopeRoots],
    );
    return rows.length > 0;
  }

  /** The agency's level and ancestry (parent first) from the reference data; null if never seen or out of scope. */
  async agencySubject(code: string, scopeRoots: readonly string[]): Promise<AgencySubjectRecord | null> {
    const rows: AgencySubjectRecord[] = await this.dataSource.query(
      `WITH RECURSIVE chain AS (
         SELECT a.code, a.parent_code, 0 AS depth, ARRAY[a.code] AS path FROM agencies a WHERE a.code = $1
         UNION ALL
         SELECT p.code, p.parent_code, c.depth + 1, c.path || p.code
         FROM chain c JOIN agencies p ON p.code = c.parent_code
         WHERE NOT p.code = ANY(c.path) AND c.depth < 1000
       )
       SELECT a.code, a.level,
              -- Each link's parent is the next ancestor, also a parent that is not catalogued itself;
              -- a parent already on the path closes a cycle and ends the ancestry.
              coalesce((SELECT array_agg(c.parent_code ORDER BY c.depth) FROM chain c
                        WHERE c.parent_code IS NOT NULL AND NOT c.parent_code = ANY(c.path)), '{}') AS ancestry
       FROM agencies a WHERE a.code = $1 AND a.code IN (SELECT agency_subtree($2::text[]))`,
      [code, scopeRoots],
    );
    return rows[0] ?? null;
  }

  /** Is the agency in one of `scopeRoots`' subtrees (known to the hierarchy or not)? */
  async agencyInScope(agencyCode: string, scopeRoots: readonly string[]): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 WHERE $1 IN (SELECT agency_subtree($2::text[]))`, [agencyCode, scopeRoots]);
    return rows.length > 0;
  }

  async procedureOnlineLevel(code: string): Promise<string | null> {
    const rows: Array<{ onlineLevel: string }> = await this.dataSource.query(
      `SELECT online_level AS "onlineLevel" FROM procedures WHERE code = $1`,
      [code],
    );
    return rows[0]?.onlineLevel ?? null;
  }

  /**
   * Enabled rules that could apply to the agency (given with its ancestors) or agency × procedure: a
   * superset; which of them match, and which wins, is the domain's `resolveEffectiveTargets`.
   */
  async candidateRules(agencyCodes: string[], procedureCode: string | null): Promise<TargetView[]> {
    const rows: Array<{ target: TargetView }> = await this.dataSource.query(
      `SELECT ${TARGET_JSON('t')} AS target FROM targets t
       WHERE t.enabled
         AND (t.agency_code IS NULL OR t.agency_code = ANY($1::text[]))
         AND (t.procedure_code IS NULL OR t.procedure_code = $2::text)
       ORDER BY t.id`,
      [agencyCodes, procedureCode],
    );
    return rows.map((row) => orderTargetView(row.target));
  }
}

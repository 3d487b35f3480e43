import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor } from '@dvc/auth';
import type { AlertKind, AlertStatus } from '../dtos/alerts-input.dto';

/**
 * Which alerts a caller sees: those about agencies of its scope, and — with `includeOperational` — the
 * operator alerts about no agency (silent sources).
 */
export interface AlertVisibility {
  scopeRoots: readonly string[];
  includeOperational: boolean;
}

/* Bound as $1 (roots) and $2 (operational) after the alert's own parameters are renumbered by the caller. */
const visible = (roots: string, operational: string) =>
  `(a.agency_code IN (SELECT agency_subtree(${roots}::text[])) OR (a.agency_code IS NULL AND ${operational}::boolean))`;

/** One `alerts` row as the API reads it (timestamps as ISO 8601 UTC, milliseconds). */
export interface AlertRecord {
  id: string;
  kind: AlertKind;
  status: AlertStatus;
  severity: string;
  /** NULL for silentSource alerts. */
  metric: string | null;
  /** NULL for zeroUptake and silentSource alerts (no target rule). */
  threshold: number | null;
  /** NULL for silentSource alerts (about a source, not an agency). */
  agencyCode: string | null;
  agencyName: string | null;
  procedureCode: string | null;
  procedureName: string | null;
  windowKind: string | null;
  targetId: string | null;
  sourceUri: string | null;
  openedAt: string;
  lastEvaluatedAt: string;
  evaluation: Record<string, unknown>;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgeComment: string | null;
  resolvedAt: string | null;
  resolveReason: string | null;
  escalatedAt: string | null;
  reminderCount: number;
  lastRemindedAt: string | null;
  explanation: Record<string, unknown>;
  /** opened_at with microseconds: the cursor's sort key. */
  cursorOpenedAt: string;
}

export interface AlertHistoryRecord {
  id: string;
  at: string;
  fromStatus: string | null;
  toStatus: string;
  actor: string;
  /** The token subject of the actor; null for the alerting service and for rows from before sign-in. */
  actorSubject: string | null;
  comment: string | null;
  details: unknown;
}

export interface AlertSelection {
  statuses: AlertStatus[];
  kind: AlertKind | null;
  severity: string | null;
  metric: string | null;
  agency: string | null;
  subtree: boolean;
  procedure: string | null;
  windowKind: string | null;
  openedFrom: string | null;
  openedTo: string | null;
  after: { openedAt: string; id: string } | null;
  limit: number;
  visibility: AlertVisibility;
}

export type AcknowledgeResult =
  | { outcome: 'done' }
  | { outcome: 'notFound' }
  | { outcome: 'notFiring'; current: Pick<AlertRecord, 'status' | 'acknowledgedAt' | 'acknowledgedBy' | 'resolvedAt'> };

/** The history row of an acknowledgement says where it came from, for readers such as the alerting service. */
export const ACKNOWLEDGE_DETAILS = { source: 'api' } as const;

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_MS})`;

const ALERT_COLUMNS = `
  a.id, a.kind, a.status, a.severity, a.metric, a.threshold::float8 AS threshold,
  a.agency_code AS "agencyCode", ag.name AS "agencyName",
  a.procedure_code AS "procedureCode", p.name AS "procedureName",
  a.window_kind AS "windowKind", a.target_id AS "targetId",
  a.source_uri AS "sourceUri",
  ${iso('a.opened_at')} AS "openedAt",
  ${iso('a.last_evaluated_at')} AS "lastEvaluatedAt",
  a.last_evaluation AS evaluation,
  ${iso('a.acknowledged_at')} AS "acknowledgedAt", a.acknowledged_by AS "acknowledgedBy", a.acknowledge_comment AS "acknowledgeComment",
  ${iso('a.resolved_at')} AS "resolvedAt", a.resolve_reason AS "resolveReason",
  ${iso('a.escalated_at')} AS "escalatedAt",
  a.reminder_count AS "reminderCount", ${iso('a.last_reminded_at')} AS "lastRemindedAt",
  a.explanation,
  to_char(a.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorOpenedAt"`;

/*
 * Every filter reaches the statement as a bound value; the agency subtree is the same recursive walk
 * as /v1/rates (a cycle in the reference data ends it). Newest first on (opened_at, id), which the
 * index alerts_opened_idx serves.
 */
const ALERTS_SQL = `
WITH RECURSIVE scope (code, path) AS (
  SELECT $4::text, ARRAY[$4::text] WHERE $4::text IS NOT NULL
  UNION ALL
  SELECT child.code, scope.path || child.code
  FROM agencies child JOIN scope ON child.parent_code = scope.code
  WHERE $5::boolean AND child.code <> ALL (scope.path)
)
SELECT ${ALERT_COLUMNS}
FROM alerts a
LEFT JOIN agencies ag ON ag.code = a.agency_code
LEFT JOIN procedures p ON p.code = a.procedure_code
WHERE a.status = ANY ($1::text[])
  AND ($2::text IS NULL OR a.severity = $2::text)
  AND ($3::text IS NULL OR a.metric = $3::text)
  AND ($4::text IS NULL OR a.agency_code IN (SELECT code FROM scope))
  AND ($6::text IS NULL OR a.procedure_code = $6::text)
  AND ($7::text IS NULL OR a.window_kind = $7::text)
  AND ($8::timestamptz IS NULL OR a.opened_at >= $8::timestamptz)
  AND ($9::timestamptz IS NULL OR a.opened_at <= $9::timestamptz)
  AND ($10::timestamptz IS NULL OR (a.opened_at, a.id) < ($10::timestamptz, $11::uuid))
  AND ($13::text IS NULL OR a.kind = $13::text)
  AND ${visible('$14', '$15')}
ORDER BY a.opened_at DESC, a.id DESC
LIMIT $12::int`;

@Injectable()
export class AlertsRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(selection: AlertSelection): Promise<AlertRecord[]> {
    return this.dataSource.query(ALERTS_SQL, [
      selection.statuses,
      selection.severity,
      selection.metric,
      selection.agency,
      selection.subtree,
      selection.procedure,
      selection.windowKind,
      selection.openedFrom,
      selection.openedTo,
      selection.after?.openedAt ?? null,
      selection.after?.id ?? null,
      selection.limit,
      selection.kind,
      selection.visibility.scopeRoots,
      selection.visibility.includeOperational,
    ]);
  }

  /** The alert when the caller may see it; null when unknown or not visible alike. */
  async findOne(id: string, visibility: AlertVisibility): Promise<AlertRecord | null> {
    const rows: AlertRecord[] = await this.dataSource.query(
      `SELECT ${ALERT_COLUMNS}
       FROM alerts a
       LEFT JOIN agencies ag ON ag.code = a.agency_code
       LEFT JOIN procedures p ON p.code = a.procedure_code
       WHERE a.id = $1 AND ${visible('$2', '$3')}`,
      [id, visibility.scopeRoots, visibility.includeOperational],
    );
    return rows[0] ?? null;
  }

  history(alertId: string): Promise<AlertHistoryRecord[]> {
    return this.dataSource.query(
      `SELECT h.id::text AS id, ${iso('h.at')} AS at, h.from_status AS "fromStatus", h.to_status AS "toStatus",
              h.actor, h.actor_subject AS "actorSubject", h.comment, h.details
       FROM alert_history h WHERE h.alert_id = $1 ORDER BY h.id`,
      [alertId],
    );
  }

  /**
   * firing → acknowledged with its history entry, in one transaction. The row lock orders this with
   * the alerting service's sweep (which locks open alerts too): whichever comes second sees the other's
   * outcome. Nothing is enqueued here; notifications belong to the alerting service.
   */
  acknowledge(id: string, actor: Actor, comment: string, visibility: AlertVisibility): Promise<AcknowledgeResult> {
    return this.dataSource.transaction(async (manager): Promise<AcknowledgeResult> => {
      const rows: Array<{ status: AlertStatus; acknowledgedAt: string | null; acknowledgedBy: string | null; resolvedAt: string | null }> =
        await manager.query(
          `SELECT status, ${iso('acknowledged_at')} AS "acknowledgedAt", acknowledged_by AS "acknowledgedBy", ${iso('resolved_at')} AS "resolvedAt"
           FROM alerts a WHERE a.id = $1 AND ${visible('$2', '$3')} FOR UPDATE`,
          [id, visibility.scopeRoots, visibility.includeOperational],
        );
      const current = rows[0];
      if (!current) return { outcome: 'notFound' };
      if (current.status !== 'firing') return { outcome: 'notFiring', current };
      await manager.query(
        `WITH acknowledged AS (
           UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, acknowledged_by_subject = $5,
                             acknowledge_comment = $3
           WHERE id = $1 AND status = 'firing'
           RETURNING id, acknowledged_at
         )
         INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, actor_subject, comment, details)
         SELECT id, acknowledged_at, 'firing', 'acknowledged', $2, $5, $3, $4::jsonb FROM acknowledged`,
        [id, actor.name, comment, JSON.stringify(ACKNOWLEDGE_DETAILS), actor.subject],
      );
      return { outcome: 'done' };
    });
  }
}

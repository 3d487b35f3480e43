import type { AlertExplanation, Evaluation, ResolveReason } from '../evaluation/sweep-plan';

/**
 * The payloads the outbox carries, shared by the sweep's entries (outbox-entries.ts), the lifecycle
 * notices (notices.ts) and the senders that deliver them. Kept apart so that neither producer of
 * entries has to import the other for a type.
 */

export interface AlertLifecycleEvent {
  /** Unique per lifecycle change; consumers deduplicate on it (Kafka delivery is at least once). */
  eventId: string;
  type: 'alert.opened' | 'alert.acknowledged' | 'alert.escalated' | 'alert.reminder' | 'alert.resolved';
  at: string;
  alertId: string;
  /** `belowTarget` (a target rule), `zeroUptake`, `silentSource` (an operator alert, no agency). */
  kind: 'belowTarget' | 'zeroUptake' | 'silentSource';
  status: 'firing' | 'acknowledged' | 'resolved';
  previousStatus: 'firing' | 'acknowledged' | null;
  targetId: string | null;
  agencyCode: string | null;
  agencyName: string | null;
  procedureCode: string | null;
  procedureName: string | null;
  sourceUri: string | null;
  windowKind: string | null;
  metric: string | null;
  severity: string;
  threshold: number | null;
  resolveReason: ResolveReason | string | null;
  /** `alert.escalated`: the parent agency it went to (null at the root). */
  escalatedTo?: string | null;
  /** `alert.reminder`: 1 for the first reminder, … */
  reminder?: number;
  openedAt?: string;
  /** `alert.acknowledged`: who acknowledged (through the API), when, and their comment. */
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  acknowledgeComment?: string | null;
  evaluation: Evaluation | null;
  explanation: AlertExplanation | null;
}

export interface EmailPayload {
  to: string;
  toName: string | null;
  subject: string;
  text: string;
  agencyCode: string;
  alertIds: string[];
}

/** The body a webhook receives (signed) and Alertmanager-independent consumers read. */
export interface WebhookPayload {
  endpointId: string;
  body: AlertLifecycleEvent;
}

import { createHash } from 'node:crypto';
import type { AgencyInfo } from '../evaluation/sweep-plan';
import type { OutboxInsert, Recipient } from '../repositories/alerts.repository';
import { NotificationItem, renderEmail } from './email-templates';
import { NoticeEvent, renderSilentSource, renderZeroUptake, SilentSourceItem, ZeroUptakeItem } from './operator-templates';
import type { AlertLifecycleEvent, EmailPayload } from './outbox-payloads';
import { webhookEntries, type WebhookEndpoint } from './webhook-entries';

/**
 * Notifications about alerts as stored (escalations, reminders, and the opening and resolving of
 * zero-uptake and silent-source alerts), computed without I/O. Per alert: one Kafka lifecycle event
 * and one signed webhook call per matching endpoint; per group of recipients: one digest e-mail.
 * Dedupe keys name the event, the alert and, for reminders, the reminder's number: each is enqueued
 * at most once, whatever crashes or second instances do.
 */

export type AlertKind = 'belowTarget' | 'zeroUptake' | 'silentSource';

export interface AlertRecord {
  id: string;
  kind: AlertKind;
  targetId: string | null;
  agencyCode: string | null;
  procedureCode: string | null;
  windowKind: string | null;
  metric: string | null;
  severity: 'critical' | 'warning';
  threshold: number | null;
  status: 'firing' | 'acknowledged' | 'resolved';
  openedAt: string;
  sourceUri: string | null;
  reminderCount: number;
  escalatedAt: string | null;
  resolveReason: string | null;
  lastEvaluation: Record<string, unknown> | null;
  explanation: Record<string, unknown> | null;
}

export interface NoticeInputs {
  event: NoticeEvent;
  alerts: readonly AlertRecord[];
  /** Status before this change (for `resolve`: the status the alert had). */
  previousStatus?: ReadonlyMap<string, 'firing' | 'acknowledged'>;
  agencies: ReadonlyMap<string, AgencyInfo>;
  /** Recipients by agency code (the alerts' agencies and, for escalations, their parents). */
  recipients: ReadonlyMap<string, Recipient[]>;
  operatorEmails: readonly string[];
  webhooks: readonly WebhookEndpoint[];
  alertsTopic: string;
  at: string;
  /** Procedure names and online levels, for zero-uptake e-mails. */
  procedures?: ReadonlyMap<string, { name: string; onlineLevel: string }>;
  /** Human duration of the escalation delay, for the e-mail. */
  escalateAfterText?: string;
}

const TYPE: Record<NoticeEvent, AlertLifecycleEvent['type']> = {
  open: 'alert.opened',
  escalation: 'alert.escalated',
  reminder: 'alert.reminder',
  resolve: 'alert.resolved',
};

function eventIdOf(event: NoticeEvent, alert: AlertRecord): string {
  return event === 'reminder' ? `${alert.id}:reminder:${alert.reminderCount}` : `${alert.id}:${event}`;
}

export function lifecycleEvent(event: NoticeEvent, alert: AlertRecord, inputs: Pick<NoticeInputs, 'agencies' | 'at' | 'previousStatus'>): AlertLifecycleEvent {
  const parent = alert.agencyCode ? inputs.agencies.get(alert.agencyCode)?.parentCode ?? null : null;
  const explanation = alert.explanation as { procedureName?: string | null } | null;
  return {
    eventId: eventIdOf(event, alert),
    type: TYPE[event],
    at: inputs.at,
    alertId: alert.id,
    kind: alert.kind,
    status: event === 'resolve' ? 'resolved' : alert.status === 'resolved' ? 'resolved' : alert.status,
    previousStatus: event === 'open' ? null : inputs.previousStatus?.get(alert.id) ?? (alert.status === 'resolved' ? null : alert.status),
    targetId: alert.targetId,
    agencyCode: alert.agencyCode,
    agencyName: alert.agencyCode ? inputs.agencies.get(alert.agencyCode)?.name ?? null : null,
    procedureCode: alert.procedureCode,
    procedureName: explanation?.procedureName ?? null,
    sourceUri: alert.sourceUri,
    windowKind: alert.windowKind,
    metric: alert.metric,
    severity: alert.severity,
    threshold: alert.threshold,
    resolveReason: event === 'resolve' ? (alert.resolveReason as AlertLifecycleEvent['resolveReason']) : null,
    escalatedTo: event === 'escalation' ? parent : undefined,
    reminder: event === 'reminder' ? alert.reminderCount : undefined,
    openedAt: alert.openedAt,
    evaluation: alert.lastEvaluation as AlertLifecycleEvent['evaluation'],
    explanation: alert.explanation as AlertLifecycleEvent['explanation'],
  };
}

/** An acknowledgement made through the API (an `alert_history` row), to be announced once. */
export interface Acknowledgement {
  historyId: string;
  acknowledgedAt: string;
  actor: string;
  comment: string | null;
  alert: AlertRecord;
}

/**
 * Kafka and webhook notices of acknowledgements (no e-mail: whoever acknowledged already knows). The
 * event id names the history row, so each acknowledgement is enqueued at most once.
 */
export function acknowledgementEntries(
  acknowledgements: readonly Acknowledgement[],
  inputs: Pick<NoticeInputs, 'agencies' | 'webhooks' | 'alertsTopic' | 'at'>,
): OutboxInsert[] {
  const entries: OutboxInsert[] = [];
  for (const ack of acknowledgements) {
    const event: AlertLifecycleEvent = {
      ...lifecycleEvent('open', ack.alert, inputs),
      eventId: `${ack.alert.id}:acknowledge:${ack.historyId}`,
      type: 'alert.acknowledged',
      status: 'acknowledged',
      previousStatus: 'firing',
      resolveReason: null,
      acknowledgedBy: ack.actor,
      acknowledgedAt: ack.acknowledgedAt,
      acknowledgeComment: ack.comment,
    };
    entries.push({ alertId: ack.alert.id, event: 'acknowledge', channel: 'kafka', recipient: inputs.alertsTopic, payload: event, dedupeKey: `kafka:${event.eventId}` });
    entries.push(...webhookEntries(event, 'acknowledge', inputs.webhooks, inputs.agencies));
  }
  return entries;
}

export function noticeEntries(inputs: NoticeInputs): OutboxInsert[] {
  const entries: OutboxInsert[] = [];
  for (const alert of inputs.alerts) {
    const event = lifecycleEvent(inputs.event, alert, inputs);
    entries.push({ alertId: alert.id, event: inputs.event, channel: 'kafka', recipient: inputs.alertsTopic, payload: event, dedupeKey: `kafka:${event.eventId}` });
    entries.push(...webhookEntries(event, inputs.event, inputs.webhooks, inputs.agencies));
  }
  entries.push(...emailDigests(inputs));
  return entries;
}

interface Group {
  /** Whose recipients: an agency code, or '' for the operators. */
  addressee: string;
  /** The agency the alerts are about ('' for silent sources). */
  agencyCode: string;
  kind: AlertKind;
  alerts: AlertRecord[];
}

function emailDigests(inputs: NoticeInputs): OutboxInsert[] {
  const groups = new Map<string, Group>();
  const add = (addressee: string, alert: AlertRecord) => {
    const agencyCode = alert.agencyCode ?? '';
    const key = `${addressee}\u0000${agencyCode}\u0000${alert.kind}`;
    const group = groups.get(key) ?? { addressee, agencyCode, kind: alert.kind, alerts: [] };
    group.alerts.push(alert);
    groups.set(key, group);
  };
  for (const alert of inputs.alerts) {
    if (alert.kind === 'silentSource') {
      add('', alert);
      continue;
    }
    const agency = alert.agencyCode!;
    const parent = inputs.agencies.get(agency)?.parentCode ?? null;
    if (inputs.event === 'escalation') {
      if (parent) add(parent, alert);
    } else {
      add(agency, alert);
      // Once escalated, the parent hears the reminders and the resolution too.
      if ((inputs.event === 'reminder' || inputs.event === 'resolve') && alert.escalatedAt && parent) add(parent, alert);
    }
  }

  const entries: OutboxInsert[] = [];
  for (const group of groups.values()) {
    const addresses: Array<{ email: string; name: string | null }> =
      group.addressee === '' ? inputs.operatorEmails.map((email) => ({ email, name: null })) : inputs.recipients.get(group.addressee) ?? [];
    if (addresses.length === 0) continue;
    const content = render(inputs, group);
    const ids = group.alerts.map((a) => eventIdOf(inputs.event, a));
    const digest = createHash('sha256').update(`${inputs.event}\n${group.addressee}\n${[...ids].sort().join('\n')}`).digest('hex').slice(0, 32);
    const seen = new Set<string>();
    for (const address of addresses) {
      const lower = address.email.toLowerCase();
      if (seen.has(lower)) continue;
      seen.add(lower);
      const payload: EmailPayload = {
        to: address.email,
        toName: address.name,
        subject: content.subject,
        text: content.text,
        agencyCode: group.agencyCode,
        alertIds: group.alerts.map((a) => a.id),
      };
      entries.push({ alertId: group.alerts[0].id, event: inputs.event, channel: 'email', recipient: address.email, payload, dedupeKey: `email:${inputs.event}:${digest}:${lower}` });
    }
  }
  return entries;
}

function render(inputs: NoticeInputs, group: Group): { subject: string; text: string } {
  const agencyName = inputs.agencies.get(group.agencyCode)?.name ?? group.agencyCode;
  const addresseeName = group.addressee === '' ? undefined : inputs.agencies.get(group.addressee)?.name ?? group.addressee;
  switch (group.kind) {
    case 'silentSource':
      return renderSilentSource(
        inputs.event,
        group.alerts.map((a): SilentSourceItem => {
          const evaluation = (a.lastEvaluation ?? {}) as { lastEventAt?: string; workingTimeSilentMs?: number };
          return { sourceUri: a.sourceUri!, lastEventAt: evaluation.lastEventAt ?? null, workingTimeSilentMs: evaluation.workingTimeSilentMs ?? null, resolveReason: a.resolveReason };
        }),
      );
    case 'zeroUptake':
      return renderZeroUptake(
        inputs.event,
        agencyName,
        group.alerts.map((a): ZeroUptakeItem => {
          const evaluation = (a.lastEvaluation ?? {}) as { received?: number; window?: { firstDay: string; lastDay: string } };
          const procedure = inputs.procedures?.get(a.procedureCode!);
          const explanation = (a.explanation ?? {}) as { procedureName?: string; onlineLevel?: string };
          return {
            procedureCode: a.procedureCode!,
            procedureName: explanation.procedureName ?? procedure?.name ?? a.procedureCode!,
            onlineLevel: explanation.onlineLevel ?? procedure?.onlineLevel ?? '',
            received: evaluation.received ?? 0,
            windowKind: a.windowKind ?? '',
            window: evaluation.window ?? null,
            resolveReason: a.resolveReason,
          };
        }),
        addresseeName,
      );
    case 'belowTarget':
      return renderEmail(
        inputs.event,
        agencyName,
        group.alerts.map(
          (a): NotificationItem => ({
            alertId: a.id,
            procedureCode: a.procedureCode,
            procedureName: (a.explanation as { procedureName?: string | null } | null)?.procedureName ?? null,
            windowKind: a.windowKind!,
            metric: a.metric as NotificationItem['metric'],
            severity: a.severity,
            threshold: a.threshold ?? 0,
            evaluation: a.lastEvaluation as unknown as NotificationItem['evaluation'],
            explanation: a.explanation as unknown as NotificationItem['explanation'],
            resolveReason: (a.resolveReason ?? undefined) as NotificationItem['resolveReason'],
          }),
        ),
        { addresseeName, openFor: inputs.event === 'escalation' ? inputs.escalateAfterText : undefined },
      );
  }
}

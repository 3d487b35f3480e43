import { createHash } from 'node:crypto';
import type { AgencyInfo, OpenedAlert, ResolvedAlert } from '../evaluation/sweep-plan';
import type { OutboxInsert, Recipient } from '../repositories/alerts.repository';
import { EmailEvent, NotificationItem, renderEmail, sortItems } from './email-templates';
import type { AlertLifecycleEvent, EmailPayload } from './outbox-payloads';
import { webhookEntries, type WebhookEndpoint } from './webhook-entries';

/**
 * What one sweep enqueues, computed without I/O:
 * - Kafka: one message per lifecycle change of every alert (`alert.opened`, `alert.resolved`);
 * - e-mail: per agency and event, one message per registered recipient listing every alert of that
 *   agency that opened (or resolved) in this sweep — one e-mail, not one per rule × scope × window.
 * Dedupe keys derive from alert ids, which are new for every opening: the same decision cannot be
 * enqueued twice, and a later re-opening of the same scope is a new alert with new keys.
 */

export interface OutboxInputs {
  opened: OpenedAlert[];
  /** Ids given to `opened` (same order). */
  openedIds: string[];
  resolved: ResolvedAlert[];
  agencies: ReadonlyMap<string, AgencyInfo>;
  recipients: ReadonlyMap<string, Recipient[]>;
  alertsTopic: string;
  at: string;
  /** Enabled webhook endpoints; each alert goes to those whose scope covers its agency. */
  webhooks?: readonly WebhookEndpoint[];
}

export function outboxEntries(input: OutboxInputs): OutboxInsert[] {
  const entries: OutboxInsert[] = [];
  const openItems: NotificationItem[] = [];
  const resolveItems: NotificationItem[] = [];
  const agencyOf = new Map<string, string>();

  input.opened.forEach((alert, index) => {
    const id = input.openedIds[index];
    const event: AlertLifecycleEvent = {
      eventId: `${id}:open`,
      type: 'alert.opened',
      at: input.at,
      alertId: id,
      kind: 'belowTarget',
      status: 'firing',
      previousStatus: null,
      targetId: alert.targetId,
      agencyCode: alert.agencyCode,
      agencyName: input.agencies.get(alert.agencyCode)?.name ?? null,
      procedureCode: alert.procedureCode,
      procedureName: alert.explanation.procedureName,
      sourceUri: null,
      windowKind: alert.windowKind,
      metric: alert.metric,
      severity: alert.severity,
      threshold: alert.threshold,
      resolveReason: null,
      evaluation: alert.evaluation,
      explanation: alert.explanation,
    };
    entries.push({ alertId: id, event: 'open', channel: 'kafka', recipient: input.alertsTopic, payload: event, dedupeKey: `kafka:open:${id}` });
    entries.push(...webhookEntries(event, 'open', input.webhooks ?? [], input.agencies));
    agencyOf.set(id, alert.agencyCode);
    openItems.push({
      alertId: id,
      procedureCode: alert.procedureCode,
      procedureName: alert.explanation.procedureName,
      windowKind: alert.windowKind,
      metric: alert.metric,
      severity: alert.severity,
      threshold: alert.threshold,
      evaluation: alert.evaluation,
      explanation: alert.explanation,
    });
  });

  for (const { alert, reason, evaluation, explanation } of input.resolved) {
    const event: AlertLifecycleEvent = {
      eventId: `${alert.id}:resolve`,
      type: 'alert.resolved',
      at: input.at,
      alertId: alert.id,
      kind: 'belowTarget',
      status: 'resolved',
      previousStatus: alert.status,
      targetId: alert.targetId,
      agencyCode: alert.agencyCode,
      agencyName: input.agencies.get(alert.agencyCode)?.name ?? null,
      procedureCode: alert.procedureCode,
      procedureName: explanation?.procedureName ?? null,
      sourceUri: null,
      windowKind: alert.windowKind,
      metric: alert.metric,
      severity: alert.severity,
      threshold: evaluation?.threshold ?? null,
      resolveReason: reason,
      evaluation,
      explanation,
    };
    entries.push({ alertId: alert.id, event: 'resolve', channel: 'kafka', recipient: input.alertsTopic, payload: event, dedupeKey: `kafka:resolve:${alert.id}` });
    entries.push(...webhookEntries(event, 'resolve', input.webhooks ?? [], input.agencies));
    agencyOf.set(alert.id, alert.agencyCode);
    resolveItems.push({
      alertId: alert.id,
      procedureCode: alert.procedureCode,
      procedureName: explanation?.procedureName ?? null,
      windowKind: alert.windowKind,
      metric: alert.metric,
      severity: alert.severity,
      threshold: evaluation?.threshold ?? explanation?.target.threshold ?? 0,
      evaluation,
      explanation,
      resolveReason: reason,
    });
  }

  entries.push(...emailEntries('open', openItems, agencyOf, input));
  entries.push(...emailEntries('resolve', resolveItems, agencyOf, input));
  return entries;
}

function emailEntries(event: EmailEvent, items: NotificationItem[], agencyOf: Map<string, string>, input: OutboxInputs): OutboxInsert[] {
  const byAgency = new Map<string, NotificationItem[]>();
  for (const item of items) {
    const agencyCode = agencyOf.get(item.alertId)!;
    const list = byAgency.get(agencyCode) ?? [];
    list.push(item);
    byAgency.set(agencyCode, list);
  }
  const entries: OutboxInsert[] = [];
  for (const [agencyCode, agencyItems] of byAgency) {
    const recipients = input.recipients.get(agencyCode) ?? [];
    if (recipients.length === 0) continue;
    const sorted = sortItems(agencyItems);
    const agencyName = input.agencies.get(agencyCode)?.name ?? agencyCode;
    const content = renderEmail(event, agencyName, sorted);
    const alertIds = sorted.map((item) => item.alertId);
    // The digest's identity: its event and the set of alerts it reports.
    const digest = createHash('sha256').update(`${event}\n${[...alertIds].sort().join('\n')}`).digest('hex').slice(0, 32);
    for (const recipient of recipients) {
      const payload: EmailPayload = { to: recipient.email, toName: recipient.name, subject: content.subject, text: content.text, agencyCode, alertIds };
      entries.push({
        alertId: alertIds[0],
        event,
        channel: 'email',
        recipient: recipient.email,
        payload,
        dedupeKey: `email:${event}:${digest}:${recipient.email.toLowerCase()}`,
      });
    }
  }
  return entries;
}

import type { AgencyInfo } from '../evaluation/sweep-plan';
import type { OutboxInsert } from '../repositories/alerts.repository';
import type { AlertLifecycleEvent, WebhookPayload } from './outbox-payloads';

/**
 * Webhook fan-out of lifecycle events: which enabled endpoints an alert's agency falls under, and one
 * outbox entry per endpoint. Used by the sweep's entries and by the lifecycle notices alike.
 */

export interface WebhookEndpoint {
  id: string;
  url: string;
  agencyCode: string | null;
}

/** The ancestors of an agency, itself first. */
export function ancestryOf(code: string, agencies: ReadonlyMap<string, AgencyInfo>): string[] {
  const chain: string[] = [];
  let current: string | null | undefined = code;
  while (current && !chain.includes(current)) {
    chain.push(current);
    current = agencies.get(current)?.parentCode;
  }
  return chain;
}

export function webhooksFor(agencyCode: string | null, webhooks: readonly WebhookEndpoint[], agencies: ReadonlyMap<string, AgencyInfo>): WebhookEndpoint[] {
  if (webhooks.length === 0) return [];
  const ancestry = agencyCode === null ? [] : ancestryOf(agencyCode, agencies);
  return webhooks.filter((w) => w.agencyCode === null || ancestry.includes(w.agencyCode));
}

/** One webhook call per matching endpoint for one lifecycle event. */
export function webhookEntries(
  event: AlertLifecycleEvent,
  outboxEvent: OutboxInsert['event'],
  webhooks: readonly WebhookEndpoint[],
  agencies: ReadonlyMap<string, AgencyInfo>,
): OutboxInsert[] {
  return webhooksFor(event.agencyCode, webhooks, agencies).map((endpoint) => ({
    alertId: event.alertId,
    event: outboxEvent,
    channel: 'webhook' as const,
    recipient: endpoint.url,
    payload: { endpointId: endpoint.id, body: event } satisfies WebhookPayload,
    dedupeKey: `webhook:${event.eventId}:${endpoint.id}`,
  }));
}

import { createHash, createHmac } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Kafka, Producer } from 'kafkajs';
import type { EntityManager } from 'typeorm';
import nodemailer, { Transporter } from 'nodemailer';
import { AlertingConfig } from '../alerting-config';
import type { OutboxRow } from '../repositories/alerts.repository';
import { LifecycleRepository } from '../repositories/lifecycle.repository';
import type { WebhookPayload } from './notices';
import { KAFKA } from '../tokens';
import type { EmailPayload } from './outbox-entries';

/** Sends e-mails over SMTP (nodemailer); resolves once the server accepted the message. */
@Injectable()
export class EmailSender implements OnApplicationShutdown {
  private readonly transporter: Transporter;
  private readonly from: string;

  constructor(config: ConfigService<AlertingConfig, true>) {
    const timeout = config.get('SMTP_TIMEOUT_MS', { infer: true });
    this.transporter = nodemailer.createTransport({
      url: config.get('SMTP_URL', { infer: true }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    this.from = config.get('ALERT_FROM', { infer: true });
  }

  async send(row: OutboxRow): Promise<void> {
    const payload = row.payload as unknown as EmailPayload;
    await this.transporter.sendMail({
      from: this.from,
      to: payload.toName ? { name: payload.toName, address: payload.to } : payload.to,
      subject: payload.subject,
      text: payload.text,
      // Stable per notification: should a crash after acceptance cause a re-send, mail systems can
      // recognise the duplicate.
      messageId: `<${createHash('sha256').update(row.dedupeKey).digest('hex').slice(0, 40)}@dvc-monitor>`,
      headers: { 'X-DVC-Alert-Ids': payload.alertIds.join(','), 'Content-Language': 'vi, en' },
    });
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}

/** Publishes lifecycle events to the alerts topic, keyed by alert id (one alert's events stay in order). */
@Injectable()
export class KafkaAlertPublisher implements OnApplicationShutdown {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(@Inject(KAFKA) kafka: Kafka) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async send(row: OutboxRow): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    await this.connected;
    const alertId = String((row.payload as { alertId?: string }).alertId ?? row.alertId ?? '');
    await this.producer.send({
      topic: row.recipient,
      acks: -1,
      messages: [{ key: alertId, value: JSON.stringify(row.payload), headers: { 'dvc-event-id': row.dedupeKey, 'content-type': 'application/json' } }],
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
  }
}

/** A failure that retrying cannot fix (the endpoint was disabled or deleted, or answered 410 Gone). */
export class PermanentDeliveryError extends Error {}

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${rawBody}`): what X-DVC-Signature carries. */
export function webhookSignature(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/**
 * POSTs a lifecycle event to a webhook endpoint, signed with the endpoint's secret as it is at send
 * time. The timestamp (Unix seconds) is the time of this attempt, so a receiver can refuse replays
 * older than a few minutes; `X-DVC-Event-Id` is stable across attempts, for the receiver's dedupe
 * (delivery is at least once). Any 2xx is success; anything else is retried with backoff.
 */
@Injectable()
export class WebhookSender {
  private readonly timeoutMs: number;

  constructor(
    config: ConfigService<AlertingConfig, true>,
    private readonly repository: LifecycleRepository,
  ) {
    this.timeoutMs = config.get('WEBHOOK_TIMEOUT_MS', { infer: true });
  }

  async send(row: OutboxRow, manager: EntityManager): Promise<void> {
    const payload = row.payload as unknown as WebhookPayload;
    const endpoint = await this.repository.webhookForSend(manager, payload.endpointId);
    if (!endpoint || !endpoint.enabled) throw new PermanentDeliveryError(`webhook endpoint ${payload.endpointId} is disabled or deleted`);
    const body = JSON.stringify(payload.body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'dvc-monitor-alerting',
        'x-dvc-event': payload.body.type,
        'x-dvc-event-id': payload.body.eventId,
        'x-dvc-timestamp': timestamp,
        'x-dvc-signature': webhookSignature(endpoint.secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status === 410) throw new PermanentDeliveryError('webhook endpoint answered 410 Gone');
    if (response.status < 200 || response.status >= 300) throw new Error(`webhook endpoint answered ${response.status}`);
  }
}

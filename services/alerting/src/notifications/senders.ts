import { createHash, createHmac } from 'node:crypto';
import { lookup as dnsLookup, LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Kafka, Producer } from 'kafkajs';
import type { EntityManager } from 'typeorm';
import nodemailer, { Transporter } from 'nodemailer';
import { secretsKeyring } from '@dvc/config';
import { addressRefusal, Keyring, openSecret, OutboundPolicy, outboundPolicy, urlRefusal } from '@dvc/domain';
import { AlertingConfig } from '../alerting-config';
import type { OutboxRow } from '../repositories/outbox.repository';
import { LifecycleRepository } from '../repositories/lifecycle.repository';
import { KAFKA } from '../tokens';
import type { EmailPayload, WebhookPayload } from './outbox-payloads';

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
  private producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(@Inject(KAFKA) private readonly kafka: Kafka) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async send(row: OutboxRow): Promise<void> {
    await this.sendAll(row.recipient, [row]);
  }

  /**
   * Rows of one topic in one produce request, in their order (one alert's events keep theirs: the same key, the
   * same partition, an idempotent producer with one request in flight). Either all were acknowledged or it
   * throws (some may have been written: consumers deduplicate on `dvc-event-id`, as after any retry).
   */
  async sendAll(topic: string, rows: OutboxRow[]): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    await this.connected;
    try {
      await this.producer.send({
        topic,
        acks: -1,
        messages: rows.map((row) => ({
          key: String((row.payload as { alertId?: string }).alertId ?? row.alertId ?? ''),
          value: JSON.stringify(row.payload),
          headers: { 'dvc-event-id': row.dedupeKey, 'content-type': 'application/json' },
        })),
      });
    } catch (error) {
      // A refused request leaves kafkajs's idempotent producer with sequence numbers the broker never saw, and
      // then every later request fails ("out of order sequence number"): a new producer (a new producer id) after
      // any failure, so that one bad notice never stops the others.
      await this.replaceProducer();
      throw error;
    }
  }

  private async replaceProducer(): Promise<void> {
    const failed = this.producer;
    const wasConnected = this.connected;
    this.producer = this.newProducer();
    this.connected = null;
    if (wasConnected) await failed.disconnect().catch(() => undefined);
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

/** A destination the egress policy refuses (scheme, credentials, or an address in a special range). */
export class EgressRefusedError extends PermanentDeliveryError {}

export interface WebhookResponse {
  status: number;
  /** The first WEBHOOK_MAX_RESPONSE_BYTES of the body at most; the rest is never read. */
  bodyPrefix: Buffer;
}

/**
 * One POST under the egress policy: the URL is judged first (https unless allowed, no credentials, no special
 * literal address); the host is then resolved, every address it has is checked, and the socket connects to the
 * checked address (the `lookup` hook), so a name cannot resolve to a public address for the check and to an
 * internal one for the connection. TLS still verifies the certificate for the host name. No redirect is
 * followed (a 3xx is an answer like any other); the whole exchange is bounded by `timeoutMs` and the body read
 * by `maxResponseBytes`.
 */
export function postUnderPolicy(
  policy: OutboundPolicy,
  url: string,
  headers: Record<string, string>,
  body: string,
  limits: { timeoutMs: number; maxResponseBytes: number },
): Promise<WebhookResponse> {
  const refusal = urlRefusal(policy, url);
  if (refusal) return Promise.reject(new EgressRefusedError(`webhook URL ${refusal}`));
  const target = new URL(url);
  const lookup = (hostname: string, options: LookupOptions, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { all: true, verbatim: true, family: options.family }, (error, addresses) => {
      if (error) return callback(error);
      const refused = addresses.map((entry) => addressRefusal(policy, entry.address)).find((problem) => problem !== null);
      // Any refused address refuses the name: DNS may answer the next lookup with it.
      if (refused) return callback(new EgressRefusedError(`webhook host ${hostname} resolves to ${refused}`));
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
  return new Promise<WebhookResponse>((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: lookup as never, agent: false });
    const timer = setTimeout(() => request.destroy(new Error(`webhook endpoint did not answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    const finish = (outcome: () => void) => {
      clearTimeout(timer);
      outcome();
    };
    request.on('error', (error) => finish(() => reject(error)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => finish(() => resolve({ status: response.statusCode ?? 0, bodyPrefix: Buffer.concat(chunks) }));
      response.on('data', (chunk: Buffer) => {
        if (kept < limits.maxResponseBytes) {
          const part = chunk.subarray(0, limits.maxResponseBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
        // Enough is read: the answer is the status; a receiver that streams on is cut off.
        if (kept >= limits.maxResponseBytes) {
          response.destroy();
          done();
        }
      });
      response.on('end', done);
      response.on('error', (error) => finish(() => reject(error)));
    });
    request.end(body);
  });
}

/**
 * POSTs a lifecycle event to a webhook endpoint, signed with the endpoint's secret as it is at send
 * time. The timestamp (Unix seconds) is the time of this attempt, so a receiver can refuse replays
 * older than a few minutes; `X-DVC-Event-Id` is stable across attempts, for the receiver's dedupe
 * (delivery is at least once). Any 2xx is success; a refused destination or 410 is permanent; anything else
 * (3xx included: redirects are never followed) is retried with backoff.
 */
@Injectable()
export class WebhookSender {
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly policy: OutboundPolicy;
  private readonly keyring: Keyring;

  constructor(
    config: ConfigService<AlertingConfig, true>,
    private readonly repository: LifecycleRepository,
  ) {
    this.timeoutMs = config.get('WEBHOOK_TIMEOUT_MS', { infer: true });
    this.maxResponseBytes = config.get('WEBHOOK_MAX_RESPONSE_BYTES', { infer: true });
    this.policy = outboundPolicy(config.get('WEBHOOK_ALLOW_HTTP', { infer: true }), config.get('WEBHOOK_ALLOWED_CIDRS', { infer: true }));
    this.keyring = secretsKeyring({
      SECRETS_ENCRYPTION_KEY: config.get('SECRETS_ENCRYPTION_KEY', { infer: true }),
      SECRETS_ENCRYPTION_KEY_FILE: config.get('SECRETS_ENCRYPTION_KEY_FILE', { infer: true }),
      SECRETS_ENCRYPTION_PREVIOUS_KEYS: config.get('SECRETS_ENCRYPTION_PREVIOUS_KEYS', { infer: true }),
    });
  }

  async send(row: OutboxRow, manager: EntityManager): Promise<void> {
    const payload = row.payload as unknown as WebhookPayload;
    const endpoint = await this.repository.webhookForSend(manager, payload.endpointId);
    if (!endpoint || !endpoint.enabled) throw new PermanentDeliveryError(`webhook endpoint ${payload.endpointId} is disabled or deleted`);
    // Opened for this call only; a key missing from the keyring is a retryable failure (the configuration is fixed, not the endpoint).
    const secret = endpoint.sealed !== null ? openSecret(this.keyring, endpoint.sealed) : endpoint.secret!;
    const body = JSON.stringify(payload.body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await postUnderPolicy(
      this.policy,
      endpoint.url,
      {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'dvc-monitor-alerting',
        'x-dvc-event': payload.body.type,
        'x-dvc-event-id': payload.body.eventId,
        'x-dvc-timestamp': timestamp,
        'x-dvc-signature': webhookSignature(secret, timestamp, body),
      },
      body,
      { timeoutMs: this.timeoutMs, maxResponseBytes: this.maxResponseBytes },
    );
    if (response.status === 410) throw new PermanentDeliveryError('webhook endpoint answered 410 Gone');
    if (response.status >= 300 && response.status < 400) throw new Error(`webhook endpoint answered ${response.status} (redirects are not followed)`);
    if (response.status < 200 || response.status >= 300) throw new Error(`webhook endpoint answered ${response.status}`);
  }
}

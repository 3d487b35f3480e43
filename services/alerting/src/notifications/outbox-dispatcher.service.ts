import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AlertingConfig } from '../alerting-config';
import { AlertingMetrics } from '../metrics/alerting.metrics';
import { AlertsRepository, OutboxRow } from '../repositories/alerts.repository';
import { isPermanentSmtpError, retryDelayMs } from './backoff';
import { EmailSender, KafkaAlertPublisher, PermanentDeliveryError, WebhookSender } from './senders';
import type { EntityManager } from 'typeorm';

/**
 * Sends what the outbox holds. Each worker claims the oldest due row with FOR UPDATE SKIP LOCKED and
 * keeps it locked while sending; it marks it sent in the same transaction only after the SMTP server
 * (or Kafka) accepted it. Any number of instances can dispatch: a locked row is skipped, a sent row is
 * no longer pending. A crash mid-send rolls the claim back and the row is sent again later; the window
 * for a duplicate is between the server's acceptance and the commit. Failures retry with exponential
 * backoff, then the row is marked failed.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private stopped = false;
  private workers: Promise<void>[] = [];
  private wakeUps = new Set<() => void>();
  private statsTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: ConfigService<AlertingConfig, true>,
    private readonly repository: AlertsRepository,
    private readonly email: EmailSender,
    private readonly kafka: KafkaAlertPublisher,
    private readonly webhook: WebhookSender,
    private readonly metrics: AlertingMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const concurrency = this.config.get('OUTBOX_CONCURRENCY', { infer: true });
    for (let i = 0; i < concurrency; i++) this.workers.push(this.work());
    void this.refreshStats();
    this.statsTimer = setInterval(() => void this.refreshStats(), 5_000);
    this.statsTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.wake();
    await Promise.all(this.workers);
  }

  /** New rows were committed: stop idling. */
  wake(): void {
    for (const wakeUp of this.wakeUps) wakeUp();
    this.wakeUps.clear();
  }

  private async work(): Promise<void> {
    const pollMs = this.config.get('OUTBOX_POLL_INTERVAL_MS', { infer: true });
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.dispatchOne();
      } catch (error) {
        this.logger.error({ error: String(error) }, 'outbox dispatch failed');
      }
      if (!worked && !this.stopped) await this.idle(pollMs);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUps.add(done);
    });
  }

  /** Claims, sends and records one due notification; false when none was due. */
  async dispatchOne(): Promise<boolean> {
    return this.repository.dataSource.transaction('READ COMMITTED', async (manager) => {
      const row = await this.repository.claimDue(manager);
      if (!row) return false;
      try {
        await this.send(row, manager);
        await this.repository.markSent(manager, row.id);
        this.metrics.notifications.inc({ channel: row.channel, outcome: 'sent' });
      } catch (error) {
        const attempts = row.attempts + 1;
        const permanent = error instanceof PermanentDeliveryError || (row.channel === 'email' && isPermanentSmtpError(error));
        const giveUp = permanent || attempts >= this.config.get('OUTBOX_MAX_ATTEMPTS', { infer: true });
        const delay = giveUp
          ? null
          : retryDelayMs(attempts, this.config.get('OUTBOX_RETRY_BASE_MS', { infer: true }), this.config.get('OUTBOX_RETRY_MAX_MS', { infer: true }));
        const message = error instanceof Error ? error.message : String(error);
        await this.repository.markFailedAttempt(manager, row.id, message, delay);
        this.metrics.notifications.inc({ channel: row.channel, outcome: giveUp ? 'failed' : 'retry' });
        this.logger.warn({ id: row.id, channel: row.channel, attempts, retryInMs: delay, error: message }, giveUp ? 'notification failed' : 'notification will be retried');
      }
      return true;
    });
  }

  private send(row: OutboxRow, manager: EntityManager): Promise<void> {
    switch (row.channel) {
      case 'email':
        return this.email.send(row);
      case 'kafka':
        return this.kafka.send(row);
      case 'webhook':
        return this.webhook.send(row, manager);
    }
  }

  private async refreshStats(): Promise<void> {
    try {
      const [open, backlog] = await Promise.all([this.repository.openAlertsBySeverity(), this.repository.outboxBacklogByChannel()]);
      for (const severity of ['critical', 'warning']) this.metrics.alertsOpen.set({ severity }, open.get(severity) ?? 0);
      for (const channel of ['email', 'webhook', 'kafka']) this.metrics.outboxBacklog.set({ channel }, backlog.get(channel) ?? 0);
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'could not refresh alert and outbox gauges');
    }
  }
}

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AlertingConfig } from '../alerting-config';
import { AlertingMetrics } from '../metrics/alerting.metrics';
import { AlertsRepository } from '../repositories/alerts.repository';
import { OutboxRepository, OutboxRow } from '../repositories/outbox.repository';
import { isPermanentSmtpError, retryDelayMs } from './backoff';
import { EmailSender, KafkaAlertPublisher, PermanentDeliveryError, WebhookSender } from './senders';
import type { EntityManager } from 'typeorm';

/**
 * Sends what the outbox holds. Each worker claims the oldest due row with FOR UPDATE SKIP LOCKED (Kafka
 * notices in batches, by one transaction at a time) and keeps it locked while sending; it marks it sent
 * in the same transaction only after the SMTP server (or Kafka) accepted it. Any number of instances can dispatch: a locked row is skipped, a sent row is
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
    private readonly alerts: AlertsRepository,
    private readonly outbox: OutboxRepository,
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

  /**
   * One step of a worker: Kafka notices when no other transaction is sending them, else an e-mail or webhook;
   * false when nothing was due.
   */
  async dispatchOne(): Promise<boolean> {
    return (await this.dispatchKafkaNotices()) || (await this.dispatchOther());
  }

  /**
   * Under the Kafka notices' lock (one transaction at a time over all instances: one alert's events keep their
   * order), the oldest due notice — with it, when it was never tried before, up to OUTBOX_KAFKA_BATCH - 1 more
   * such notices of the same topic in the same produce request — in one transaction.
   */
  private dispatchKafkaNotices(): Promise<boolean> {
    return this.outbox.dataSource.transaction('READ COMMITTED', async (manager) => {
      if (!(await this.outbox.tryLockKafkaNotices(manager))) return false;
      const row = await this.outbox.claimDue(manager, 'kafka');
      if (!row) return false;
      const more = row.attempts === 0 ? await this.outbox.claimDueKafkaAfter(manager, row, this.config.get('OUTBOX_KAFKA_BATCH', { infer: true }) - 1) : [];
      if (more.length > 0) await this.dispatchKafkaBatch([row, ...more], manager);
      else await this.dispatchRow(row, manager);
      return true;
    });
  }

  /** The oldest due e-mail or webhook, in one transaction; any number of workers and instances in parallel. */
  private dispatchOther(): Promise<boolean> {
    return this.outbox.dataSource.transaction('READ COMMITTED', async (manager) => {
      const row = await this.outbox.claimDue(manager, 'email and webhook');
      if (!row) return false;
      await this.dispatchRow(row, manager);
      return true;
    });
  }

  /**
   * One produce request for the batch. If it fails, every row of it counts a failed attempt and waits its
   * backoff; retries are sent one row at a time, so a notice Kafka refuses (too large, say) fails alone and
   * never holds back the others claimed with it.
   */
  private async dispatchKafkaBatch(rows: OutboxRow[], manager: EntityManager): Promise<void> {
    try {
      await this.kafka.sendAll(rows[0].recipient, rows);
    } catch (error) {
      for (const row of rows) await this.recordFailure(row, error, manager);
      return;
    }
    await this.outbox.markAllSent(manager, rows.map((row) => row.id));
    this.metrics.notifications.inc({ channel: 'kafka', outcome: 'sent' }, rows.length);
  }

  /** Sends one notification and records the outcome: sent, retry later (with backoff) or failed for good. */
  private async dispatchRow(row: OutboxRow, manager: EntityManager): Promise<void> {
    try {
      await this.send(row, manager);
      await this.outbox.markSent(manager, row.id);
      this.metrics.notifications.inc({ channel: row.channel, outcome: 'sent' });
    } catch (error) {
      await this.recordFailure(row, error, manager);
    }
  }

  private async recordFailure(row: OutboxRow, error: unknown, manager: EntityManager): Promise<void> {
    const attempts = row.attempts + 1;
    const permanent = error instanceof PermanentDeliveryError || (row.channel === 'email' && isPermanentSmtpError(error));
    const giveUp = permanent || attempts >= this.config.get('OUTBOX_MAX_ATTEMPTS', { infer: true });
    const delay = giveUp
      ? null
      : retryDelayMs(attempts, this.config.get('OUTBOX_RETRY_BASE_MS', { infer: true }), this.config.get('OUTBOX_RETRY_MAX_MS', { infer: true }));
    const message = error instanceof Error ? error.message : String(error);
    await this.outbox.markFailedAttempt(manager, row.id, message, delay);
    this.metrics.notifications.inc({ channel: row.channel, outcome: giveUp ? 'failed' : 'retry' });
    this.logger.warn({ id: row.id, channel: row.channel, attempts, retryInMs: delay, error: message }, giveUp ? 'notification failed' : 'notification will be retried');
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
      const [open, backlog] = await Promise.all([this.alerts.openAlertsBySeverity(), this.outbox.backlogByChannel()]);
      for (const severity of ['critical', 'warning']) this.metrics.alertsOpen.set({ severity }, open.get(severity) ?? 0);
      for (const channel of ['email', 'webhook', 'kafka']) this.metrics.outboxBacklog.set({ channel }, backlog.get(channel) ?? 0);
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'could not refresh alert and outbox gauges');
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AlertingConfig } from '../alerting-config';
import { AlertingMetrics } from '../metrics/alerting.metrics';
import type { AlertRecord } from './notices';
import { LifecycleRepository } from '../repositories/lifecycle.repository';

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

const ALERT_NAMES: Record<AlertRecord['kind'], string> = {
  belowTarget: 'DvcRateBelowTarget',
  zeroUptake: 'DvcZeroOnlineUptake',
  silentSource: 'DvcSourceSilent',
};

/**
 * Optional push to Alertmanager's `/api/v2/alerts` (ALERTMANAGER_URL). Alertmanager forgets an alert
 * that is not sent again before its `endsAt`, so this is a state sync rather than an outbox message:
 * after a completed sweep, at most every ALERTMANAGER_RESEND_MS, the sweeping instance posts every open
 * alert (endsAt three periods ahead: should dvc-monitor stop, they expire) and every alert resolved
 * since shortly before the last successful push (endsAt = when it resolved). Re-posting is idempotent:
 * Alertmanager identifies an alert by its labels.
 */
@Injectable()
export class AlertmanagerPusher {
  private readonly logger = new Logger(AlertmanagerPusher.name);
  private readonly url: string | null;
  private readonly resendMs: number;
  private readonly timeoutMs: number;
  private lastAttempt = 0;
  private lastSuccess: number | null = null;

  constructor(
    config: ConfigService<AlertingConfig, true>,
    private readonly repository: LifecycleRepository,
    private readonly metrics: AlertingMetrics,
  ) {
    const base = config.get('ALERTMANAGER_URL', { infer: true });
    this.url = base ? `${base.replace(/\/+$/, '')}/api/v2/alerts` : null;
    this.resendMs = config.get('ALERTMANAGER_RESEND_MS', { infer: true });
    this.timeoutMs = config.get('WEBHOOK_TIMEOUT_MS', { infer: true });
  }

  async pushIfDue(now = Date.now()): Promise<void> {
    if (!this.url || now - this.lastAttempt < this.resendMs) return;
    this.lastAttempt = now;
    const since = new Date((this.lastSuccess ?? now - 3 * this.resendMs) - 2 * this.resendMs);
    try {
      const alerts = (await this.repository.alertsForAlertmanager(since)).map((a) => toAlertmanager(a, a.resolvedAt, new Date(now + 3 * this.resendMs)));
      if (alerts.length > 0) {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alerts),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (!response.ok) throw new Error(`Alertmanager answered ${response.status}`);
      }
      this.lastSuccess = now;
      this.metrics.notifications.inc({ channel: 'alertmanager', outcome: 'sent' });
    } catch (error) {
      this.metrics.notifications.inc({ channel: 'alertmanager', outcome: 'retry' });
      this.logger.warn({ error: String(error) }, 'Alertmanager push failed; retried at the next sweep');
      this.lastAttempt = 0;
    }
  }
}

export function toAlertmanager(alert: AlertRecord, resolvedAt: string | null, openEndsAt: Date): AlertmanagerAlert {
  const labels: Record<string, string> = { alertname: ALERT_NAMES[alert.kind], severity: alert.severity, kind: alert.kind, service: 'dvc-monitor' };
  if (alert.agencyCode) labels.agency = alert.agencyCode;
  if (alert.procedureCode) labels.procedure = alert.procedureCode;
  if (alert.metric) labels.metric = alert.metric;
  if (alert.windowKind) labels.window = alert.windowKind;
  if (alert.sourceUri) labels.source = alert.sourceUri;
  const explanation = (alert.explanation ?? {}) as { agencyName?: string; procedureName?: string | null };
  const evaluation = (alert.lastEvaluation ?? {}) as { rate?: number | null; trials?: number; successes?: number };
  const summary =
    alert.kind === 'silentSource'
      ? `Source ${alert.sourceUri} has sent no event for too long in working hours`
      : alert.kind === 'zeroUptake'
        ? `${explanation.procedureName ?? alert.procedureCode} at ${explanation.agencyName ?? alert.agencyCode}: dossiers received, none online`
        : `${alert.metric} of ${explanation.agencyName ?? alert.agencyCode}${alert.procedureCode ? ` / ${explanation.procedureName ?? alert.procedureCode}` : ''} below ${alert.threshold}`;
  const annotations: Record<string, string> = { summary, alert_id: alert.id, status: resolvedAt ? 'resolved' : alert.status };
  if (typeof evaluation.trials === 'number') annotations.numbers = `${evaluation.successes}/${evaluation.trials}`;
  return { labels, annotations, startsAt: alert.openedAt, endsAt: resolvedAt ?? openEndsAt.toISOString() };
}

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import type { ApiEnvironment } from '../config/api-environment';
import { AdoptionMetricsRepository } from '../repositories/adoption-metrics.repository';
import { ADOPTION_METRICS, AdoptionGauges, applyAdoptionSnapshot, vietnamMonthToDate } from './adoption-metrics';

/**
 * Refreshes the adoption gauges from PostgreSQL every ADOPTION_METRICS_REFRESH_MS (and once at start).
 * Set-based SQL over the daily buckets, alerts, targets and source activity: the cost does not grow
 * with the scrape rate or with the number of API replicas' scrapes. A failed refresh is logged and
 * counted; the gauges keep the previous snapshot and the API keeps serving.
 */
@Injectable()
export class AdoptionMetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdoptionMetricsService.name);
  private readonly gauges: AdoptionGauges;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly repository: AdoptionMetricsRepository,
    config: ConfigService<ApiEnvironment, true>,
    @InjectMetric(ADOPTION_METRICS.received) received: AdoptionGauges['received'],
    @InjectMetric(ADOPTION_METRICS.completed) completed: AdoptionGauges['completed'],
    @InjectMetric(ADOPTION_METRICS.targetRatio) targetRatio: AdoptionGauges['targetRatio'],
    @InjectMetric(ADOPTION_METRICS.pairsBelowTarget) pairsBelowTarget: AdoptionGauges['pairsBelowTarget'],
    @InjectMetric(ADOPTION_METRICS.zeroUptakePairs) zeroUptakePairs: Gauge<'province'>,
    @InjectMetric(ADOPTION_METRICS.sourceLastEvent) sourceLastEvent: Gauge<'source'>,
    @InjectMetric(ADOPTION_METRICS.refreshFailures) private readonly failures: Counter,
  ) {
    this.gauges = { received, completed, targetRatio, pairsBelowTarget, zeroUptakePairs, sourceLastEvent };
    this.intervalMs = config.get('ADOPTION_METRICS_REFRESH_MS', { infer: true });
  }

  onApplicationBootstrap(): void {
    // Not awaited: the API must start (and answer /health) even when the first refresh is slow.
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One refresh; a refresh still running is joined rather than doubled. True when it succeeded. */
  refresh(now: Date = new Date()): Promise<boolean> {
    this.running ??= this.refreshOnce(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async refreshOnce(now: Date): Promise<boolean> {
    try {
      const snapshot = await this.repository.snapshot(vietnamMonthToDate(now));
      applyAdoptionSnapshot(this.gauges, snapshot);
      return true;
    } catch (error) {
      this.failures.inc();
      this.logger.warn({ error: String(error) }, 'could not refresh the adoption metrics; they keep their previous values');
      return false;
    }
  }
}

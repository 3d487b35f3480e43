import { HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { IngestConfig } from '../ingest-config';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { REDIS } from '../tokens';

/**
 * Events per source per minute, counted in Redis so that every ingest instance shares the budget.
 * Redis holds only what may be lost: when it does not answer, requests pass unchecked (and are
 * counted) rather than being refused.
 */
@Injectable()
export class SourceRateLimiter {
  private readonly logger = new Logger(SourceRateLimiter.name);
  private readonly eventsPerMinute: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: ConfigService<IngestConfig, true>,
    private readonly metrics: IngestMetrics,
  ) {
    this.eventsPerMinute = config.get('INGEST_HTTP_EVENTS_PER_MINUTE', { infer: true });
  }

  async consume(sourceId: string, events: number): Promise<void> {
    const minute = Math.floor(Date.now() / 60_000);
    const key = `dvc:ingest:rate:${sourceId}:${minute}`;
    let used: number;
    try {
      const results = await this.redis.multi().incrby(key, events).expire(key, 120).exec();
      used = Number(results?.[0]?.[1]);
    } catch (error) {
      this.metrics.rateLimiterUnavailable.inc();
      this.logger.warn({ error: String(error) }, 'rate limiter unavailable; request let through');
      return;
    }
    if (used > this.eventsPerMinute) {
      const retryAfterSeconds = 60 - Math.floor((Date.now() / 1000) % 60);
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          error: 'Too Many Requests',
          message: `this source may send ${this.eventsPerMinute} events a minute; retry after ${retryAfterSeconds} s`,
          retryAfterSeconds,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }
}

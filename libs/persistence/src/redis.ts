import Redis from 'ioredis';
import type { HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessCheck, withTimeout } from '@dvc/observability';

/**
 * A Redis client for what may be lost (rate-limit counters, caches, locks). It never queues commands
 * while disconnected, so a Redis outage makes callers degrade at once instead of piling up.
 */
export function createRedisClient(url: string, connectionName: string): Redis {
  return new Redis(url, {
    connectionName,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
}

/**
 * Redis in a service's readiness. `degradesOnly`: for a service that works on without Redis (it only loses
 * what Redis held, e.g. ingest's rate limits), an unanswered ping is reported (`degraded: true`, the reason)
 * but keeps the service ready: an orchestrator must not take every instance out of service for it.
 */
export function redisReadinessCheck(redis: Redis, indicators: HealthIndicatorService, timeoutMs: number, options: { degradesOnly?: boolean } = {}): ReadinessCheck {
  return async () => {
    const session = indicators.check('redis');
    try {
      await withTimeout(redis.ping(), timeoutMs, 'Redis');
      return session.up();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return options.degradesOnly ? session.up({ degraded: true, message }) : session.down({ message });
    }
  };
}

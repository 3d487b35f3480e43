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

export function redisReadinessCheck(redis: Redis, indicators: HealthIndicatorService, timeoutMs: number): ReadinessCheck {
  return async () => {
    const session = indicators.check('redis');
    try {
      await withTimeout(redis.ping(), timeoutMs, 'Redis');
      return session.up();
    } catch (error) {
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  };
}

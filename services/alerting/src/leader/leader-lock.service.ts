import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { AlertingConfig } from '../alerting-config';
import { REDIS } from '../tokens';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export type LeadershipAnswer = 'leader' | 'follower' | 'redisUnavailable';

/**
 * The Redis leader lock: SET NX PX, renewed (only by its holder, checked atomically in Lua) each time
 * the sweep asks and by a timer at a third of the TTL. It keeps the other instances from doing the same
 * work; correctness does not depend on it: the sweep also takes a PostgreSQL advisory transaction lock,
 * and its decisions depend only on PostgreSQL's state. So when Redis is unreachable every instance may
 * try to sweep, one at a time, and nothing is decided or sent twice.
 */
@Injectable()
export class LeaderLock implements OnApplicationShutdown {
  private readonly logger = new Logger(LeaderLock.name);
  readonly instanceId = randomUUID();
  private readonly key: string;
  private readonly ttlMs: number;
  private held = false;
  private renewTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: ConfigService<AlertingConfig, true>,
  ) {
    this.key = config.get('ALERT_LEADER_LOCK_KEY', { infer: true });
    this.ttlMs = config.get('ALERT_LEADER_LOCK_TTL_MS', { infer: true });
  }

  async acquireOrRenew(): Promise<LeadershipAnswer> {
    try {
      if (this.held && (await this.redis.eval(RENEW, 1, this.key, this.instanceId, String(this.ttlMs))) === 1) return 'leader';
      const acquired = await this.redis.set(this.key, this.instanceId, 'PX', this.ttlMs, 'NX');
      this.setHeld(acquired === 'OK');
      return this.held ? 'leader' : 'follower';
    } catch (error) {
      this.setHeld(false);
      this.logger.warn({ error: String(error) }, 'Redis leader lock unavailable; relying on the PostgreSQL guard');
      return 'redisUnavailable';
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (!this.held) return;
    this.held = false;
    await this.redis.eval(RELEASE, 1, this.key, this.instanceId).catch(() => undefined);
  }

  private setHeld(held: boolean): void {
    if (held && !this.held) {
      this.logger.log({ instance: this.instanceId }, 'became the alerting leader');
      this.renewTimer = setInterval(() => void this.renew(), Math.max(200, Math.floor(this.ttlMs / 3)));
      this.renewTimer.unref();
    }
    if (!held && this.renewTimer) {
      clearInterval(this.renewTimer);
      this.renewTimer = null;
    }
    this.held = held;
  }

  private async renew(): Promise<void> {
    try {
      const renewed = await this.redis.eval(RENEW, 1, this.key, this.instanceId, String(this.ttlMs));
      if (renewed !== 1) this.setHeld(false);
    } catch {
      this.setHeld(false);
    }
  }
}

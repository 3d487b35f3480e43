import { Injectable, INestApplication, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { NextFunction, Request, Response } from 'express';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import helmet from 'helmet';
import type Redis from 'ioredis';
import { createRedisClient } from '@dvc/persistence';
import { AuthenticatedRequest, bearerTokenOf, OidcTokenVerifier } from '@dvc/auth';
import type { ApiEnvironment } from './config/api-environment';

/**
 * The API's HTTP edge, in front of every route: security headers (helmet; Swagger UI under /docs gets the inline
 * scripts and styles it needs, nothing else does), CORS closed unless CORS_ORIGINS names exact origins, and a
 * body limit (API_MAX_BODY_BYTES, 413 in the contract's error shape). main.ts and the tests' app both call it.
 */
export function configureHttpEdge(app: INestApplication): void {
  const config = app.get<ConfigService<ApiEnvironment, true>>(ConfigService);
  const express = app as NestExpressApplication;
  const apiHeaders = helmet();
  const docsHeaders = helmet({
    contentSecurityPolicy: {
      directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
    },
  });
  express.use((request: Request, response: Response, next: NextFunction) =>
    (request.path === '/docs' || request.path.startsWith('/docs/') ? docsHeaders : apiHeaders)(request, response, next),
  );
  const origins = config.get('CORS_ORIGINS', { infer: true });
  // No allowed origin: no Access-Control-* header at all, so browsers keep other sites' pages out.
  express.enableCors({
    origin: origins.length ? origins : false,
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  });
  const limit = config.get('API_MAX_BODY_BYTES', { infer: true });
  express.useBodyParser('json', { limit });
  express.useBodyParser('urlencoded', { limit, extended: false });
  // Errors of the body parsers (too large, malformed JSON) in the contract's error shape, not Express's HTML page.
  express.use((error: { status?: number; type?: string; message?: string }, _request: Request, response: Response, next: NextFunction) => {
    if (!error || typeof error.status !== 'number' || error.status < 400 || error.status >= 500) return next(error);
    const message =
      error.status === 413
        ? `body: may be at most ${limit} bytes`
        : error.type === 'entity.parse.failed'
          ? 'body: is not valid JSON'
          : `body: ${error.message ?? 'could not be read'}`;
    response.status(error.status).json({ statusCode: error.status, error: error.status === 413 ? 'Payload Too Large' : 'Bad Request', message });
  });
}

/**
 * Rate limits per caller: the token's subject when the request carries a valid token (every request of one person
 * or machine client counts together, whatever its address), the peer address otherwise. The guard may run before
 * the authorization guard, so it verifies the token itself (jose, cached keys): a made-up token is counted by
 * address, never by the subject it claims.
 */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly verifier: OidcTokenVerifier,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(request: Request & AuthenticatedRequest): Promise<string> {
    if (request.principal) return `sub:${request.principal.subject}`;
    const { token } = bearerTokenOf(request.headers.authorization);
    if (token) {
      try {
        return `sub:${(await this.verifier.verify(token)).subject}`;
      } catch {
        // Refused tokens are counted by address; the authorization guard answers them.
      }
    }
    return `ip:${request.socket.remoteAddress ?? 'unknown'}`;
  }
}

/**
 * The Redis storage of the limits (shared by every API instance), failing open: when Redis does not answer,
 * requests are served unlimited, and that is logged at most once a minute, rather than refused. The API's
 * readiness does not depend on Redis, for the same reason.
 */
@Injectable()
export class FailOpenThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private lastWarning = 0;
  private readonly redis: Redis;
  private readonly storage: ThrottlerStorage;

  constructor(config: ConfigService<ApiEnvironment, true>) {
    this.redis = createRedisClient(config.get('REDIS_URL', { infer: true }), 'dvc-api-rate-limits');
    // Connection errors surface as failed increments, handled below; this keeps ioredis from logging each one.
    this.redis.on('error', () => undefined);
    this.storage = new ThrottlerStorageRedisService(this.redis);
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): ReturnType<ThrottlerStorage['increment']> {
    try {
      return await this.storage.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ error: String(error) }, 'rate limits not enforced: Redis does not answer');
      }
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}

/** Provides the storage to ThrottlerModule.forRootAsync, so that Nest closes its Redis connection on shutdown. */
@Module({ providers: [FailOpenThrottlerStorage], exports: [FailOpenThrottlerStorage] })
export class RateLimitStorageModule {}

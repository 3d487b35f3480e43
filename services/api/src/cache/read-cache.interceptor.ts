import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import etag from 'etag';
import type { Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import type { Counter } from 'prom-client';
import { from, lastValueFrom, map, Observable } from 'rxjs';
import type { AuthenticatedRequest, Principal } from '@dvc/auth';
import type { ApiEnvironment } from '../config/api-environment';

export const READ_CACHE_METRIC = 'dvc_api_read_cache_requests_total';

export const readCacheCounterProvider = makeCounterProvider({
  name: READ_CACHE_METRIC,
  help: 'Cached read endpoints: answers from a fresh cache entry (hit), shared with an identical request in flight (coalesced) or computed (miss)',
  labelNames: ['outcome'],
});

/**
 * The cache key of a read: who may see what (roles and agency roots — the only parts of a principal the answer
 * depends on) and the request's path and query exactly as sent. Two callers share an entry only when their
 * scope and roles are the same.
 */
export function readCacheKey(principal: Pick<Principal, 'roles' | 'scope'>, url: string): string {
  return JSON.stringify([[...principal.roles].sort(), [...principal.scope.agencyRoots].sort(), url]);
}

/** The answer as the JSON text Express would have sent (`res.json` is `JSON.stringify` with no replacer or spaces here). */
interface Entry {
  json: string;
  /** Express's own weak ETag of that text, computed once rather than on every send (Express keeps an ETag already set). */
  etag: string;
}

/**
 * A short-lived cache of the heavy read endpoints' answers (rates, indicators, rankings, forecasts), in the API
 * process: identical reads within API_READ_CACHE_TTL_MS share one computation — those arriving while it runs
 * wait for it (single flight, lru-cache's `fetch`), those after it take its answer until the entry expires. A
 * dashboard on a wall and its hundred viewers then cost one query per TTL, and a figure is at most the TTL
 * older than the database. The answer is kept as its JSON text, so that a hit is not serialised again (measured:
 * most of a hit's cost for a page of 500 rate items). The guard has run before (the key holds the caller's
 * scope); errors are never cached. 0 turns it off.
 */
@Injectable()
export class ReadCacheInterceptor implements NestInterceptor {
  private readonly cache: LRUCache<string, Entry, () => Promise<unknown>> | null;

  constructor(
    config: ConfigService<ApiEnvironment, true>,
    @InjectMetric(READ_CACHE_METRIC) private readonly requests: Counter<'outcome'>,
  ) {
    const ttl: number = config.get('API_READ_CACHE_TTL_MS', { infer: true });
    const entries: number = config.get('API_READ_CACHE_ENTRIES', { infer: true });
    this.cache =
      ttl > 0
        ? new LRUCache<string, Entry, () => Promise<unknown>>({
            max: entries,
            ttl,
            fetchMethod: async (_key, _stale, { context }) => {
              const json = JSON.stringify(await context());
              return { json, etag: etag(json, { weak: true }) };
            },
          })
        : null;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const cache = this.cache;
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    if (!cache || !request.principal) return next.handle();
    const key = readCacheKey(request.principal, request.originalUrl);
    const status: LRUCache.Status<string, Entry> = {};
    return from(cache.fetch(key, { context: () => lastValueFrom(next.handle()), status })).pipe(
      map((entry) => {
        this.requests.inc({ outcome: status.fetch === 'hit' ? 'hit' : status.fetch === 'inflight' ? 'coalesced' : 'miss' });
        // A string with the JSON type set is sent as it is (Nest's Express adapter: res.send).
        response.type('application/json; charset=utf-8');
        if (entry) response.setHeader('ETag', entry.etag);
        return entry?.json;
      }),
    );
  }
}

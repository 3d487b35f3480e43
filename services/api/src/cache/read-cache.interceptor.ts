import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor, StreamableFile } from '@nestjs/common';
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
  help: 'Cached read endpoints: answers from a fresh cache entry (hit), shared with an identical request in flight (coalesced), the previous answer while its refresh runs (stale) or computed (miss)',
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

/** The answer as the bytes sent: the JSON text (`res.json` is `JSON.stringify` with no replacer or spaces here), once in UTF-8 and once gzipped. */
export interface CachedAnswer {
  json: Buffer;
  gzip: Buffer;
  /** Express's own weak ETag of that text, computed once; the same for both encodings, which carry the same JSON. */
  etag: string;
  /** When the computation that made it began (Date.now()): the oldest the database could have been when read. */
  readAt: number;
}

const gzip = promisify(gzipCallback);

/** The bytes of an answer, made once per computation (the gzip on libuv's thread pool, not the event loop). */
export async function cachedAnswerOf(value: unknown, readAt: number): Promise<CachedAnswer> {
  const text = JSON.stringify(value);
  const json = Buffer.from(text, 'utf8');
  return { json, gzip: await gzip(json), etag: etag(text, { weak: true }), readAt };
}

/**
 * Whether a cached answer may still be served while its refresh runs: read from the database at most TTL + the
 * stale allowance ago.
 */
export function mayServeStale(answer: Pick<CachedAnswer, 'readAt'> | undefined, now: number, ttlMs: number, staleMs: number): boolean {
  return answer !== undefined && staleMs > 0 && now - answer.readAt <= ttlMs + staleMs;
}

/**
 * A short-lived cache of the heavy read endpoints' answers (rates, indicators, rankings, forecasts), in the API
 * process: identical reads within API_READ_CACHE_TTL_MS share one computation — those arriving while it runs
 * wait for it (single flight, lru-cache's `fetch`), those after it take its answer until the entry expires. A
 * dashboard on a wall and its hundred viewers then cost one query per TTL. After the TTL, the next read starts
 * the refresh and, until it ends, reads get the previous answer if it is at most API_READ_CACHE_STALE_MS past
 * its TTL (stale while revalidate: the refresh's seconds are not every client's wait); older ones wait. A figure
 * is then at most TTL + stale allowance older than the database.
 *
 * The answer is kept as the bytes sent, plain and gzipped, so that a hit is neither serialised nor encoded nor
 * compressed again (measured on a page of 500 rate items: converting the JSON text to bytes on each send was a
 * quarter of the API's CPU); a client that accepts gzip gets the gzip. Conditional GETs with the ETag get 304.
 * The guard has run before (the key holds the caller's scope); errors are never cached. TTL 0 turns it off.
 */
@Injectable()
export class ReadCacheInterceptor implements NestInterceptor {
  private readonly cache: LRUCache<string, CachedAnswer, () => Promise<unknown>> | null;
  private readonly ttlMs: number;
  private readonly staleMs: number;

  constructor(
    config: ConfigService<ApiEnvironment, true>,
    @InjectMetric(READ_CACHE_METRIC) private readonly requests: Counter<'outcome'>,
  ) {
    this.ttlMs = config.get('API_READ_CACHE_TTL_MS', { infer: true });
    this.staleMs = config.get('API_READ_CACHE_STALE_MS', { infer: true });
    const entries: number = config.get('API_READ_CACHE_ENTRIES', { infer: true });
    this.cache =
      this.ttlMs > 0
        ? new LRUCache<string, CachedAnswer, () => Promise<unknown>>({
            max: entries,
            ttl: this.ttlMs,
            fetchMethod: async (_key, _stale, { context }) => {
              const readAt = Date.now();
              return cachedAnswerOf(await context(), readAt);
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
    const status: LRUCache.Status<string, CachedAnswer> = {};
    const allowStale = mayServeStale(cache.peek(key, { allowStale: true }), Date.now(), this.ttlMs, this.staleMs);
    return from(cache.fetch(key, { context: () => lastValueFrom(next.handle()), status, allowStale })).pipe(
      map((answer) => {
        this.requests.inc({ outcome: outcomeOf(status) });
        response.vary('Accept-Encoding');
        response.type('application/json; charset=utf-8');
        if (!answer) return answer;
        response.setHeader('ETag', answer.etag);
        // A matching If-None-Match: Express's send answers 304 without a body.
        if (request.fresh) return '';
        const gzipped = request.acceptsEncodings('gzip', 'identity') === 'gzip';
        if (gzipped) response.setHeader('Content-Encoding', 'gzip');
        const bytes = gzipped ? answer.gzip : answer.json;
        return new StreamableFile(bytes, { type: 'application/json; charset=utf-8', length: bytes.length });
      }),
    );
  }
}

function outcomeOf(status: LRUCache.Status<string, CachedAnswer>): 'hit' | 'coalesced' | 'stale' | 'miss' {
  if (status.returnedStale) return 'stale';
  if (status.fetch === 'hit') return 'hit';
  if (status.fetch === 'inflight') return 'coalesced';
  return 'miss';
}

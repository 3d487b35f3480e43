import { gunzipSync } from 'node:zlib';
import { cachedAnswerOf, mayServeStale, readCacheKey } from './read-cache.interceptor';

describe('readCacheKey', () => {
  const url = '/v1/rates?period=year&groupBy=agency';

  it('is the same for callers of the same roles and roots, in any order', () => {
    expect(readCacheKey({ roles: ['viewer', 'integrator'], scope: { agencyRoots: ['B', 'A'] } }, url)).toBe(
      readCacheKey({ roles: ['integrator', 'viewer'], scope: { agencyRoots: ['A', 'B'] } }, url),
    );
  });

  it('differs by scope, by role and by URL', () => {
    const base = readCacheKey({ roles: ['viewer'], scope: { agencyRoots: ['A'] } }, url);
    expect(readCacheKey({ roles: ['viewer'], scope: { agencyRoots: ['A', 'B'] } }, url)).not.toBe(base);
    expect(readCacheKey({ roles: ['province-operator'], scope: { agencyRoots: ['A'] } }, url)).not.toBe(base);
    expect(readCacheKey({ roles: ['viewer'], scope: { agencyRoots: ['A'] } }, `${url}&subtree=true`)).not.toBe(base);
  });

  it('cannot be forged by codes that contain the separator of a naive join', () => {
    expect(readCacheKey({ roles: ['viewer'], scope: { agencyRoots: ['A","B'] } }, url)).not.toBe(
      readCacheKey({ roles: ['viewer'], scope: { agencyRoots: ['A', 'B'] } }, url),
    );
  });
});

describe('mayServeStale', () => {
  it('serves an answer past its TTL only within the stale allowance, counted from when it was read', () => {
    expect(mayServeStale({ readAt: 1_000 }, 1_000 + 500 + 1_000, 500, 1_000)).toBe(true);
    expect(mayServeStale({ readAt: 1_000 }, 1_000 + 500 + 1_001, 500, 1_000)).toBe(false);
  });

  it('never serves stale with no allowance or no answer', () => {
    expect(mayServeStale({ readAt: 1_000 }, 1_001, 500, 0)).toBe(false);
    expect(mayServeStale(undefined, 1_000, 500, 1_000)).toBe(false);
  });
});

describe('cachedAnswerOf', () => {
  it('keeps the JSON text as UTF-8 bytes and the same bytes gzipped, with one weak ETag', async () => {
    const value = { items: [{ agencyName: 'Ủy ban nhân dân huyện Đồng Văn', rate: 0.1 }] };
    const answer = await cachedAnswerOf(value, 42);
    expect(answer.json.toString('utf8')).toBe(JSON.stringify(value));
    expect(gunzipSync(answer.gzip).equals(answer.json)).toBe(true);
    expect(answer.etag).toMatch(/^W\/"/);
    expect(answer.readAt).toBe(42);
  });
});

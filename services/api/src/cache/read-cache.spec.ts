import { readCacheKey } from './read-cache.interceptor';

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

import { bearerChallenge, bearerTokenOf } from './bearer-token';
import { claimAt } from './token-verifier';

describe(bearerTokenOf.name, () => {
  it('takes the JWT of a Bearer header, whatever the case of the scheme', () => {
    expect(bearerTokenOf('Bearer aaa.bbb.ccc')).toEqual({ token: 'aaa.bbb.ccc' });
    expect(bearerTokenOf('bearer aaa.bbb.ccc')).toEqual({ token: 'aaa.bbb.ccc' });
    // An unsigned token still parses: the verifier refuses it, with a 401 saying why.
    expect(bearerTokenOf('Bearer aaa.bbb.')).toEqual({ token: 'aaa.bbb.' });
  });

  it('tells no header apart from a wrong one', () => {
    expect(bearerTokenOf(undefined)).toEqual({ token: null });
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-jwt', 'Bearer a.b.c d', 'aaa.bbb.ccc', 'Bearer a.b.c.d']) {
      expect(bearerTokenOf(header)).toMatchObject({ token: null, problem: expect.any(String) });
    }
    expect(bearerTokenOf(['Bearer a.b.c', 'Bearer d.e.f'])).toMatchObject({ token: null, problem: 'give the Authorization header once' });
  });
});

describe(bearerChallenge.name, () => {
  it('follows RFC 6750 and cannot be broken out of by a quote', () => {
    expect(bearerChallenge()).toBe('Bearer realm="dvc-monitor"');
    expect(bearerChallenge('invalid_token', 'the token has "expired"')).toBe(
      `Bearer realm="dvc-monitor", error="invalid_token", error_description="the token has 'expired'"`,
    );
  });
});

describe(claimAt.name, () => {
  it('reads a claim by name or by dot path, own properties only', () => {
    const payload = { dvc_roles: ['viewer'], realm_access: { roles: ['agency-admin'] }, 'a.b': 1 };
    expect(claimAt(payload, 'dvc_roles')).toEqual(['viewer']);
    expect(claimAt(payload, 'realm_access.roles')).toEqual(['agency-admin']);
    expect(claimAt(payload, 'a.b')).toBe(1);
    expect(claimAt(payload, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(payload, 'constructor')).toBeUndefined();
  });
});

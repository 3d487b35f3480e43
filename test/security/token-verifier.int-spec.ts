import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, JWTPayload, SignJWT } from 'jose';
import { IdentityProviderUnavailableError, oidcEnvironment, OidcTokenVerifier, TokenRejectedError } from '@dvc/auth';

/**
 * The verifier's checks one by one, against an identity provider of the test's own: a real HTTP server
 * publishing a discovery document and a JWKS whose keys the test controls (so it can sign tokens that are
 * expired, not yet valid, or under a rotated key — what a real provider will not hand out on request).
 */
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

let server: Server;
let issuer: string;
let published: JWK[] = [];
let jwksFetches = 0;
let first: { kid: string; keys: KeyPair; jwk: JWK };

async function newKey(kid: string) {
  const keys = await generateKeyPair('RS256', { extractable: true });
  return { kid, keys, jwk: { ...(await exportJWK(keys.publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function verifier(overrides: Record<string, string> = {}): OidcTokenVerifier {
  return new OidcTokenVerifier(
    oidcEnvironment.parse({ OIDC_ISSUER_URL: issuer, OIDC_JWKS_COOLDOWN_SECONDS: '1', OIDC_CLOCK_TOLERANCE_SECONDS: '5', ...overrides }),
  );
}

const now = () => Math.floor(Date.now() / 1000);

function sign(key: { kid: string; keys: KeyPair }, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const payload: JWTPayload = {
    iss: issuer,
    aud: 'dvc-api',
    iat: now(),
    exp: now() + 300,
    sub: 'user-1',
    name: 'Trần Thị Bình',
    dvc_roles: ['agency-admin'],
    dvc_agencies: ['000.00.03.H31'],
    typ: 'Bearer',
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header }).sign(key.keys.privateKey);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenRejectedError) return error.message;
    throw error;
  }
  throw new Error('the token was accepted');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/realms/test/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/certs` }));
    } else if (req.url === '/realms/test/certs') {
      jwksFetches += 1;
      res.end(JSON.stringify({ keys: published }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/test`;
  const key = await newKey('key-1');
  first = key;
  published = [key.jwk];
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe(OidcTokenVerifier.name, () => {
  it('reads the principal of a valid token', async () => {
    await expect(verifier().verify(await sign(first, {}))).resolves.toEqual({
      subject: 'user-1',
      name: 'Trần Thị Bình',
      roles: ['agency-admin'],
      scope: { agencyRoots: ['000.00.03.H31'] },
    });
  });

  it('refuses an expired token, beyond the clock tolerance only', async () => {
    const check = verifier();
    await expect(check.verify(await sign(first, { exp: now() - 2 }))).resolves.toMatchObject({ subject: 'user-1' });
    expect(await refusal(check.verify(await sign(first, { exp: now() - 60 })))).toBe('the token has expired');
  });

  it('remembers a verified token no longer than it is valid', async () => {
    const check = verifier({ OIDC_CLOCK_TOLERANCE_SECONDS: '0' });
    const token = await sign(first, { exp: now() + 2 });
    await expect(check.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
    await expect(check.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    expect(await refusal(check.verify(token))).toBe('the token has expired');
  });

  it('refuses a token that is not valid yet', async () => {
    expect(await refusal(verifier().verify(await sign(first, { nbf: now() + 120 })))).toMatch(/^claim nbf/);
  });

  it('refuses another issuer, another audience, no subject, and tokens that are not access tokens', async () => {
    const check = verifier();
    expect(await refusal(check.verify(await sign(first, { iss: 'http://127.0.0.1:1/realms/test' })))).toMatch(/^claim iss/);
    expect(await refusal(check.verify(await sign(first, { aud: 'dvc-console' })))).toMatch(/^claim aud/);
    expect(await refusal(check.verify(await sign(first, { sub: undefined })))).toMatch(/^claim sub/);
    expect(await refusal(check.verify(await sign(first, { typ: 'ID' })))).toMatch(/not an access token/);
    expect(await refusal(check.verify(await sign(first, { typ: 'Refresh' })))).toMatch(/not an access token/);
  });

  it('refuses a scope claim it cannot read, rather than guessing', async () => {
    expect(await refusal(verifier().verify(await sign(first, { dvc_agencies: [42] })))).toMatch(/^claim dvc_agencies/);
  });

  it('reads roles and agencies from configured claims and role names', async () => {
    const token = await sign(first, { dvc_roles: undefined, realm_access: { roles: ['thanh-tra'] }, org: { units: ['000.00.00.H31'] } });
    const principal = await verifier({
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      OIDC_AGENCIES_CLAIM: 'org.units',
      OIDC_ROLE_NAMES: 'viewer=thanh-tra',
    }).verify(token);
    expect(principal).toMatchObject({ roles: ['viewer'], scope: { agencyRoots: ['000.00.00.H31'] } });
  });

  it('follows a key rotation: a token under a new key is accepted once the provider publishes it', async () => {
    const check = verifier();
    await check.verify(await sign(first, {}));
    const second = await newKey('key-2');
    const rotated = await sign(second, {});
    expect(await refusal(check.verify(rotated))).toBe('the token is not signed by a key of the issuer');
    published = [first.jwk, second.jwk];
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the 1 s cooldown of this verifier
    const fetchesBefore = jwksFetches;
    await expect(check.verify(rotated)).resolves.toMatchObject({ subject: 'user-1' });
    expect(jwksFetches).toBe(fetchesBefore + 1);
    published = [first.jwk];
  });

  it('does not fetch the keys again for every token naming an unknown key (cooldown)', async () => {
    const check = verifier({ OIDC_JWKS_COOLDOWN_SECONDS: '60' });
    await check.verify(await sign(first, {}));
    const fetchesBefore = jwksFetches;
    const stranger = await newKey('made-up');
    for (let i = 0; i < 5; i += 1) await refusal(check.verify(await sign(stranger, {})));
    expect(jwksFetches - fetchesBefore).toBeLessThanOrEqual(1);
  });

  it('says the provider is unreachable (a 503, not a 401) when it cannot get the keys', async () => {
    const unreachable = verifier({ OIDC_ISSUER_URL: 'http://127.0.0.1:9/realms/test', OIDC_HTTP_TIMEOUT_MS: '500' });
    await expect(unreachable.verify(await sign(first, {}))).rejects.toBeInstanceOf(IdentityProviderUnavailableError);
  });

  it('refuses a discovery document that names another issuer', async () => {
    const mismatched = verifier({ OIDC_ISSUER_URL: issuer.replace('127.0.0.1', 'localhost') });
    await expect(mismatched.verify(await sign(first, {}))).rejects.toBeInstanceOf(IdentityProviderUnavailableError);
  });

  it('never accepts none or HS* as configured algorithms', () => {
    expect(oidcEnvironment.safeParse({ OIDC_ALGORITHMS: 'RS256,none' }).success).toBe(false);
    expect(oidcEnvironment.safeParse({ OIDC_ALGORITHMS: 'HS256' }).success).toBe(false);
    expect(oidcEnvironment.safeParse({ OIDC_ROLE_NAMES: 'superuser=admin' }).success).toBe(false);
  });
});

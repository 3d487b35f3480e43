import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  clientCredentialsToken,
  decodeJwtHeader,
  decodeJwtPayload,
  DEMO_CLIENT_SECRETS,
  ISSUER,
  KEYCLOAK_URL,
  OTHER_ISSUER,
  passwordToken,
  TokenRefused,
} from '../support/keycloak';

/**
 * The identity contract the API relies on, checked against the real Keycloak that the global setup
 * started (or found) with deploy/keycloak/realms/*.json imported: issuer, signature algorithm, token
 * lifespan, the dvc_roles / dvc_agencies / aud claims of every demo user and machine client, and the
 * look-alike realm `other` whose tokens must carry another issuer.
 */
const DVC_ROLES = ['province-operator', 'agency-admin', 'viewer', 'integrator'];
const PROVINCE = '000.00.00.H31';
const TU_PHAP = '000.00.03.H31';
const PHO_HIEN = '119.53.00.H31';

interface DemoUser {
  username: string;
  name: string;
  roles: string[];
  agencies: string[];
}

const DEMO_USERS: DemoUser[] = [
  { username: 'operator', name: 'Nguyễn Văn An', roles: ['province-operator'], agencies: [PROVINCE] },
  { username: 'operator-2', name: 'Đặng Văn Khoa', roles: ['province-operator'], agencies: [PROVINCE] },
  { username: 'admin-tu-phap', name: 'Trần Thị Bình', roles: ['agency-admin'], agencies: [TU_PHAP] },
  { username: 'admin-pho-hien', name: 'Lê Văn Cường', roles: ['agency-admin'], agencies: [PHO_HIEN] },
  { username: 'inspector', name: 'Phạm Thị Dung', roles: ['viewer'], agencies: [PROVINCE] },
  { username: 'viewer-pho-hien', name: 'Hoàng Văn Em', roles: ['viewer'], agencies: [PHO_HIEN] },
  { username: 'integrator', name: 'Vũ Thị Giang', roles: ['integrator'], agencies: [PROVINCE] },
  { username: 'no-role', name: 'Đỗ Văn Hải', roles: [], agencies: [TU_PHAP] },
];

/** `aud` is a string when it has one value, an array otherwise. */
function audiences(claims: Record<string, unknown>): string[] {
  const aud = claims.aud;
  return Array.isArray(aud) ? (aud as string[]) : typeof aud === 'string' ? [aud] : [];
}

/** The dvc roles among a token's dvc_roles (which also lists Keycloak's default roles). */
function dvcRoles(claims: Record<string, unknown>): string[] {
  expect(Array.isArray(claims.dvc_roles)).toBe(true);
  return (claims.dvc_roles as string[]).filter((role) => DVC_ROLES.includes(role)).sort();
}

async function getJson(url: string): Promise<Record<string, any>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

async function refusal(promise: Promise<unknown>): Promise<TokenRefused> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenRefused);
  return error as TokenRefused;
}

describe('the dvc realm of the real Keycloak (deploy/keycloak)', () => {
  let dvcKeyIds: string[];

  beforeAll(async () => {
    const jwks = await getJson(`${ISSUER}/protocol/openid-connect/certs`);
    dvcKeyIds = (jwks.keys as Array<{ kid: string }>).map((key) => key.kid);
  });

  it('publishes its discovery document with the contract issuer and RS256 keys', async () => {
    expect(ISSUER).toBe(`${KEYCLOAK_URL}/realms/dvc`);
    const discovery = await getJson(`${ISSUER}/.well-known/openid-configuration`);
    expect(discovery.issuer).toBe(ISSUER);
    expect(discovery.jwks_uri).toBe(`${ISSUER}/protocol/openid-connect/certs`);
    expect(discovery.token_endpoint).toBe(`${ISSUER}/protocol/openid-connect/token`);
    expect(discovery.id_token_signing_alg_values_supported).toContain('RS256');
    expect(discovery.code_challenge_methods_supported).toContain('S256');
    const jwks = await getJson(discovery.jwks_uri);
    expect((jwks.keys as Array<{ alg: string; use: string }>).some((key) => key.alg === 'RS256' && key.use === 'sig')).toBe(true);
  });

  it.each(DEMO_USERS)('gives $username ($roles) an access token with the contract claims', async (user) => {
    const token = await passwordToken(user.username);
    const header = decodeJwtHeader(token);
    expect(header.alg).toBe('RS256');
    expect(dvcKeyIds).toContain(header.kid);

    const claims = decodeJwtPayload(token);
    expect(claims.iss).toBe(ISSUER);
    expect(audiences(claims)).toContain('dvc-api');
    expect(claims.azp).toBe('dvc-cli');
    expect(claims.typ).toBe('Bearer');
    expect(typeof claims.sub).toBe('string');
    expect((claims.sub as string).length).toBeGreaterThan(0);
    expect(claims.preferred_username).toBe(user.username);
    expect(claims.name).toBe(user.name);
    expect(claims.email).toBe(`${user.username}@demo.dvc.local`);
    expect(dvcRoles(claims)).toEqual(user.roles);
    expect(claims.dvc_agencies).toEqual(user.agencies);
    // realm_access is left as Keycloak makes it, with the same realm roles.
    expect(((claims.realm_access as { roles: string[] }).roles ?? []).filter((r) => DVC_ROLES.includes(r)).sort()).toEqual(user.roles);
    // The realm's 300 s lifespan; Keycloak reads its clock for iat and exp apart, so they may straddle a second.
    expect((claims.exp as number) - (claims.iat as number)).toBeGreaterThanOrEqual(300);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(301);
  });

  it('keeps the names in NFC, as Vietnamese text elsewhere in the system', async () => {
    const claims = decodeJwtPayload(await passwordToken('admin-pho-hien'));
    expect(claims.name).toBe((claims.name as string).normalize('NFC'));
  });

  it('gives the dvc-reports machine client a province-wide viewer token by client credentials', async () => {
    const token = await clientCredentialsToken('dvc-reports', DEMO_CLIENT_SECRETS['dvc-reports']);
    const claims = decodeJwtPayload(token);
    expect(decodeJwtHeader(token).alg).toBe('RS256');
    expect(claims.iss).toBe(ISSUER);
    expect(claims.azp).toBe('dvc-reports');
    expect(audiences(claims)).toContain('dvc-api');
    expect(dvcRoles(claims)).toEqual(['viewer']);
    expect(claims.dvc_agencies).toEqual([PROVINCE]);
    expect(claims.preferred_username).toBe('service-account-dvc-reports');
    // The realm's 300 s lifespan; Keycloak reads its clock for iat and exp apart, so they may straddle a second.
    expect((claims.exp as number) - (claims.iat as number)).toBeGreaterThanOrEqual(300);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(301);
  });

  it('gives dvc-no-audience a token that looks right but is not meant for dvc-api', async () => {
    const claims = decodeJwtPayload(await clientCredentialsToken('dvc-no-audience', DEMO_CLIENT_SECRETS['dvc-no-audience']));
    expect(claims.iss).toBe(ISSUER);
    expect(audiences(claims)).not.toContain('dvc-api');
    expect(dvcRoles(claims)).toEqual(['viewer']);
    expect(claims.dvc_agencies).toEqual([PROVINCE]);
  });

  it('refuses a wrong password, an unknown user and a wrong client secret', async () => {
    const wrongPassword = await refusal(passwordToken('inspector', 'not-the-password'));
    expect(wrongPassword.status).toBe(400); // Keycloak answers invalid_grant with 400
    expect(wrongPassword.error).toBe('invalid_grant');
    // One failure does not lock the account (brute-force protection counts up to its failure factor). A login
    // within quickLoginCheckMilliSeconds of a failure is treated as an automated attack and locked for a while
    // (user_temporarily_disabled, seen on a fresh Keycloak), so the correct one comes after that window.
    const realm = JSON.parse(readFileSync(join(__dirname, '..', '..', 'deploy', 'keycloak', 'realms', 'dvc-realm.json'), 'utf8')) as { quickLoginCheckMilliSeconds: number };
    await new Promise((resolve) => setTimeout(resolve, realm.quickLoginCheckMilliSeconds + 200));
    expect(decodeJwtPayload(await passwordToken('inspector')).preferred_username).toBe('inspector');

    expect((await refusal(passwordToken('nobody-here'))).error).toBe('invalid_grant');
    const wrongSecret = await refusal(clientCredentialsToken('dvc-reports', 'not-the-secret'));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.error).toBe('unauthorized_client');
  });

  it('lets no client but dvc-cli use the password grant, and dvc-cli no browser flow', async () => {
    const form = { grant_type: 'password', client_id: 'dvc-console', username: 'operator', password: 'demo' };
    const response = await fetch(`${ISSUER}/protocol/openid-connect/token`, { method: 'POST', body: new URLSearchParams(form) });
    expect(response.status).toBe(400); // dvc-console: direct access grants off
    expect(((await response.json()) as { error: string }).error).toBe('unauthorized_client');

    const auth = new URL(`${ISSUER}/protocol/openid-connect/auth`);
    auth.search = new URLSearchParams({ client_id: 'dvc-cli', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:3005/cb' }).toString();
    expect((await fetch(auth, { redirect: 'manual' })).status).toBe(400); // standard flow off: no redirect URI is valid
  });

  it('makes dvc-console sign in with authorization code + PKCE S256 on its own redirect URIs only', async () => {
    const authorize = (params: Record<string, string>) => {
      const url = new URL(`${ISSUER}/protocol/openid-connect/auth`);
      url.search = new URLSearchParams({ client_id: 'dvc-console', response_type: 'code', scope: 'openid', ...params }).toString();
      return fetch(url, { redirect: 'manual' });
    };
    const challenge = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

    const withoutPkce = await authorize({ redirect_uri: 'http://127.0.0.1:3005/callback' });
    expect(withoutPkce.status).toBe(302);
    const back = new URL(withoutPkce.headers.get('location')!);
    expect(back.origin).toBe('http://127.0.0.1:3005');
    expect(back.searchParams.get('error')).toBe('invalid_request');

    for (const redirect_uri of ['http://127.0.0.1:3005/callback', 'http://localhost:3005/callback']) {
      const loginPage = await authorize({ redirect_uri, ...challenge });
      expect(loginPage.status).toBe(200); // the login form
      await loginPage.arrayBuffer();
    }
    expect((await authorize({ redirect_uri: 'http://evil.example/callback', ...challenge })).status).toBe(400);
  });

  it('has the realm settings of the contract (read with the bootstrap admin of keycloak.sh)', async () => {
    const home = process.env.DVC_KEYCLOAK_HOME ?? join(homedir(), '.cache', 'dvc-monitor', `keycloak-${process.env.KEYCLOAK_VERSION ?? '26.7.3'}`);
    const passwordFile = join(home, 'data', 'admin-password');
    if (!existsSync(passwordFile)) {
      // A Keycloak not started by deploy/keycloak/keycloak.sh: its admin is not ours to use.
      process.stderr.write(`[keycloak-realm] ${passwordFile} missing: realm settings not checked through the admin API\n`);
      return;
    }
    const form = { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: readFileSync(passwordFile, 'utf8').trim() };
    const tokenResponse = await fetch(`${KEYCLOAK_URL}/realms/master/protocol/openid-connect/token`, { method: 'POST', body: new URLSearchParams(form) });
    expect(tokenResponse.status).toBe(200);
    const { access_token: adminToken } = (await tokenResponse.json()) as { access_token: string };
    const admin = async (path: string) => {
      const response = await fetch(`${KEYCLOAK_URL}/admin/realms/dvc${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(response.status).toBe(200);
      return response.json() as Promise<any>;
    };

    const realm = await admin('');
    expect(realm).toMatchObject({ realm: 'dvc', enabled: true, registrationAllowed: false, bruteForceProtected: true, accessTokenLifespan: 300 });
    expect(realm.defaultSignatureAlgorithm).toBe('RS256');
    const roleNames = ((await admin('/roles')) as Array<{ name: string }>).map((role) => role.name);
    expect(roleNames).toEqual(expect.arrayContaining(DVC_ROLES));

    const clients = new Map(((await admin('/clients')) as Array<Record<string, any>>).map((client) => [client.clientId, client]));
    expect(clients.get('dvc-cli')).toMatchObject({ publicClient: true, directAccessGrantsEnabled: true, standardFlowEnabled: false });
    expect(clients.get('dvc-console')).toMatchObject({ publicClient: true, standardFlowEnabled: true, directAccessGrantsEnabled: false });
    expect(clients.get('dvc-console')!.attributes['pkce.code.challenge.method']).toBe('S256');
    expect(clients.get('dvc-reports')).toMatchObject({ publicClient: false, serviceAccountsEnabled: true });
    expect(clients.get('dvc-no-audience')).toMatchObject({ publicClient: false, serviceAccountsEnabled: true });

    // The agency codes are a declared attribute of the user profile, not an unmanaged one.
    const profile = await admin('/users/profile');
    expect((profile.attributes as Array<{ name: string; multivalued?: boolean }>).find((a) => a.name === 'agency_codes')).toMatchObject({ multivalued: true });
    // No demo user is asked for anything before the password grant works.
    for (const user of (await admin('/users?max=100')) as Array<{ username: string; requiredActions: string[]; emailVerified: boolean }>) {
      if (user.username.startsWith('service-account-')) continue;
      expect({ username: user.username, requiredActions: user.requiredActions }).toEqual({ username: user.username, requiredActions: [] });
      expect(user.emailVerified).toBe(true);
    }
  });
});

describe('the other realm: a look-alike issuer', () => {
  it('issues tokens that look right but carry another issuer and another signing key', async () => {
    const discovery = await getJson(`${OTHER_ISSUER}/.well-known/openid-configuration`);
    expect(discovery.issuer).toBe(OTHER_ISSUER);
    expect(OTHER_ISSUER).not.toBe(ISSUER);

    const token = await passwordToken('operator', 'demo', 'other');
    const claims = decodeJwtPayload(token);
    expect(claims.iss).toBe(OTHER_ISSUER);
    expect(audiences(claims)).toContain('dvc-api');
    expect(claims.azp).toBe('dvc-cli');
    expect(claims.preferred_username).toBe('operator');
    expect(dvcRoles(claims)).toEqual(['province-operator']);
    expect(claims.dvc_agencies).toEqual([PROVINCE]);

    const dvcKeys = ((await getJson(`${ISSUER}/protocol/openid-connect/certs`)).keys as Array<{ kid: string }>).map((k) => k.kid);
    expect(dvcKeys).not.toContain(decodeJwtHeader(token).kid);
  });

  it('knows none of the dvc realm machine clients', async () => {
    const refused = await refusal(clientCredentialsToken('dvc-reports', DEMO_CLIENT_SECRETS['dvc-reports'], 'other'));
    expect(refused.status).toBe(401);
    expect(refused.error).toBe('invalid_client');
  });
});

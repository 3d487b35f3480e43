import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The real Keycloak of the integration tests: the one of deploy/keycloak/keycloak.sh (started by the
 * global setup when it does not answer), with the realms of deploy/keycloak/realms/ imported fresh.
 * Every helper makes real HTTP calls to it; none fakes a token.
 */
const REPO_ROOT = join(__dirname, '..', '..');
export const KEYCLOAK_SCRIPT = join(REPO_ROOT, 'deploy', 'keycloak', 'keycloak.sh');

export const KEYCLOAK_URL = (process.env.KEYCLOAK_URL ?? `http://127.0.0.1:${process.env.KEYCLOAK_PORT ?? 18080}`).replace(/\/+$/, '');
/** The issuer of the demo province's realm: what the API trusts (OIDC_ISSUER_URL). */
export const ISSUER = `${KEYCLOAK_URL}/realms/dvc`;
/** Another realm of the same Keycloak, with look-alike clients, users and claims: an issuer the API must refuse. */
export const OTHER_ISSUER = `${KEYCLOAK_URL}/realms/other`;

/** The public client of the password grant (direct access grants on), in both realms. */
export const PASSWORD_CLIENT = 'dvc-cli';
/** Demo-only secrets of the confidential clients of realm dvc (deploy/keycloak/realms/dvc-realm.json). */
export const DEMO_CLIENT_SECRETS = {
  'dvc-reports': 'dvc-reports-demo-secret',
  'dvc-no-audience': 'dvc-no-audience-demo-secret',
} as const;

const START_HINT = 'start it with "npm run keycloak:start" (bash deploy/keycloak/keycloak.sh start)';

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  token_type: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

/** The error of a token request that Keycloak answered with a refusal (wrong password, unknown client...). */
export class TokenRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly error: string | undefined,
  ) {
    super(message);
  }
}

/** Whether the dvc realm's discovery document answers (Keycloak is up and has imported the realms). */
export async function keycloakAnswers(timeoutMs = 3000): Promise<boolean> {
  try {
    const response = await fetch(`${ISSUER}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function runKeycloakScript(command: 'start' | 'stop'): void {
  execFileSync('bash', [KEYCLOAK_SCRIPT, command], { stdio: 'inherit' });
}

/** Starts Keycloak through deploy/keycloak/keycloak.sh (a no-op when one already answers); waits until it does. */
export function startKeycloak(): void {
  runKeycloakScript('start');
}

/** Stops the Keycloak that deploy/keycloak/keycloak.sh started (never a foreign one). */
export function stopKeycloak(): void {
  runKeycloakScript('stop');
}

async function tokenRequest(realm: string, form: Record<string, string>, who: string): Promise<TokenResponse> {
  const endpoint = `${KEYCLOAK_URL}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    throw new Error(`Keycloak does not answer at ${KEYCLOAK_URL} (${cause}); ${START_HINT}`);
  }
  const text = await response.text();
  let body: Partial<TokenResponse> & { error?: string; error_description?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported below with the raw text
  }
  if (!response.ok || typeof body.access_token !== 'string') {
    const detail = body.error ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : text.slice(0, 200);
    throw new TokenRefused(`Keycloak refused a token for ${who} in realm ${realm}: HTTP ${response.status} ${detail}`, response.status, body.error);
  }
  return body as TokenResponse;
}

/** A demo user's tokens, by the password grant of the public client dvc-cli (password `demo` by default). */
export async function passwordTokens(username: string, password = 'demo', realm = 'dvc'): Promise<TokenResponse> {
  return tokenRequest(realm, { grant_type: 'password', client_id: PASSWORD_CLIENT, username, password, scope: 'openid' }, `user ${username}`);
}

/** A demo user's access token (password grant of dvc-cli). */
export async function passwordToken(username: string, password = 'demo', realm = 'dvc'): Promise<string> {
  return (await passwordTokens(username, password, realm)).access_token;
}

/** A confidential client's access token, by the client-credentials grant (its service account). */
export async function clientCredentialsToken(
  clientId: string,
  secret: string = DEMO_CLIENT_SECRETS[clientId as keyof typeof DEMO_CLIENT_SECRETS],
  realm = 'dvc',
): Promise<string> {
  if (!secret) throw new Error(`no secret for client ${clientId}: pass one`);
  return (await tokenRequest(realm, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret }, `client ${clientId}`)).access_token;
}

/** The payload of a JWT, decoded without verifying anything (the tests inspect what Keycloak issues). */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not a JWT (expected 3 parts, got ${parts.length})`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The header of a JWT (alg, kid, typ), decoded without verifying anything. */
export function decodeJwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as Record<string, unknown>;
}

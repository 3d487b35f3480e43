#!/usr/bin/env node
// Prints the access token of a demo identity of the local Keycloak (deploy/keycloak/keycloak.sh),
// and nothing else, so that it can be used as $(...):
//
//   node deploy/keycloak/token.mjs <role-or-username> [--password demo] [--realm dvc]
//   node deploy/keycloak/token.mjs --client dvc-reports [--secret ...]     (client-credentials grant)
//   npm run -s stack:token -- agency-admin
//   curl -H "Authorization: Bearer $(npm run -s stack:token -- viewer)" 'http://127.0.0.1:3000/v1/rates?groupBy=agency'
//
// A role name stands for its demo user (province-operator → operator, agency-admin → admin-tu-phap,
// viewer → inspector, integrator → integrator); anything else is a username. Users sign in with the
// password grant of the public client dvc-cli. --claims prints the token's decoded payload instead.
// Environment: KEYCLOAK_URL (default http://127.0.0.1:${KEYCLOAK_PORT:-18080}).
// Demo-only: the password `demo` and the client secrets below are in deploy/keycloak/realms/*.json.

const ROLE_USERS = {
  'province-operator': 'operator',
  'agency-admin': 'admin-tu-phap',
  viewer: 'inspector',
  integrator: 'integrator',
};
/** The demo secrets of the realm's confidential clients (see deploy/keycloak/README.md). */
const DEMO_SECRETS = {
  'dvc-reports': 'dvc-reports-demo-secret',
  'dvc-no-audience': 'dvc-no-audience-demo-secret',
};
const PASSWORD_CLIENT = 'dvc-cli';
const START_HINT = 'npm run keycloak:start   (or: bash deploy/keycloak/keycloak.sh start; npm start / npm run stack:up start it too)';

const USAGE = `usage: node deploy/keycloak/token.mjs <role-or-username> [--password demo] [--realm dvc] [--claims]
       node deploy/keycloak/token.mjs --client <client-id> [--secret <secret>] [--realm dvc] [--claims]
  roles: ${Object.entries(ROLE_USERS).map(([role, user]) => `${role} → ${user}`).join(', ')}
  other demo users: admin-pho-hien, viewer-pho-hien, no-role (password "demo")
  clients: ${Object.keys(DEMO_SECRETS).join(', ')} (demo secrets built in)`;

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { subject: undefined, client: undefined, secret: undefined, password: 'demo', realm: 'dvc', claims: false };
  const value = (i, name) => {
    if (i >= argv.length || argv[i].startsWith('--')) throw new UsageError(`${name} needs a value`);
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--client') opts.client = value(++i, arg);
    else if (arg === '--secret') opts.secret = value(++i, arg);
    else if (arg === '--password') opts.password = value(++i, arg);
    else if (arg === '--realm') opts.realm = value(++i, arg);
    else if (arg === '--claims') opts.claims = true;
    else if (arg === '-h' || arg === '--help') opts.help = true;
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else if (opts.subject === undefined) opts.subject = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (opts.help) return opts;
  if (opts.client && opts.subject) throw new UsageError('give either a role/username or --client, not both');
  if (!opts.client && !opts.subject) throw new UsageError('which identity? give a role, a username or --client');
  if (opts.client && !opts.secret) {
    opts.secret = DEMO_SECRETS[opts.client];
    if (!opts.secret) throw new UsageError(`no demo secret known for client ${opts.client}; pass --secret`);
  }
  return opts;
}

function keycloakUrl(env = process.env) {
  return (env.KEYCLOAK_URL || `http://127.0.0.1:${env.KEYCLOAK_PORT || 18080}`).replace(/\/+$/, '');
}

/** The form of the token request: password grant for a user, client credentials for --client. */
function tokenForm(opts) {
  if (opts.client) {
    return { grant_type: 'client_credentials', client_id: opts.client, client_secret: opts.secret };
  }
  const username = ROLE_USERS[opts.subject] ?? opts.subject;
  return { grant_type: 'password', client_id: PASSWORD_CLIENT, username, password: opts.password, scope: 'openid' };
}

async function requestToken(baseUrl, opts) {
  const endpoint = `${baseUrl}/realms/${encodeURIComponent(opts.realm)}/protocol/openid-connect/token`;
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(tokenForm(opts)),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const why = error.cause?.code ?? error.name ?? String(error);
    throw new Error(`Keycloak does not answer at ${baseUrl} (${why}). Start it with:\n  ${START_HINT}`);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status === 404) {
    throw new Error(`realm "${opts.realm}" not found at ${baseUrl}: is this the Keycloak of deploy/keycloak? (bash deploy/keycloak/keycloak.sh restart re-imports the realms)`);
  }
  if (!response.ok || !body?.access_token) {
    const who = opts.client ? `client ${opts.client}` : `user ${tokenForm(opts).username}`;
    const detail = body?.error ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : text.slice(0, 200);
    throw new Error(`Keycloak refused a token for ${who} in realm ${opts.realm} (HTTP ${response.status} ${detail})`);
  }
  return body.access_token;
}

function decodePayload(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const token = await requestToken(keycloakUrl(), opts);
  process.stdout.write(opts.claims ? `${JSON.stringify(decodePayload(token), null, 2)}\n` : `${token}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`token.mjs: ${error.message}\n`);
    process.exit(1);
  },
);

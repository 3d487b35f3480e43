// What the local stack runs and where: services, ports, URLs, folders. Everything follows the
// environment, so two stacks (or a stack and the integration tests) can run side by side.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkaSecurity from '../kafka/security.cjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STACK_DIR = resolve(process.env.STACK_DIR || join(REPO_ROOT, '.stack'));
export const LOG_DIR = join(STACK_DIR, 'logs');
export const PID_DIR = join(STACK_DIR, 'pids');
/** Written by `up` when it started the Kafka broker itself, so that `down` stops only that one. */
export const KAFKA_MARKER = join(PID_DIR, 'kafka.started-by-stack');
export const KAFKA_SCRIPT = join(REPO_ROOT, 'deploy', 'kafka', 'kafka.sh');
/** Written by `up` when it started Keycloak itself, so that `down` stops only that one. */
export const KEYCLOAK_MARKER = join(PID_DIR, 'keycloak.started-by-stack');
export const KEYCLOAK_SCRIPT = join(REPO_ROOT, 'deploy', 'keycloak', 'keycloak.sh');

/** A development-only key; the banner prints it. Never register it anywhere but a local stack. */
export const DEFAULT_DEMO_INGEST_API_KEY = 'dvc_local_demo_key_not_a_secret';

/**
 * Start order: aggregator, ingest, api, the mail sink and alerting together, then the simulator and the
 * console once they are ready, so the simulator's first events find their consumers. Stop order is the reverse.
 */
const SERVICES = [
  { name: 'aggregator', entry: 'dist/services/aggregator/src/main.js', args: [], portVar: 'AGGREGATOR_PORT', defaultPort: 3002, wave: 1 },
  { name: 'ingest', entry: 'dist/services/ingest/src/main.js', args: [], portVar: 'INGEST_PORT', defaultPort: 3001, wave: 1 },
  { name: 'api', entry: 'dist/services/api/src/main.js', args: [], portVar: 'API_PORT', defaultPort: 3000, wave: 1 },
  // A local SMTP server that writes alert e-mails to .stack/mail/ (no mail relay needed).
  { name: 'mail-sink', entry: 'deploy/local/mail-sink.mjs', args: [], portVar: 'MAIL_SINK_PORT', defaultPort: 3025, wave: 1 },
  { name: 'alerting', entry: 'dist/services/alerting/src/main.js', args: [], portVar: 'ALERTING_PORT', defaultPort: 3004, wave: 1 },
  { name: 'simulator', entry: 'dist/services/simulator/src/main.js', args: ['stream'], portVar: 'SIMULATOR_PORT', defaultPort: 3003, wave: 2 },
  // The administrators' web console: signs people in at Keycloak and reads everything through the api.
  { name: 'console', entry: 'dist/services/console/src/main.js', args: [], portVar: 'CONSOLE_PORT', defaultPort: 3005, wave: 2 },
];

export class StackError extends Error {}

function positiveNumber(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new StackError(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function port(env, name, fallback) {
  const value = positiveNumber(env, name, fallback);
  if (!Number.isInteger(value) || value > 65_535) throw new StackError(`${name} must be a TCP port, got "${env[name]}"`);
  return value;
}

/** The stack's configuration, read once from the environment. */
export function stackConfig(env = process.env) {
  const kafkaPort = port(env, 'KAFKA_PORT', 9092);
  const localBroker = `127.0.0.1:${kafkaPort}`;
  // The identity provider: deploy/keycloak/keycloak.sh on KEYCLOAK_PORT, or another one (KEYCLOAK_URL).
  const keycloakPort = port(env, 'KEYCLOAK_PORT', 18080);
  const localKeycloak = `http://127.0.0.1:${keycloakPort}`;
  const keycloakUrl = (env.KEYCLOAK_URL || localKeycloak).replace(/\/+$/, '');
  const httpHost = env.HTTP_HOST || '127.0.0.1';
  // A service bound to every interface is still probed (and shown) on loopback.
  const probeHost = httpHost === '0.0.0.0' || httpHost === '::' ? '127.0.0.1' : httpHost;
  const services = SERVICES.map((s) => {
    const servicePort = port(env, s.portVar, s.defaultPort);
    return {
      ...s,
      port: servicePort,
      entryPath: join(REPO_ROOT, s.entry),
      baseUrl: `http://${probeHost}:${servicePort}`,
      logFile: join(LOG_DIR, `${s.name}.log`),
      pidFile: join(PID_DIR, `${s.name}.pid`),
    };
  });
  const ports = services.map((s) => s.port);
  if (new Set(ports).size !== ports.length) {
    throw new StackError(`service ports must differ: ${services.map((s) => `${s.portVar}=${s.port}`).join(', ')}`);
  }
  return {
    kafkaPort,
    localBroker,
    kafkaBrokers: env.KAFKA_BROKERS || localBroker,
    keycloakPort,
    localKeycloak,
    keycloakUrl,
    /** The issuer the services trust: the demo province's realm of that Keycloak. */
    oidcIssuerUrl: env.OIDC_ISSUER_URL || `${keycloakUrl}/realms/dvc`,
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/dvc_monitor',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379/0',
    httpHost,
    readyTimeoutMs: positiveNumber(env, 'STACK_READY_TIMEOUT', 60) * 1000,
    stopTimeoutMs: positiveNumber(env, 'STACK_STOP_TIMEOUT', 15) * 1000,
    demoApiKey: env.DEMO_INGEST_API_KEY || DEFAULT_DEMO_INGEST_API_KEY,
    /** Unset: the simulator's own source, known once it is built (see prerequisites.mjs). */
    demoSourceUri: env.DEMO_SOURCE_URI || undefined,
    topics: {
      dossierEvents: env.TOPIC_DOSSIER_EVENTS || 'dvc.dossier-events.v1',
      canonicalEvents: env.TOPIC_CANONICAL_EVENTS || 'dvc.dossier-events.canonical.v1',
      rateChanges: env.TOPIC_RATE_CHANGES || 'dvc.rate-changes.v1',
    },
    services,
  };
}

/**
 * The key that seals webhook secrets at rest (SECRETS_ENCRYPTION_KEY of the api and alerting services): the
 * caller's when set, else one generated once for this machine and kept outside the work tree (mode 600), so that
 * secrets sealed by one `npm start` open in the next. Returns the environment to pass.
 */
export function secretsKeyEnv(env = process.env) {
  if (env.SECRETS_ENCRYPTION_KEY || env.SECRETS_ENCRYPTION_KEY_FILE) return {};
  const file = join(env.DVC_CACHE_DIR || join(homedir(), '.cache', 'dvc-monitor'), 'secrets-encryption-key');
  if (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return { SECRETS_ENCRYPTION_KEY_FILE: file };
}

/**
 * The key that signs the console's session cookies: the caller's CONSOLE_SESSION_SECRET(_FILE) when set, else one
 * generated once for this machine beside the secrets key (mode 600), so that a restart of the stack keeps people
 * signed in.
 */
export function consoleSessionSecretEnv(env = process.env) {
  if (env.CONSOLE_SESSION_SECRET || env.CONSOLE_SESSION_SECRET_FILE) return {};
  const file = join(env.DVC_CACHE_DIR || join(homedir(), '.cache', 'dvc-monitor'), 'console-session-secret');
  if (!existsSync(file) || readFileSync(file, 'utf8').trim().length < 32) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600 });
  }
  return { CONSOLE_SESSION_SECRET_FILE: file };
}

/** The environment of every child: the caller's, with the stack's resolved values on top. */
export function sharedEnv(config) {
  return {
    ...process.env,
    KAFKA_BROKERS: config.kafkaBrokers,
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
  };
}

/**
 * The Kafka identity of a stack process on the local broker (kafka.sh): `principal`'s environment
 * (password as a file, the broker's CA) when the broker is secured, plaintext otherwise, and nothing
 * at all without a principal. Another broker (KAFKA_BROKERS): the caller's KAFKA_SECURITY_PROTOCOL,
 * KAFKA_SASL_* and KAFKA_SSL_CA_FILE pass through as they are.
 */
export function kafkaEnv(config, principal) {
  if (config.kafkaBrokers !== config.localBroker) return {};
  if (!principal) return Object.fromEntries(kafkaSecurity.SECURITY_VARIABLES.map((name) => [name, undefined]));
  return kafkaSecurity.principalEnvironment(kafkaSecurity.brokerDataDir(config.kafkaPort, process.env), principal);
}

/** `env` with its Kafka security variables replaced by `principal`'s on the local broker (see kafkaEnv). */
export function withKafkaIdentity(config, env, principal) {
  if (config.kafkaBrokers !== config.localBroker) return env;
  const result = { ...kafkaSecurity.withoutSecurityVariables(env), ...kafkaEnv(config, principal) };
  for (const [name, value] of Object.entries(result)) if (value === undefined) delete result[name];
  return result;
}

export function serviceEnv(config, service) {
  // Each service as its own principal (dvc-ingest, ...; the simulator as the trusted dvc-simulator);
  // the api and the mail sink talk to no broker and get no Kafka credentials.
  const env = {
    ...withKafkaIdentity(config, sharedEnv(config), kafkaSecurity.SERVICE_PRINCIPALS[service.name]),
    HTTP_HOST: config.httpHost,
    HTTP_PORT: String(service.port),
    OIDC_ISSUER_URL: config.oidcIssuerUrl,
    // Nest's fallback logger (used before pino takes over) colours its output even into a pipe.
    NO_COLOR: process.env.NO_COLOR ?? '1',
  };
  if (service.name === 'api' || service.name === 'alerting') Object.assign(env, secretsKeyEnv());
  if (service.name === 'alerting' || service.name === 'mail-sink') {
    const smtpPort = process.env.MAIL_SINK_SMTP_PORT || '1025';
    env.MAIL_SINK_SMTP_PORT = smtpPort;
    if (service.name === 'alerting') env.SMTP_URL = process.env.SMTP_URL || `smtp://127.0.0.1:${smtpPort}`;
  }
  if (service.name === 'console') {
    const api = config.services.find((s) => s.name === 'api');
    env.CONSOLE_API_URL = process.env.CONSOLE_API_URL || api.baseUrl;
    // The redirect URI registered for dvc-console in deploy/keycloak/realms is http://127.0.0.1:3005/auth/callback.
    env.CONSOLE_PUBLIC_URL = process.env.CONSOLE_PUBLIC_URL || service.baseUrl;
    Object.assign(env, consoleSessionSecretEnv());
  }
  if (service.name === 'simulator') {
    // So that SIMULATOR_SINK=http posts to this stack's ingest, as the demo source.
    const ingest = config.services.find((s) => s.name === 'ingest');
    env.SIMULATOR_HTTP_URL = process.env.SIMULATOR_HTTP_URL || `${ingest.baseUrl}/v1/events`;
    env.SIMULATOR_API_KEY = process.env.SIMULATOR_API_KEY || config.demoApiKey;
  }
  return env;
}

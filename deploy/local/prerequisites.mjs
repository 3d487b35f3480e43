// Everything the services need before they start: a build, PostgreSQL, Redis, Kafka with its
// topics, Keycloak (the identity provider) with the demo realms, the schema, and the demo HTTP source.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { KAFKA_SCRIPT, KEYCLOAK_SCRIPT, REPO_ROOT, StackError, sharedEnv, withKafkaIdentity } from './config.mjs';
import { prefixFor, runStep, say } from './processes.mjs';

const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

/** Imports a runtime dependency of the repo, with a hint when `npm ci` has not been run. */
async function dependency(name) {
  try {
    return (await import(name)).default;
  } catch (error) {
    throw new StackError(`cannot load ${name} (${error.message}); run "npm ci" in ${REPO_ROOT}`);
  }
}

function hostOf(url) {
  try {
    const { hostname, port } = new URL(url);
    return port ? `${hostname}:${port}` : hostname;
  } catch {
    return url;
  }
}

export function build() {
  return runStep('build', 'npm', ['run', 'build']);
}

/** Every service's compiled entry must be there, or the build is missing or broken. */
export function checkEntries(config) {
  const missing = config.services.filter((s) => !existsSync(s.entryPath));
  if (missing.length) {
    const list = missing.map((s) => `${s.name} (${s.entry})`).join(', ');
    throw new StackError(`missing build output for ${list}; run "npm run build" (or drop --no-build)`);
  }
}

/** PostgreSQL answers a query (on its `postgres` database: ours may not exist before the migrations). */
export async function checkPostgres(config) {
  const { Client } = await dependency('pg');
  const url = new URL(config.databaseUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new StackError(
      `PostgreSQL does not answer at ${hostOf(config.databaseUrl)} (${error.message || error.code}).\n` +
        `  Start it with: ${START_POSTGRES}\n  or point DATABASE_URL at a running server.`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export async function checkRedis(config) {
  const Redis = await dependency('ioredis');
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let cause;
  redis.on('error', (error) => (cause ??= error)); // the first error says why; reported below, once
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new StackError(
      `Redis does not answer at ${hostOf(config.redisUrl)} (${(cause ?? error).message}).\n` +
        `  Start it with: ${START_REDIS}\n  or point REDIS_URL at a running server.`,
    );
  } finally {
    redis.disconnect();
  }
}

export function kafkaAnswers(config) {
  const probe = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'deploy/kafka/wait-for-kafka.mjs'), '--brokers', config.kafkaBrokers, '--timeout', '0', '--quiet'],
    { cwd: REPO_ROOT, stdio: 'ignore', env: withKafkaIdentity(config, process.env, 'admin') },
  );
  return probe.status === 0;
}

/**
 * Makes sure a broker answers. The local broker (deploy/kafka/kafka.sh) is started only when
 * nothing answers and KAFKA_BROKERS names it (or is unset). `onStarting` is called just before,
 * because from then on there may be a broker to stop, even if the start fails half-way.
 */
export async function ensureKafka(config, onStarting) {
  if (kafkaAnswers(config)) {
    say(`Kafka already answers on ${config.kafkaBrokers}; using it`);
    return;
  }
  if (config.kafkaBrokers !== config.localBroker) {
    throw new StackError(
      `Kafka does not answer on KAFKA_BROKERS=${config.kafkaBrokers}; the local broker is started only when ` +
        `KAFKA_BROKERS is unset or ${config.localBroker} (KAFKA_PORT=${config.kafkaPort})`,
    );
  }
  say(`starting Kafka on ${config.localBroker} (bash deploy/kafka/kafka.sh start)`);
  onStarting();
  await runStep('kafka', 'bash', [KAFKA_SCRIPT, 'start']);
}

/** `kafka.sh stop` only ever stops the broker in its own PID file, never a foreign one. */
export function stopKafka(env = process.env) {
  return runStep('kafka', 'bash', [KAFKA_SCRIPT, 'stop'], { env });
}

/** Whether the demo realm's discovery document answers at the configured Keycloak. */
export async function keycloakAnswers(config, timeoutMs = 3000) {
  try {
    const response = await fetch(`${config.keycloakUrl}/realms/dvc/.well-known/openid-configuration`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Makes sure Keycloak answers with the demo realms. The local one (deploy/keycloak/keycloak.sh) is
 * started only when nothing answers and KEYCLOAK_URL names it (or is unset); `onStarting` is called
 * just before, because from then on there may be a Keycloak to stop.
 */
export async function ensureKeycloak(config, onStarting) {
  if (await keycloakAnswers(config)) {
    say(`Keycloak already answers on ${config.keycloakUrl}; using it`);
    return;
  }
  if (config.keycloakUrl !== config.localKeycloak) {
    throw new StackError(
      `Keycloak does not answer on KEYCLOAK_URL=${config.keycloakUrl} (realm dvc); the local one is started only when ` +
        `KEYCLOAK_URL is unset or ${config.localKeycloak} (KEYCLOAK_PORT=${config.keycloakPort})`,
    );
  }
  say(`starting Keycloak on ${config.localKeycloak} (bash deploy/keycloak/keycloak.sh start)`);
  onStarting?.();
  await runStep('keycloak', 'bash', [KEYCLOAK_SCRIPT, 'start'], { env: { ...process.env, KEYCLOAK_PORT: String(config.keycloakPort) } });
}

/** `keycloak.sh stop` only ever stops the Keycloak in its own PID file, never a foreign one. */
export function stopKeycloak(env = process.env) {
  return runStep('keycloak', 'bash', [KEYCLOAK_SCRIPT, 'stop'], { env });
}

/**
 * The topics, and on a secured broker the services' ACLs for the stack's topic names and groups
 * (kafka.sh start creates them for the defaults; TOPIC_* or *_GROUP_ID may differ here): as admin.
 */
export async function createTopics(config) {
  const { ensureTopics } = await import('../kafka/create-topics.mjs');
  const { ensureServiceAcls } = await import('../kafka/acls.mjs');
  const { default: kafkajs } = await import('kafkajs');
  const { default: kafkaSecurity } = await import('../kafka/security.cjs');
  const prefix = prefixFor('kafka', 4);
  const log = (message) => process.stdout.write(`${prefix}${message}\n`);
  const adminEnv = withKafkaIdentity(config, process.env, 'admin');
  const kafka = new kafkajs.Kafka({
    clientId: 'dvc-stack',
    brokers: config.kafkaBrokers.split(','),
    logLevel: kafkajs.logLevel.ERROR,
    ...kafkaSecurity.kafkaConnectionOptions(adminEnv),
  });
  await ensureTopics({ brokers: config.kafkaBrokers, kafka, log });
  if ((adminEnv.KAFKA_SECURITY_PROTOCOL || 'plaintext').toLowerCase() !== 'sasl_ssl') return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const bindings = await ensureServiceAcls({ admin, env: process.env });
    log(`ACLs of ${[...new Set(bindings.map((b) => b.principal))].join(', ')} in place (SASL_SSL, SCRAM-SHA-512)`);
  } finally {
    await admin.disconnect();
  }
}

export function migrate(config) {
  return runStep('migrate', process.execPath, ['dist/libs/persistence/src/cli/migrate.js'], { env: sharedEnv(config) });
}

/**
 * The province the simulator plays (SIMULATOR_PROVINCE_CODE's): its CloudEvents source and agencies, computed by
 * the simulator's own code so that the two never disagree.
 */
function simulatorModel() {
  const modelFile = join(REPO_ROOT, 'dist/services/simulator/src/model/province-model.js');
  const { buildProvinceModel } = createRequire(import.meta.url)(modelFile);
  return buildProvinceModel({ provinceCode: process.env.SIMULATOR_PROVINCE_CODE || undefined });
}

/**
 * Registers the simulator's source for POST /v1/events with the demo key (idempotent), bound to its province's
 * agencies by their code suffix (`*.H31` for Hưng Yên): a source may only report for its own agencies.
 */
export function registerDemoSource(config) {
  const model = simulatorModel();
  config.demoSourceUri ??= model.source;
  const root = model.agencies.find((agency) => agency.parentCode === null) ?? model.agencies[0];
  const provinceSuffix = root.code.slice(root.code.lastIndexOf('.') + 1);
  return runStep(
    'add-source',
    process.execPath,
    ['dist/services/ingest/src/cli/add-source.js', '--name', 'Mô phỏng', '--source', config.demoSourceUri, '--agencies', `*.${provinceSuffix}`, '--key', config.demoApiKey],
    { env: sharedEnv(config) },
  );
}

/**
 * Up to the migrations and the demo source: what both `start` and `up` do before the services.
 * `hooks.checkpoint()` throws when a stop was requested meanwhile; `hooks.onKafkaStarting()` and
 * `hooks.onKeycloakStarting()` mark the broker and Keycloak as this run's to stop.
 */
export async function prepare(config, { build: wantBuild }, hooks) {
  if (wantBuild) await build();
  hooks.checkpoint();
  checkEntries(config);
  await checkPostgres(config);
  await checkRedis(config);
  say(`PostgreSQL (${hostOf(config.databaseUrl)}) and Redis (${hostOf(config.redisUrl)}) answer`);
  hooks.checkpoint();
  // Kafka and Keycloak start side by side (each ~10-40 s); both are awaited before anything goes on,
  // so that a failure of one never leaves the other's start running unwatched.
  const results = await Promise.allSettled([ensureKafka(config, hooks.onKafkaStarting), ensureKeycloak(config, hooks.onKeycloakStarting)]);
  const failed = results.filter((result) => result.status === 'rejected').map((result) => result.reason);
  if (failed.length) throw failed.length === 1 ? failed[0] : new StackError(failed.map((error) => error.message).join('\n'));
  hooks.checkpoint();
  await createTopics(config);
  await migrate(config);
  hooks.checkpoint();
  await registerDemoSource(config);
  hooks.checkpoint();
}

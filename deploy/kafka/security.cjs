'use strict';
// Kafka security of the local broker (deploy/kafka/kafka.sh) as seen by its clients: where a broker's
// credentials and CA live, the environment a principal connects with, the kafkajs options that
// environment means, and the least-privilege ACLs of each service.
//
// One module for every JavaScript client of the broker: the scripts next to this file (ES modules:
// `import security from './security.cjs'`), the local stack (deploy/local), and the integration tests and
// benchmarks (TypeScript through Jest/SWC, which load CommonJS but not ES modules). Hence `.cjs`.
// No dependency but kafkajs (for the ACL enums), which the caller passes in where it is needed.
//
// Layout of a secured broker's data dir (written by kafka.sh; kept in sync with it):
//   <data dir>/security                       "scram-tls" (or "plaintext"): how the storage was formatted
//   <data dir>/tls/ca.pem                     the local CA clients trust (public)
//   <data dir>/credentials/<principal>.password  one SCRAM password per principal (0600)
const { existsSync, readFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');

/** Principals kafka.sh creates at format time; `src-<key>` principals are added by `kafka.sh add-source`. */
const SERVICE_PRINCIPALS = Object.freeze({
  ingest: 'dvc-ingest',
  aggregator: 'dvc-aggregator',
  alerting: 'dvc-alerting',
  simulator: 'dvc-simulator',
});
const ADMIN_PRINCIPAL = 'admin';
/** A one-stop system's key: its principal is `src-<key>`, its topic `<dossier events topic>.<key>`. */
const SOURCE_KEY_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** The port of a `127.0.0.1:<port>` / `localhost:<port>` broker list of one broker, else undefined. */
function localPortOf(brokers) {
  const list = (Array.isArray(brokers) ? brokers : String(brokers ?? '').split(',')).map((b) => b.trim()).filter(Boolean);
  if (list.length !== 1) return undefined;
  const match = /^(?:127\.0\.0\.1|localhost):(\d{1,5})$/.exec(list[0]);
  return match ? Number(match[1]) : undefined;
}

/**
 * The local broker a process means, from KAFKA_BROKERS and KAFKA_PORT (either one is enough; both must
 * agree): its port, broker list and data dir (DVC_KAFKA_DATA, else kafka.sh's default for the port).
 * @returns {{ port: number, brokers: string[], dataDir: string }}
 */
function localBroker(env = process.env) {
  const fromBrokers = env.KAFKA_BROKERS ? localPortOf(env.KAFKA_BROKERS) : undefined;
  const fromPort = env.KAFKA_PORT ? Number(env.KAFKA_PORT) : undefined;
  if (fromPort !== undefined && !(Number.isInteger(fromPort) && fromPort > 0 && fromPort < 65_536)) {
    throw new Error(`KAFKA_PORT must be a TCP port, got "${env.KAFKA_PORT}"`);
  }
  if (env.KAFKA_BROKERS && fromBrokers === undefined) {
    throw new Error(`KAFKA_BROKERS=${env.KAFKA_BROKERS} is not one broker on 127.0.0.1: not the local broker of deploy/kafka/kafka.sh`);
  }
  if (fromBrokers !== undefined && fromPort !== undefined && fromBrokers !== fromPort) {
    throw new Error(`KAFKA_BROKERS=${env.KAFKA_BROKERS} and KAFKA_PORT=${env.KAFKA_PORT} disagree: set one, or both to the same port`);
  }
  const port = fromBrokers ?? fromPort ?? 9092;
  return { port, brokers: [`127.0.0.1:${port}`], dataDir: brokerDataDir(port, env) };
}

/** kafka.sh's data dir for a port: DVC_KAFKA_DATA, else ~/.cache/dvc-monitor/kafka-data-<port>. */
function brokerDataDir(port, env = process.env) {
  return env.DVC_KAFKA_DATA || join(env.HOME || homedir(), '.cache', 'dvc-monitor', `kafka-data-${port}`);
}

function securityPaths(dataDir) {
  return {
    securityFile: join(dataDir, 'security'),
    caFile: join(dataDir, 'tls', 'ca.pem'),
    credentialsDir: join(dataDir, 'credentials'),
  };
}

/** "scram-tls" or "plaintext" for a formatted data dir; undefined when kafka.sh never formatted it. */
function brokerSecurity(dataDir) {
  const { securityFile } = securityPaths(dataDir);
  if (existsSync(securityFile)) return readFileSync(securityFile, 'utf8').trim();
  // Formatted before kafka.sh knew about security: plaintext.
  if (existsSync(join(dataDir, 'kraft', 'meta.properties'))) return 'plaintext';
  return undefined;
}

function passwordFile(dataDir, principal) {
  return join(securityPaths(dataDir).credentialsDir, `${principal}.password`);
}

/**
 * The environment a principal connects to the broker of `dataDir` with, as every service reads it
 * (libs/config): the password stays in its file (KAFKA_SASL_PASSWORD_FILE), never in the environment.
 * A plaintext (or unknown) broker gets `KAFKA_SECURITY_PROTOCOL=plaintext` only.
 */
function principalEnvironment(dataDir, principal) {
  if (brokerSecurity(dataDir) !== 'scram-tls') return { KAFKA_SECURITY_PROTOCOL: 'plaintext' };
  const file = passwordFile(dataDir, principal);
  if (!existsSync(file)) {
    throw new Error(`no credentials for Kafka principal "${principal}" in ${securityPaths(dataDir).credentialsDir} (kafka.sh add-source creates one-stop systems' principals)`);
  }
  return {
    KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD_FILE: file,
    KAFKA_SSL_CA_FILE: securityPaths(dataDir).caFile,
  };
}

/** The environment a service's process gets for the broker of `dataDir` (its own principal). */
function serviceEnvironment(dataDir, service) {
  const principal = SERVICE_PRINCIPALS[service];
  if (!principal) throw new Error(`no Kafka principal for service "${service}"`);
  return principalEnvironment(dataDir, principal);
}

/**
 * `env` as a command-line tool of this directory connects with: as it is when it sets
 * KAFKA_SECURITY_PROTOCOL; otherwise, on a secured local kafka.sh broker (KAFKA_BROKERS / KAFKA_PORT),
 * as admin from its data dir, so that `node deploy/kafka/create-topics.mjs` works after `kafka.sh start`.
 */
function toolEnvironment(env = process.env) {
  if (env.KAFKA_SECURITY_PROTOCOL) return env;
  let dataDir;
  try {
    dataDir = localBroker(env).dataDir;
  } catch {
    return env;
  }
  if (brokerSecurity(dataDir) !== 'scram-tls') return env;
  return { ...env, ...principalEnvironment(dataDir, ADMIN_PRINCIPAL) };
}

const SECURITY_VARIABLES = Object.freeze([
  'KAFKA_SECURITY_PROTOCOL',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'KAFKA_SSL_CA_FILE',
]);

/** `env` without any KAFKA_SECURITY_* / KAFKA_SASL_* / KAFKA_SSL_* variable (before setting a principal's). */
function withoutSecurityVariables(env) {
  const copy = { ...env };
  for (const name of SECURITY_VARIABLES) delete copy[name];
  return copy;
}

/**
 * kafkajs `ssl`/`sasl` options from the same variables the services read (see libs/config):
 * KAFKA_SECURITY_PROTOCOL (plaintext | sasl_ssl), KAFKA_SASL_MECHANISM (scram-sha-512 | scram-sha-256),
 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, KAFKA_SSL_CA_FILE.
 * Errors name the variable, never the password.
 * @returns {{ ssl?: object, sasl?: object }}
 */
function kafkaConnectionOptions(env = process.env) {
  const protocol = (env.KAFKA_SECURITY_PROTOCOL || 'plaintext').toLowerCase();
  if (protocol === 'plaintext') return {};
  if (protocol !== 'sasl_ssl') throw new Error(`KAFKA_SECURITY_PROTOCOL must be plaintext or sasl_ssl, got "${env.KAFKA_SECURITY_PROTOCOL}"`);
  const mechanism = (env.KAFKA_SASL_MECHANISM || 'scram-sha-512').toLowerCase();
  if (mechanism !== 'scram-sha-512' && mechanism !== 'scram-sha-256') {
    throw new Error(`KAFKA_SASL_MECHANISM must be scram-sha-512 or scram-sha-256, got "${env.KAFKA_SASL_MECHANISM}"`);
  }
  if (!env.KAFKA_SASL_USERNAME) throw new Error('KAFKA_SASL_USERNAME is required when KAFKA_SECURITY_PROTOCOL=sasl_ssl');
  let password = env.KAFKA_SASL_PASSWORD;
  if (!password && env.KAFKA_SASL_PASSWORD_FILE) password = readSecret(env.KAFKA_SASL_PASSWORD_FILE, 'KAFKA_SASL_PASSWORD_FILE');
  if (!password) throw new Error('KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required when KAFKA_SECURITY_PROTOCOL=sasl_ssl');
  const ssl = { rejectUnauthorized: true };
  if (env.KAFKA_SSL_CA_FILE) ssl.ca = [readSecret(env.KAFKA_SSL_CA_FILE, 'KAFKA_SSL_CA_FILE', false)];
  return { ssl, sasl: { mechanism, username: env.KAFKA_SASL_USERNAME, password } };
}

function readSecret(file, variable, trim = true) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file} (${error.code || error.message})`);
  }
  const value = trim ? text.trim() : text;
  if (!value) throw new Error(`${variable}: ${file} is empty`);
  return value;
}

// ------------------------------------------------------------------------------------------------
// ACLs
// ------------------------------------------------------------------------------------------------

const DEFAULT_TOPICS = Object.freeze({
  dossierEvents: 'dvc.dossier-events.v1',
  canonicalEvents: 'dvc.dossier-events.canonical.v1',
  deadLetter: 'dvc.dossier-events.dlq.v1',
  rateChanges: 'dvc.rate-changes.v1',
  alerts: 'dvc.alerts.v1',
});

/** The topic names and group ids a service uses, from the same variables (and defaults) it reads. */
function serviceResources(env = process.env) {
  return {
    dossierEvents: env.TOPIC_DOSSIER_EVENTS || DEFAULT_TOPICS.dossierEvents,
    canonicalEvents: env.TOPIC_CANONICAL_EVENTS || DEFAULT_TOPICS.canonicalEvents,
    deadLetter: env.TOPIC_DEAD_LETTER || DEFAULT_TOPICS.deadLetter,
    rateChanges: env.TOPIC_RATE_CHANGES || DEFAULT_TOPICS.rateChanges,
    alerts: env.TOPIC_ALERTS || DEFAULT_TOPICS.alerts,
    groups: {
      ingest: [env.INGEST_GROUP_ID || 'dvc-ingest'],
      aggregator: [env.AGGREGATOR_GROUP_ID || 'dvc-aggregator'],
      alerting: [env.ALERT_RATE_CHANGES_GROUP_ID || 'dvc-alerting-rate-changes', env.ALERT_SOURCE_ACTIVITY_GROUP_ID || 'dvc-alerting-source-activity'],
      simulator: [],
    },
    /** ingest's transactional ids, `<prefix>-<topic>-<partition>` (services/ingest/src/ingest-config.ts). */
    ingestTransactionalIdPrefix: env.INGEST_TRANSACTIONAL_ID_PREFIX || env.INGEST_GROUP_ID || 'dvc-ingest',
  };
}

/**
 * An ACL binding in words: `{ principal, resource: 'topic'|'group'|'cluster'|'transactional-id', name, pattern:
 * 'literal'|'prefixed', operation: 'read'|'write'|'describe'|'idempotent-write' }`, always ALLOW from any host.
 */
function binding(principal, resource, name, operation, pattern = 'literal') {
  return { principal, resource, name, pattern, operation };
}

/**
 * Least privilege per service, for the topics and groups configured in `env`:
 * - ingest reads the shared input topic and every per-source topic (`<input>.` prefix), writes the
 *   canonical and dead-letter topics in transactions: WRITE and DESCRIBE on its transactional ids (prefixed);
 * - the aggregator reads the canonical topic and writes the rate changes;
 * - alerting reads the rate changes and the canonical topic (source activity), writes the alerts topic;
 * - the simulator (the trusted demo producer) writes the shared input topic.
 * Each may use the consumer groups whose ids start with its configured ones (so `<group>.<anything>`
 * too), and the idempotent producers get IdempotentWrite on the cluster.
 * @param {string[]} [services] which services (default all)
 */
function serviceAclBindings(env = process.env, services = Object.keys(SERVICE_PRINCIPALS)) {
  const r = serviceResources(env);
  const out = [];
  const groups = (service) => r.groups[service].map((group) => binding(SERVICE_PRINCIPALS[service], 'group', group, 'read', 'prefixed'));
  for (const service of services) {
    const p = SERVICE_PRINCIPALS[service];
    if (!p) throw new Error(`no Kafka principal for service "${service}"`);
    switch (service) {
      case 'ingest':
        out.push(
          binding(p, 'topic', r.dossierEvents, 'read'),
          binding(p, 'topic', r.dossierEvents, 'describe'),
          binding(p, 'topic', `${r.dossierEvents}.`, 'read', 'prefixed'),
          binding(p, 'topic', `${r.dossierEvents}.`, 'describe', 'prefixed'),
          binding(p, 'topic', r.canonicalEvents, 'write'),
          binding(p, 'topic', r.deadLetter, 'write'),
          binding(p, 'cluster', 'kafka-cluster', 'idempotent-write'),
          binding(p, 'transactional-id', r.ingestTransactionalIdPrefix, 'write', 'prefixed'),
          binding(p, 'transactional-id', r.ingestTransactionalIdPrefix, 'describe', 'prefixed'),
          ...groups(service),
        );
        break;
      case 'aggregator':
        out.push(binding(p, 'topic', r.canonicalEvents, 'read'), binding(p, 'topic', r.rateChanges, 'write'), ...groups(service));
        break;
      case 'alerting':
        out.push(
          binding(p, 'topic', r.rateChanges, 'read'),
          binding(p, 'topic', r.canonicalEvents, 'read'),
          binding(p, 'topic', r.alerts, 'write'),
          binding(p, 'cluster', 'kafka-cluster', 'idempotent-write'),
          ...groups(service),
        );
        break;
      case 'simulator':
        out.push(binding(p, 'topic', r.dossierEvents, 'write'), binding(p, 'cluster', 'kafka-cluster', 'idempotent-write'));
        break;
      default:
        throw new Error(`no ACLs defined for service "${service}"`);
    }
  }
  return out;
}

function checkSourceKey(key) {
  if (!SOURCE_KEY_PATTERN.test(key ?? '')) {
    throw new Error(`source key "${key}" must be 1-40 characters of a-z, 0-9 and '-', starting and ending with a letter or digit`);
  }
}

/** A one-stop system's principal, topic and ACLs: Write (and IdempotentWrite) on its own topic, nothing else. */
function sourceAccess(key, env = process.env) {
  checkSourceKey(key);
  const principal = `src-${key}`;
  const topic = `${serviceResources(env).dossierEvents}.${key}`;
  return {
    principal,
    topic,
    bindings: [binding(principal, 'topic', topic, 'write'), binding(principal, 'cluster', 'kafka-cluster', 'idempotent-write')],
  };
}

/** A binding in kafkajs's terms (`AclResourceTypes` etc. come from the caller's kafkajs). */
function toKafkajsAcl(kafkajs, b) {
  const resourceType = {
    topic: kafkajs.AclResourceTypes.TOPIC,
    group: kafkajs.AclResourceTypes.GROUP,
    cluster: kafkajs.AclResourceTypes.CLUSTER,
    'transactional-id': kafkajs.AclResourceTypes.TRANSACTIONAL_ID,
  }[b.resource];
  const operation = {
    read: kafkajs.AclOperationTypes.READ,
    write: kafkajs.AclOperationTypes.WRITE,
    describe: kafkajs.AclOperationTypes.DESCRIBE,
    'idempotent-write': kafkajs.AclOperationTypes.IDEMPOTENT_WRITE,
  }[b.operation];
  const resourcePatternType = { literal: kafkajs.ResourcePatternTypes.LITERAL, prefixed: kafkajs.ResourcePatternTypes.PREFIXED }[b.pattern];
  if (resourceType === undefined || operation === undefined || resourcePatternType === undefined) throw new Error(`bad ACL binding ${JSON.stringify(b)}`);
  return {
    resourceType,
    resourceName: b.name,
    resourcePatternType,
    principal: `User:${b.principal}`,
    host: '*',
    operation,
    permissionType: kafkajs.AclPermissionTypes.ALLOW,
  };
}

/**
 * Creates the bindings (idempotent: Kafka keeps one copy of an existing binding). `admin`: a connected
 * kafkajs admin client of a super user; `kafkajs`: the kafkajs module (for its enums).
 */
async function ensureAcls(admin, kafkajs, bindings) {
  if (!bindings.length) return;
  await admin.createAcls({ acl: bindings.map((b) => toKafkajsAcl(kafkajs, b)) });
}

/** Deletes every ACL (any principal, operation) on these literal or prefixed resources. */
async function deleteAclsOn(admin, kafkajs, resources) {
  if (!resources.length) return;
  const filters = resources.map(({ resource, name, pattern = 'literal' }) => ({
    resourceType: { topic: kafkajs.AclResourceTypes.TOPIC, group: kafkajs.AclResourceTypes.GROUP, 'transactional-id': kafkajs.AclResourceTypes.TRANSACTIONAL_ID }[resource],
    resourceName: name,
    resourcePatternType: pattern === 'prefixed' ? kafkajs.ResourcePatternTypes.PREFIXED : kafkajs.ResourcePatternTypes.LITERAL,
    principal: undefined,
    host: undefined,
    operation: kafkajs.AclOperationTypes.ANY,
    permissionType: kafkajs.AclPermissionTypes.ANY,
  }));
  await admin.deleteAcls({ filters });
}

/** Deletes every ACL of one principal (e.g. a one-stop system taken off). */
async function deleteAclsOf(admin, kafkajs, principal) {
  await admin.deleteAcls({
    filters: [
      {
        resourceType: kafkajs.AclResourceTypes.ANY,
        resourceName: undefined,
        resourcePatternType: kafkajs.ResourcePatternTypes.ANY,
        principal: `User:${principal}`,
        host: undefined,
        operation: kafkajs.AclOperationTypes.ANY,
        permissionType: kafkajs.AclPermissionTypes.ANY,
      },
    ],
  });
}

module.exports = {
  ADMIN_PRINCIPAL,
  SERVICE_PRINCIPALS,
  SECURITY_VARIABLES,
  DEFAULT_TOPICS,
  localBroker,
  brokerDataDir,
  securityPaths,
  brokerSecurity,
  passwordFile,
  principalEnvironment,
  serviceEnvironment,
  withoutSecurityVariables,
  toolEnvironment,
  kafkaConnectionOptions,
  serviceResources,
  serviceAclBindings,
  checkSourceKey,
  sourceAccess,
  toKafkajsAcl,
  ensureAcls,
  deleteAclsOn,
  deleteAclsOf,
};

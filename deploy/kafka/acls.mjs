#!/usr/bin/env node
// The ACLs of a secured broker (kafka.sh, KAFKA_SECURITY=scram-tls), created with kafkajs's admin client
// as a super user (admin). Idempotent: Kafka keeps one copy of a binding created twice.
//
//   node deploy/kafka/acls.mjs services [--verbose]              the services' least-privilege ACLs
//   node deploy/kafka/acls.mjs add-source <key>                  topic <input>.<key> + src-<key> may write it
//   node deploy/kafka/acls.mjs remove-source <key> [--delete-topic]
//   node deploy/kafka/acls.mjs list                              every binding, one a line
//
// Connects like every service (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_CA_FILE):
// `kafka.sh acls|add-source|remove-source` run it with admin's environment. The topic names and group ids
// are the services' own variables (TOPIC_*, INGEST_GROUP_ID, ...), defaults otherwise; what each service
// may do is in serviceAclBindings (security.cjs).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import security from './security.cjs';
import { ensureTopics } from './create-topics.mjs';

const { Kafka, logLevel } = kafkajs;

function brokersFromEnv() {
  return (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`).split(',').map((b) => b.trim()).filter(Boolean);
}

function adminClient() {
  const env = security.toolEnvironment(process.env);
  return new Kafka({ clientId: 'dvc-acls', brokers: brokersFromEnv(), logLevel: logLevel.ERROR, ...security.kafkaConnectionOptions(env) }).admin();
}

async function withAdmin(work) {
  const admin = adminClient();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

const describe = (b) => `${b.principal}: ${b.operation} ${b.resource} ${b.pattern === 'prefixed' ? `${b.name}*` : b.name}`;

/** The services' ACLs for the topics and groups in `env`. */
export async function ensureServiceAcls({ admin, env = process.env, services, log = () => {} }) {
  const bindings = security.serviceAclBindings(env, services);
  await security.ensureAcls(admin, kafkajs, bindings);
  for (const b of bindings) log(`allow ${describe(b)}`);
  return bindings;
}

/** A one-stop system's topic (partitions as the shared input topic's) and its ACLs. */
export async function ensureSourceAccess({ admin, key, env = process.env, log = () => {} }) {
  const access = security.sourceAccess(key, env);
  const partitions = Number(env.TOPIC_DOSSIER_EVENTS_PARTITIONS || 6);
  // ensureTopics opens its own admin client; it takes the same environment.
  await ensureTopics({ topics: [{ topic: access.topic, numPartitions: partitions }], log });
  await security.ensureAcls(admin, kafkajs, access.bindings);
  for (const b of access.bindings) log(`allow ${describe(b)}`);
  return access;
}

async function main(argv) {
  const [command, ...args] = argv;
  const log = (message) => console.log(message);
  switch (command) {
    case 'services':
    case undefined: {
      const verbose = args.includes('--verbose');
      const bindings = await withAdmin((admin) => ensureServiceAcls({ admin, log: verbose ? log : () => {} }));
      log(`ACLs of ${[...new Set(bindings.map((b) => b.principal))].join(', ')} in place (${bindings.length} bindings; list: acls.mjs list)`);
      return 0;
    }
    case 'add-source':
      if (args.length !== 1) throw new Error('usage: acls.mjs add-source <key>');
      await withAdmin((admin) => ensureSourceAccess({ admin, key: args[0], log }));
      return 0;
    case 'remove-source': {
      const [key, flag] = args;
      if (!key || (flag !== undefined && flag !== '--delete-topic') || args.length > 2) throw new Error('usage: acls.mjs remove-source <key> [--delete-topic]');
      const access = security.sourceAccess(key);
      await withAdmin(async (admin) => {
        await security.deleteAclsOf(admin, kafkajs, access.principal);
        log(`deleted the ACLs of ${access.principal}`);
        if (flag) {
          if ((await admin.listTopics()).includes(access.topic)) await admin.deleteTopics({ topics: [access.topic] });
          log(`deleted topic ${access.topic}`);
        }
      });
      return 0;
    }
    case 'list':
      await withAdmin(async (admin) => {
        const { resources } = await admin.describeAcls({
          resourceType: kafkajs.AclResourceTypes.ANY,
          resourcePatternType: kafkajs.ResourcePatternTypes.ANY,
          operation: kafkajs.AclOperationTypes.ANY,
          permissionType: kafkajs.AclPermissionTypes.ANY,
        });
        const name = (table, value) => Object.keys(table).find((k) => table[k] === value) ?? value;
        for (const r of resources) {
          for (const acl of r.acls) {
            log(`${acl.principal} ${name(kafkajs.AclPermissionTypes, acl.permissionType)} ${name(kafkajs.AclOperationTypes, acl.operation)} ` +
              `${name(kafkajs.AclResourceTypes, r.resourceType)} ${name(kafkajs.ResourcePatternTypes, r.resourcePatternType)} ${r.resourceName}`);
          }
        }
      });
      return 0;
    default:
      throw new Error(`unknown command "${command}" (services | add-source <key> | remove-source <key> [--delete-topic] | list)`);
  }
}

const invokedPath = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedPath === realpathSync(fileURLToPath(import.meta.url))) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`acls: ${err.message}`);
      process.exit(1);
    },
  );
}

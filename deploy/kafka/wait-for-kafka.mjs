#!/usr/bin/env node
// Waits until a Kafka broker answers a metadata request (kafkajs admin.describeCluster()).
// Used by kafka.sh: a listening socket is not enough, the broker must have joined its KRaft quorum.
//
//   node wait-for-kafka.mjs [--brokers 127.0.0.1:9092] [--timeout 90] [--pid <broker pid>] [--quiet]
//
// Connects like the services (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_CA_FILE; plaintext by
// default); kafka.sh runs it with admin's environment on a secured broker.
//
// Exit codes: 0 = answering, 1 = timed out, 2 = the broker process (--pid) died while waiting.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import security from './security.cjs';

function parseArgs(argv) {
  const opts = {
    brokers: process.env.KAFKA_BROKERS || '127.0.0.1:9092',
    timeout: 90,
    pid: undefined,
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--brokers') opts.brokers = argv[++i];
    else if (arg === '--timeout') opts.timeout = Number(argv[++i]);
    else if (arg === '--pid') opts.pid = Number(argv[++i]);
    else if (arg === '--quiet') opts.quiet = true;
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (!Number.isFinite(opts.timeout) || opts.timeout < 0) throw new Error('--timeout must be a number of seconds');
  return opts;
}

function processAlive(pid) {
  // A broker that dies during `kafka.sh start` stays a zombie (its parent, the script, is
  // still waiting on us), and kill(pid, 0) succeeds on zombies: read the state from /proc.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (err) {
    if (err.code === 'ENOENT') return false;
  }
  try {
    process.kill(pid, 0); // no /proc (not Linux): signal 0 is an existence check only
    return true;
  } catch (err) {
    return err.code === 'EPERM'; // exists but belongs to someone else
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function describeOnce(brokers, connection) {
  const kafka = new Kafka({
    clientId: 'dvc-wait-for-kafka',
    brokers,
    ...connection,
    logLevel: logLevel.NOTHING, // connection refusals are expected while the broker boots
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 }, // we retry ourselves, so that we can also watch the process
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers.length) throw new Error('no brokers registered yet');
    return cluster;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const brokers = opts.brokers.split(',').map((b) => b.trim()).filter(Boolean);
  const deadline = Date.now() + opts.timeout * 1000;
  // Read once: a missing password or CA file is a configuration error, not a broker still booting.
  const connection = security.kafkaConnectionOptions(process.env);
  let lastError;
  for (;;) {
    try {
      const cluster = await describeOnce(brokers, connection);
      if (!opts.quiet) {
        const ids = cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(', ');
        console.log(`kafka answering on ${brokers.join(',')}: cluster ${cluster.clusterId}, brokers [${ids}], controller ${cluster.controller}`);
      }
      return 0;
    } catch (err) {
      lastError = err;
    }
    if (opts.pid && !processAlive(opts.pid)) {
      if (!opts.quiet) console.error(`kafka process ${opts.pid} exited before answering`);
      return 2;
    }
    if (Date.now() >= deadline) {
      if (!opts.quiet) console.error(`kafka not answering on ${brokers.join(',')} after ${opts.timeout}s: ${lastError?.message}`);
      return 1;
    }
    await sleep(500);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);

#!/usr/bin/env node
// Runs the whole dvc-monitor stack on this machine without Docker: Kafka (deploy/kafka/kafka.sh),
// Keycloak (deploy/keycloak/keycloak.sh), the existing PostgreSQL and Redis, and the services from dist/.
//
//   node deploy/local/stack.mjs start [--no-build]   foreground; Ctrl-C stops everything   (npm start)
//   node deploy/local/stack.mjs up [--no-build]      background; returns once all are ready (npm run stack:up)
//   node deploy/local/stack.mjs down                 stops what `up` started              (npm run stack:down)
//   node deploy/local/stack.mjs status               processes and readiness              (npm run stack:status)
//
// Environment: API_PORT, INGEST_PORT, AGGREGATOR_PORT, SIMULATOR_PORT (3000-3003) become each
// service's HTTP_PORT; KAFKA_PORT (9092), KAFKA_BROKERS, KEYCLOAK_PORT (18080), KEYCLOAK_URL,
// OIDC_ISSUER_URL (<Keycloak>/realms/dvc), DATABASE_URL, REDIS_URL, HTTP_HOST,
// LOG_LEVEL, SIMULATOR_RATE and any other variable pass through to the services;
// DEMO_INGEST_API_KEY, DEMO_SOURCE_URI, STACK_READY_TIMEOUT (60 s), STACK_STOP_TIMEOUT (15 s), STACK_DIR (.stack).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { banner } from './banner.mjs';
import { KAFKA_MARKER, KEYCLOAK_MARKER, PID_DIR, StackError, serviceEnv, stackConfig } from './config.mjs';
import { portInUse, probeReady, waitReady } from './health.mjs';
import {
  isServiceProcess,
  removePidFile,
  runningPid,
  say,
  spawnBackground,
  spawnForeground,
  stopProcess,
  tailOf,
} from './processes.mjs';
import { checkPostgres, checkRedis, kafkaAnswers, keycloakAnswers, prepare, stopKafka, stopKeycloak } from './prerequisites.mjs';

/** Thrown at a checkpoint of the start-up when a stop was requested meanwhile. */
class Stopping extends Error {}

const waves = (config) => [1, 2].map((wave) => config.services.filter((s) => s.wave === wave));

function indent(text) {
  return text.replace(/^/gm, '    ');
}

function notReady(failures) {
  return new StackError(
    failures
      .map(({ service, reason, tail }) => `${service.name} did not become ready: ${reason}. Last lines of ${service.logFile}:\n${indent(tail)}`)
      .join('\n\n'),
  );
}

async function refuseTakenPorts(services) {
  for (const service of services) {
    if (await portInUse(service)) {
      throw new StackError(
        `port ${service.port} (${service.name}, ${service.portVar}) is already in use — is a stack already running? ` +
          `Try "npm run stack:status" / "npm run stack:down", or set ${service.portVar}.`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// start: everything in the foreground
// ---------------------------------------------------------------------------------------------
class ForegroundStack {
  constructor(config) {
    this.config = config;
    this.running = []; // { service, child, recent } in start order
    this.stopping = false;
    this.exitCode = 0;
    this.kafkaStarted = false;
    this.keycloakStarted = false;
    this.stopRequested = new Promise((resolve) => (this.resolveStop = resolve));
  }

  async run({ build }) {
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.on(name, () => this.requestStop(0, `${name} received: stopping the stack`));
    }
    // Last resort if this process ends abruptly: the services are in their own process groups.
    process.on('exit', () => {
      for (const { child } of this.running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });

    try {
      await refuseTakenPorts(this.config.services);
      await prepare(this.config, { build }, {
        checkpoint: () => this.checkpoint(),
        onKafkaStarting: () => (this.kafkaStarted = true),
        onKeycloakStarting: () => (this.keycloakStarted = true),
      });
      for (const wave of waves(this.config)) await this.startWave(wave);
      process.stdout.write(banner(this.config, { foreground: true }));
      await this.stopRequested;
    } catch (error) {
      // A step interrupted by the same Ctrl-C (it reaches the whole terminal group) is no news.
      if (!(error instanceof Stopping) && !this.stopping) {
        process.stderr.write(`\n${error instanceof StackError ? error.message : error.stack}\n\n`);
        const startedSomething = this.running.length || this.kafkaStarted || this.keycloakStarted;
        this.requestStop(1, startedSomething ? 'start-up failed: stopping what was started' : undefined);
      }
    }
    await this.stopAll();
    return this.exitCode;
  }

  checkpoint() {
    if (this.stopping) throw new Stopping();
  }

  requestStop(exitCode, why) {
    if (this.stopping) {
      // `timeout`, npm and a terminal may each deliver the same stop; only a later one is news.
      if (Date.now() - this.stoppingSince > 1000) say('already stopping; please wait');
      return;
    }
    this.stopping = true;
    this.stoppingSince = Date.now();
    this.exitCode = exitCode;
    if (why) say(why);
    this.resolveStop();
  }

  async startWave(services) {
    const started = services.map((service) => {
      say(`starting ${service.name} on ${service.baseUrl}`);
      const index = this.config.services.indexOf(service);
      const entry = { service, ...spawnForeground(service, serviceEnv(this.config, service), index) };
      entry.child.on('close', (code, signal) => this.onExit(entry, code, signal));
      this.running.push(entry);
      return entry;
    });
    const results = await Promise.all(
      started.map(({ service, child }) =>
        waitReady(service, {
          timeoutMs: this.config.readyTimeoutMs,
          isAlive: () => child.exitCode === null && child.signalCode === null,
          isCancelled: () => this.stopping,
        }),
      ),
    );
    this.checkpoint(); // an exit during the wait was reported by onExit
    const failures = started
      .map(({ service, recent }, i) => ({ service, reason: results[i].reason, tail: recent.join('\n') || '(no output)' }))
      .filter((_, i) => !results[i].ready);
    if (failures.length) throw notReady(failures);
    for (const { service } of started) say(`${service.name} is ready`);
  }

  onExit({ service, recent }, code, signal) {
    if (this.stopping) return;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    process.stderr.write(`\n${service.name} exited unexpectedly (${how}). Last lines of ${service.logFile}:\n${indent(recent.join('\n') || '(no output)')}\n\n`);
    this.requestStop(1, `stopping the stack because ${service.name} exited`);
  }

  async stopAll() {
    for (const { service, child } of [...this.running].reverse()) {
      const result = await stopProcess(child.pid, () => child.exitCode === null && child.signalCode === null, this.config.stopTimeoutMs);
      if (result) say(`${service.name} ${result}`);
    }
    if (this.keycloakStarted) {
      await stopKeycloak({ ...process.env, KEYCLOAK_PORT: String(this.config.keycloakPort) }).catch((error) => {
        process.stderr.write(`${error.message}\n`);
        this.exitCode = 1;
      });
    } else if (this.running.length) {
      say(`Keycloak on ${this.config.keycloakUrl} left running: it was running before this stack started`);
    }
    if (this.kafkaStarted) {
      await stopKafka().catch((error) => {
        process.stderr.write(`${error.message}\n`);
        this.exitCode = 1;
      });
    } else if (this.running.length) {
      say(`Kafka on ${this.config.kafkaBrokers} left running: it was running before this stack started`);
    }
    if (this.running.length || this.kafkaStarted || this.keycloakStarted) say(this.exitCode === 0 ? 'stack stopped' : 'stack stopped after an error');
  }
}

// ---------------------------------------------------------------------------------------------
// up / down / status: the background stack, tracked by PID files
// ---------------------------------------------------------------------------------------------
async function up(config, { build }) {
  let kafkaStarted = false;
  let keycloakStarted = false;
  const startedNow = [];
  // Marked before the start: a start that fails half-way may still leave a broker to stop.
  const markKafkaStarted = () => {
    kafkaStarted = true;
    mkdirSync(PID_DIR, { recursive: true });
    writeFileSync(KAFKA_MARKER, `${config.kafkaPort}\n`);
  };
  const markKeycloakStarted = () => {
    keycloakStarted = true;
    mkdirSync(PID_DIR, { recursive: true });
    writeFileSync(KEYCLOAK_MARKER, `${config.keycloakPort}\n`);
  };
  try {
    await prepare(config, { build }, { checkpoint: () => {}, onKafkaStarting: markKafkaStarted, onKeycloakStarting: markKeycloakStarted });
    for (const wave of waves(config)) {
      const pids = new Map();
      for (const service of wave) {
        const pid = runningPid(service);
        if (pid) {
          say(`${service.name} already running (pid ${pid}); left as is`);
        } else {
          await refuseTakenPorts([service]);
          say(`starting ${service.name} on ${service.baseUrl} (log ${service.logFile})`);
          startedNow.push(service);
        }
        pids.set(service, pid ?? spawnBackground(service, serviceEnv(config, service)));
      }
      const results = await Promise.all(
        wave.map((service) =>
          waitReady(service, { timeoutMs: config.readyTimeoutMs, isAlive: () => isServiceProcess(pids.get(service), service) }),
        ),
      );
      const failures = wave
        .map((service, i) => ({ service, reason: results[i].reason, tail: results[i].ready ? '' : tailOf(service.logFile) }))
        .filter((_, i) => !results[i].ready);
      if (failures.length) throw notReady(failures);
      for (const service of wave) say(`${service.name} is ready (pid ${pids.get(service)})`);
    }
  } catch (error) {
    process.stderr.write(`\n${error instanceof StackError ? error.message : error.stack}\n\n`);
    say('start-up failed: stopping what this command started');
    for (const service of startedNow.reverse()) await stopService(config, service);
    if (keycloakStarted) await stopKeycloakStartedByUp();
    if (kafkaStarted) await stopKafkaStartedByUp();
    return 1;
  }
  process.stdout.write(banner(config, { foreground: false }));
  return 0;
}

async function stopService(config, service) {
  const pid = runningPid(service);
  if (!pid) {
    say(`${service.name}: not running${existsSync(service.pidFile) ? ' (stale PID file removed)' : ''}`);
  } else {
    const result = await stopProcess(pid, () => isServiceProcess(pid, service), config.stopTimeoutMs);
    say(`${service.name} (pid ${pid}) ${result ?? 'exited meanwhile'}`);
  }
  removePidFile(service);
}

async function stopKafkaStartedByUp() {
  const port = readFileSync(KAFKA_MARKER, 'utf8').trim();
  await stopKafka({ ...process.env, KAFKA_PORT: port });
  rmSync(KAFKA_MARKER, { force: true });
}

async function stopKeycloakStartedByUp() {
  const port = readFileSync(KEYCLOAK_MARKER, 'utf8').trim();
  await stopKeycloak({ ...process.env, KEYCLOAK_PORT: port });
  rmSync(KEYCLOAK_MARKER, { force: true });
}

async function down(config) {
  for (const service of [...config.services].reverse()) await stopService(config, service);
  if (existsSync(KEYCLOAK_MARKER)) {
    await stopKeycloakStartedByUp();
  } else {
    say('Keycloak was not started by "up"; left as is (bash deploy/keycloak/keycloak.sh stop stops a local one)');
  }
  if (existsSync(KAFKA_MARKER)) {
    await stopKafkaStartedByUp();
  } else {
    say('Kafka was not started by "up"; left as is (bash deploy/kafka/kafka.sh stop stops a local broker)');
  }
  return 0;
}

async function status(config) {
  let allReady = true;
  const rows = [['service', 'pid', 'ready', 'url']];
  for (const service of config.services) {
    const pid = runningPid(service);
    const probe = await probeReady(service);
    allReady &&= probe.status === 200;
    rows.push([service.name, pid ? `${pid} alive` : existsSync(service.pidFile) ? 'dead (stale pid file)' : '-', probe.status ? String(probe.status) : probe.error, `${service.baseUrl}/health/ready`]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  const answer = async (check) => check(config).then(() => 'answers', (error) => `DOES NOT ANSWER: ${error.message.split('\n')[0]}`);
  console.log('');
  console.log(`kafka       ${config.kafkaBrokers}: ${kafkaAnswers(config) ? 'answers' : 'DOES NOT ANSWER'}${existsSync(KAFKA_MARKER) ? ' (started by up)' : ''}`);
  console.log(`keycloak    ${config.keycloakUrl}: ${(await keycloakAnswers(config)) ? 'answers' : 'DOES NOT ANSWER'}${existsSync(KEYCLOAK_MARKER) ? ' (started by up)' : ''}`);
  console.log(`postgresql  ${await answer(checkPostgres)}`);
  console.log(`redis       ${await answer(checkRedis)}`);
  return allReady ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
const USAGE = `usage: node deploy/local/stack.mjs start|up [--no-build] | down | status
  start    build, start Kafka and Keycloak, migrate, run all services in the foreground (Ctrl-C stops all)
  up       the same in the background; returns once every service is ready
  down     stop what "up" started
  status   processes and readiness of each service`;

async function main(argv) {
  const [command, ...args] = argv;
  const unknown = args.filter((a) => a !== '--no-build');
  if (unknown.length || (args.length && command !== 'start' && command !== 'up')) {
    console.error(`unknown argument(s): ${args.join(' ')}\n${USAGE}`);
    return 2;
  }
  const build = !args.includes('--no-build');
  switch (command) {
    case 'start':
      return new ForegroundStack(stackConfig()).run({ build });
    case 'up':
      return up(stackConfig(), { build });
    case 'down':
      return down(stackConfig());
    case 'status':
      return status(stackConfig());
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof StackError ? error.message : error.stack);
    process.exit(1);
  },
);

import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { KAFKA_BROKERS, kafkaClient, kafkaSecured, kafkaSecurityEnvironment, REPO_ROOT, TEST_SECRETS_KEY } from './infrastructure';
import kafkajs = require('kafkajs');
import security = require('../../deploy/kafka/security.cjs');

export type ServiceName = 'ingest' | 'aggregator' | 'api' | 'alerting' | 'console';

/** Bindings already created, per broker: a restarted service needs no second round trip. */
const granted = new Set<string>();

/**
 * The Kafka side of a service's environment: on a secured broker its own principal (dvc-ingest, ...,
 * password as a file) and the broker's CA, and its least-privilege ACLs for the topics and groups of
 * `env` created first (security.cjs, as kafka.sh creates them for the default names). The api talks
 * to no broker and gets no Kafka credentials at all. A test that sets KAFKA_SASL_USERNAME itself
 * keeps what it set.
 */
export async function kafkaServiceEnvironment(service: ServiceName, env: NodeJS.ProcessEnv, explicit: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  if (explicit.KAFKA_SASL_USERNAME !== undefined) return env;
  const brokers = (env.KAFKA_BROKERS ?? KAFKA_BROKERS.join(',')).split(',').map((b) => b.trim());
  if (service === 'api' || service === 'console') return security.withoutSecurityVariables(env);
  if (!kafkaSecured(brokers)) return { ...security.withoutSecurityVariables(env), ...kafkaSecurityEnvironment(brokers) };
  const bindings = security.serviceAclBindings(env, [service]);
  const key = `${brokers.join(',')} ${JSON.stringify(bindings)}`;
  if (!granted.has(key)) {
    const admin = kafkaClient('dvc-test-acls', brokers).admin();
    await admin.connect();
    try {
      await security.ensureAcls(admin, kafkajs, bindings);
    } finally {
      await admin.disconnect();
    }
    granted.add(key);
  }
  return { ...security.withoutSecurityVariables(env), ...kafkaSecurityEnvironment(brokers, security.SERVICE_PRINCIPALS[service]) };
}

let nextPort = 3400 + Math.floor(Math.random() * 200) * 10;

/** True when nothing listens on 127.0.0.1:`port` (the machine runs NATS on 4222, RabbitMQ's epmd on 4369, ...). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port the system just had free on 127.0.0.1 (for a test's own servers: PostgreSQL, Redis, a proxy). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The Fetch standard's "bad ports" at and above the range's start (https://fetch.spec.whatwg.org/#bad-port): Node's
 * fetch refuses them ("fetch failed"), so a service there would never answer the readiness probe.
 */
const FETCH_BAD_PORTS = new Set([3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080]);

/** The next port of this test file's range that nothing listens on (and that fetch may call). */
async function claimFreePort(): Promise<number> {
  for (;;) {
    const port = nextPort++; // claimed synchronously, so processes started together never probe the same port
    if (!FETCH_BAD_PORTS.has(port) && (await portIsFree(port))) return port;
  }
}

/**
 * Every process a test file started. A test body that timed out keeps running after Jest gave up on
 * it, and may start processes after its afterAll: once `stopAllServices` ran, starting is refused, so
 * nothing outlives the file.
 */
const running = new Set<ServiceProcess>();
let stoppedAll = false;

/** Stops (SIGTERM, then SIGKILL after 20 s) every process still running; call it in afterAll. */
export async function stopAllServices(): Promise<void> {
  stoppedAll = true;
  await Promise.all([...running].map((service) => service.stop()));
}

/** A service running as a real process from `dist/`, as in production. */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  /** Chosen free at the first start and kept across restarts, so a restarted service answers at the same URL. */
  private claimedPort: number | null = null;

  /** `fixedPort`: for a service whose address is registered elsewhere (the console's redirect URI at Keycloak). */
  constructor(
    readonly service: ServiceName,
    private readonly environment: Record<string, string>,
    fixedPort: number | null = null,
  ) {
    this.claimedPort = fixedPort;
    mkdirSync(join(REPO_ROOT, 'dist', 'test-logs'), { recursive: true });
  }

  get port(): number {
    if (this.claimedPort === null) throw new Error(`${this.service} has no port before its first start`);
    return this.claimedPort;
  }

  get logFile(): string {
    return join(REPO_ROOT, 'dist', 'test-logs', `${this.service}-${this.port}.log`);
  }

  /** The pid of the process running now (a restart gives another): the same pid twice means no restart in between. */
  get pid(): number | null {
    return this.running ? (this.child?.pid ?? null) : null;
  }

  /** True while the process this object started has not exited. */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (stoppedAll) throw new Error(`not starting ${this.service}: this test file's services were already stopped`);
    this.claimedPort ??= await claimFreePort();
    const env = await kafkaServiceEnvironment(
      this.service,
      { ...process.env, SECRETS_ENCRYPTION_KEY: TEST_SECRETS_KEY, ...this.environment, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(this.port) },
      this.environment,
    );
    if (stoppedAll) throw new Error(`not starting ${this.service}: this test file's services were already stopped`);
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/services', this.service, 'src/main.js')], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    running.add(this);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        running.delete(this);
        resolve(code);
      }),
    );
    await this.waitUntilReady();
    return this;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGTERM');
    const timeout = setTimeout(() => this.child?.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timeout);
    this.child = null;
  }

  /**
   * Polls /health/ready. Time is the monotonic clock's: this machine's wall clock has been seen to jump
   * minutes at once, which would end a Date.now() deadline without the service having had the time. A
   * failure carries the last readiness answer and the end of the service's log, so a CI run says why.
   */
  private async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let exitCode: number | null | undefined;
    let lastAnswer = 'nothing listening';
    void this.exited.then((code) => (exitCode = code));
    while (performance.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`${this.service} exited with ${exitCode} during start-up; see ${this.logFile}\n${this.logTail()}`);
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
        if (response.ok) return;
        lastAnswer = `${response.status} ${(await response.text()).slice(0, 500)}`;
      } catch (error) {
        lastAnswer = error instanceof Error ? error.message : String(error);
      }
      await sleep(250);
    }
    throw new Error(`${this.service} was not ready within ${timeoutMs} ms (last /health/ready: ${lastAnswer}); see ${this.logFile}\n${this.logTail()}`);
  }

  /** The last lines the service wrote (the log is appended to across restarts), each cut to 400 characters. */
  private logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).map((line) => line.slice(0, 400)).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs; // monotonic, as in waitUntilReady
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

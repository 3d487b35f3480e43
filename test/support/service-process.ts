import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './infrastructure';

export type ServiceName = 'ingest' | 'aggregator' | 'api' | 'alerting';

let nextPort = 3400 + Math.floor(Math.random() * 200) * 10;

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
  readonly port = nextPort++;
  readonly logFile: string;

  constructor(
    readonly service: ServiceName,
    private readonly environment: Record<string, string>,
  ) {
    mkdirSync(join(REPO_ROOT, 'dist', 'test-logs'), { recursive: true });
    this.logFile = join(REPO_ROOT, 'dist', 'test-logs', `${service}-${this.port}.log`);
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
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/services', this.service, 'src/main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.environment, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(this.port) },
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

  private async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`${this.service} exited with ${exitCode} during start-up; see ${this.logFile}`);
      try {
        const response = await fetch(`${this.url}/health/ready`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`${this.service} was not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
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

import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProcessSampler, ProcessStats } from './proc-stats';

/** Every child this run started, so that an interrupted run can stop them. */
export const liveChildren = new Set<ChildProcess>();

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CommandResult {
  code: number | null;
  stdout: string;
  seconds: number;
  stats: ProcessStats;
}

/**
 * Runs `node script args…` to its end, echoing its output (prefixed) and keeping stdout for the
 * caller; its memory is sampled every 250 ms while it runs.
 */
export async function runNode(
  name: string,
  script: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; sampler: ProcessSampler; log: WriteStream; echo?: boolean },
): Promise<CommandResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  if (child.pid) options.sampler.track(name, child.pid);
  let stdout = '';
  const echo = (data: Buffer, stream: NodeJS.WriteStream) => {
    options.log.write(data);
    if (options.echo === false) return;
    for (const line of data.toString('utf8').split('\n')) if (line.trim()) stream.write(`  [${name}] ${line}\n`);
  };
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString('utf8');
    echo(data, process.stdout);
  });
  child.stderr.on('data', (data: Buffer) => echo(data, process.stderr));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  liveChildren.delete(child);
  const seconds = (performance.now() - started) / 1000;
  return { code, stdout, seconds, stats: options.sampler.finish(name) };
}

/** A built service (`dist/services/<name>/src/main.js`) running as its own process, as in production. */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exitCode: number | null | undefined = undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  readonly log: WriteStream;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly port: number,
    readonly logFile: string,
    private readonly cwd: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} is not running`);
    return this.child.pid;
  }

  /** Whether it exited on its own (crash, bad configuration): checked while waiting for progress. */
  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  describeExit(): string {
    return `${this.name} exited with code ${String(this.exitCode)}; see ${this.logFile}`;
  }

  spawn(): this {
    // BENCH_CPU_PROF_DIR: V8's sampling profile of the service, written when it exits after SIGTERM.
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, this.name)}`] : [];
    const child = spawn(process.execPath, [...nodeArgs, this.script], {
      cwd: this.cwd,
      env: { ...this.env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        liveChildren.delete(child);
        resolve(code);
      }),
    );
    return this;
  }

  /** Resolves when `/health/ready` answers 200 (database, Kafka, and for ingest Redis, reachable). */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.hasExited) throw new Error(`${this.describeExit()} during start-up`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/health/ready`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** SIGTERM (the service drains and commits), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (!this.hasExited) {
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timeout);
    }
    this.child = null;
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

/** A TCP port nobody listens on right now, for a service's HTTP server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

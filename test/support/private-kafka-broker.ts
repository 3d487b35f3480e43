import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerKafkaBroker, REPO_ROOT } from './infrastructure';

const run = promisify(execFile);

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A Kafka broker of a test file's own (deploy/kafka/kafka.sh on another port, data in a temp dir), for
 * tests that crash or restart the broker: other test runs and benchmarks share the one on 9092. It is
 * secured as kafka.sh secures it (KAFKA_SECURITY, scram-tls by default), with a CA and passwords of its own.
 * `destroy` (call it in afterAll) kills it and deletes its data; so does the exit of the Jest worker.
 */
export class PrivateKafkaBroker {
  readonly directory = mkdtempSync(join(tmpdir(), 'dvc-kafka-'));
  readonly logFile = join(this.directory, 'kafka.log');
  private port = 0;
  private destroyed = false;
  private readonly killOnExit = () => this.killNow();

  get brokers(): string[] {
    if (!this.port) throw new Error('the private broker has no port yet: call start() first');
    return [`127.0.0.1:${this.port}`];
  }

  /** Starts the broker (the first time on a free pair of ports from `preferredPort` on) and waits until it answers. */
  async start(preferredPort = 19392): Promise<void> {
    if (this.destroyed) throw new Error('not starting the private Kafka broker: it was already destroyed');
    if (!this.port) {
      for (let port = preferredPort; ; port += 2) {
        if (port > preferredPort + 200) throw new Error(`no free port pair for a private Kafka broker from ${preferredPort}`);
        if ((await portFree(port)) && (await portFree(port + 1))) {
          this.port = port;
          break;
        }
      }
      process.once('exit', this.killOnExit);
    }
    await run('bash', [join(REPO_ROOT, 'deploy/kafka/kafka.sh'), 'start'], { env: this.scriptEnvironment(), timeout: 150_000 });
    // Secured like the shared one (kafka.sh's default): its clients and services use its own CA and
    // principals, found in its data dir.
    registerKafkaBroker(this.brokers, join(this.directory, 'data'));
  }

  /** SIGKILL of the broker's JVM: no clean shutdown, as in a crash or a power cut. */
  async crash(): Promise<void> {
    const pid = this.pid();
    if (pid === null) throw new Error('the private Kafka broker is not running');
    process.kill(pid, 'SIGKILL');
    while (this.alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** Kills the broker (if it runs) and deletes its data directory; it cannot start again. */
  destroy(): void {
    this.destroyed = true;
    this.killNow();
    process.removeListener('exit', this.killOnExit);
    rmSync(this.directory, { recursive: true, force: true });
  }

  private killNow(): void {
    const pid = this.pid();
    if (pid !== null) process.kill(pid, 'SIGKILL');
  }

  /** The broker's pid from kafka.sh's pid file, if that process is alive and is this broker. */
  private pid(): number | null {
    let pid: number;
    try {
      pid = Number(readFileSync(join(this.directory, 'data', 'kafka.pid'), 'utf8').trim());
    } catch {
      return null;
    }
    return pid > 0 && this.alive(pid) ? pid : null;
  }

  private alive(pid: number): boolean {
    try {
      const status = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (status.slice(status.lastIndexOf(')') + 2).startsWith('Z')) return false;
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(this.directory, 'data', 'server.properties'));
    } catch {
      return false;
    }
  }

  private scriptEnvironment(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      KAFKA_PORT: String(this.port),
      KAFKA_CONTROLLER_PORT: String(this.port + 1),
      DVC_KAFKA_DATA: join(this.directory, 'data'),
      KAFKA_LOG_FILE: this.logFile,
    };
  }
}

import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { eventually, freePort } from './service-process';

/**
 * A redis-server of a test file's own, on a free port, nothing saved: a test may kill it (the machine's
 * Redis on 6379 is never touched). `kill` is a SIGKILL; so is the exit of the Jest worker.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private port = 0;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  get url(): string {
    if (!this.port) throw new Error('the private redis-server has no port yet: call start() first');
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get portNumber(): number {
    return this.port;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    process.once('exit', this.killOnExit);
    await eventually(
      async () => {
        const redis = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await redis.connect();
          return (await redis.ping()) === 'PONG' ? true : undefined;
        } finally {
          redis.disconnect();
        }
      },
      10_000,
      'the private redis-server',
    );
  }

  /** SIGKILL, and waits for the exit; nothing of what it held survives. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    process.removeListener('exit', this.killOnExit);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

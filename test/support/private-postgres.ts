import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './service-process';

const run = promisify(execFile);

/** The PostgreSQL 15 binaries (Debian's layout), else whatever `initdb`/`pg_ctl` PATH finds. */
const BIN = existsSync('/usr/lib/postgresql/15/bin/pg_ctl') ? '/usr/lib/postgresql/15/bin' : '';
const binary = (name: string) => (BIN ? join(BIN, name) : name);
/** initdb and the server refuse to run as root: they run as this user (Debian's `postgres`). */
const SERVER_USER = process.env.DVC_TEST_POSTGRES_USER ?? 'postgres';

export interface PrivatePostgresOptions {
  /** The address the server listens on (127.0.0.1 unless it runs in a network namespace). */
  host?: string;
  /** Its port: a free one of this machine unless given (a namespace has ports of its own). */
  port?: number;
  /** Runs the server inside this network namespace (`ip netns exec`), e.g. behind a veth that a test cuts. */
  netns?: string;
}

/**
 * A PostgreSQL server of a test file's own: `initdb` into a temp dir, `pg_ctl` start/stop on a port of its
 * own, so that a test may stop it (`-m immediate`: a crash, no checkpoint, crash recovery at the next start)
 * and start it again. The machine's shared server (5432) is never touched. Trust authentication, user
 * `postgres`; fsync off (a stopped or killed server loses nothing with it: the kernel still holds what was
 * written; only a crash of the machine would). `destroy` (call it in afterAll) stops it and deletes its
 * directory; so does the exit of the Jest worker.
 */
export class PrivatePostgres {
  readonly directory = mkdtempSync(join(tmpdir(), 'dvc-postgres-'));
  readonly dataDir = join(this.directory, 'data');
  readonly logFile = join(this.directory, 'postgres.log');
  readonly host: string;
  private port = 0;
  private initialised = false;
  private destroyed = false;
  private readonly stopOnExit = () => this.stopNow();

  constructor(private readonly options: PrivatePostgresOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    chownSync(this.directory, ...serverUserIds());
  }

  /** `postgres://postgres@host:port`: append `/<database>`. */
  get url(): string {
    if (!this.port) throw new Error('the private PostgreSQL server has no port yet: call start() first');
    return `postgres://postgres@${this.host}:${this.port}`;
  }

  /** Starts the server (the first time: initdb, a port) and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.destroyed) throw new Error('not starting the private PostgreSQL server: it was already destroyed');
    if (!this.initialised) {
      this.port ||= this.options.port ?? (await freePort());
      process.once('exit', this.stopOnExit);
      await this.asServerUser(binary('initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
      // initdb trusts loopback only; a server behind a veth sees this side's address (or a proxy's).
      if (this.host !== '127.0.0.1') appendFileSync(join(this.dataDir, 'pg_hba.conf'), 'host all all 0.0.0.0/0 trust\n');
      this.initialised = true;
    }
    const serverOptions = [`-p ${this.port}`, `-c listen_addresses=${this.host}`, `-k ${this.directory}`, '-c fsync=off', '-c max_connections=120'].join(' ');
    await this.asServerUser(binary('pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-o', serverOptions, '-w', '-t', '90', 'start']);
  }

  /** `pg_ctl stop -m immediate` (the default): every backend dies at once, mid-transaction, as in a crash. */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await this.asServerUser(binary('pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Stops the server (if it runs) and deletes its directory; it cannot start again. */
  destroy(): void {
    this.destroyed = true;
    this.stopNow();
    process.removeListener('exit', this.stopOnExit);
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** The end of the server's log, for a failure message. */
  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private stopNow(): void {
    const pid = this.postmasterPid();
    if (pid === null) return;
    try {
      execFileSync(...this.command(binary('pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']), { stdio: 'ignore' });
    } catch {
      // pg_ctl failed: the postmaster's SIGKILL below (its children leave as soon as they notice).
    }
    if (this.alive(pid)) process.kill(pid, 'SIGKILL');
  }

  private postmasterPid(): number | null {
    try {
      const pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return pid > 0 && this.alive(pid) ? pid : null;
    } catch {
      return null;
    }
  }

  private alive(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.dataDir);
    } catch {
      return false;
    }
  }

  /** The command line that runs `file` as the server's user, inside the namespace if there is one. */
  private command(file: string, args: string[]): [string, string[]] {
    const asUser = process.getuid?.() === 0 ? ['runuser', '-u', SERVER_USER, '--', file, ...args] : [file, ...args];
    const full = this.options.netns ? ['ip', 'netns', 'exec', this.options.netns, ...asUser] : asUser;
    return [full[0], full.slice(1)];
  }

  private async asServerUser(file: string, args: string[]): Promise<void> {
    try {
      await run(...this.command(file, args), { timeout: 120_000 });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${file} ${args.join(' ')} failed: ${stderr || stdout || String(error)}\n${this.logTail()}`);
    }
  }
}

/** uid and gid of the server's user when running as root (initdb refuses root), else ours. */
function serverUserIds(): [number, number] {
  if (process.getuid?.() !== 0) return [process.getuid?.() ?? 0, process.getgid?.() ?? 0];
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${SERVER_USER}:`));
  if (!line) throw new Error(`running as root, a private PostgreSQL server needs the user ${SERVER_USER} (initdb refuses root)`);
  const [, , uid, gid] = line.split(':');
  return [Number(uid), Number(gid)];
}

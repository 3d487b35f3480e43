// Child processes of the local stack: one-shot steps, services in the foreground (output prefixed
// and teed to a log file) or detached in the background (PID files), and how they are stopped.
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, StackError } from './config.mjs';

const COLOURS = [36, 33, 35, 32, 34, 31];
const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const PREFIX_WIDTH = 10;

/** `name       | ` — the JSON line that follows stays intact, so `cut -d'|' -f2-` gives it back. */
export function prefixFor(name, index = 0) {
  const label = `${name.padEnd(PREFIX_WIDTH)} |`;
  return useColour ? `\x1b[${COLOURS[index % COLOURS.length]}m${label}\x1b[0m ` : `${label} `;
}

export function say(message) {
  process.stdout.write(`${prefixFor('stack', 5)}${message}\n`);
}

export function warn(message) {
  process.stderr.write(`${prefixFor('stack', 5)}WARNING: ${message}\n`);
}

const RECENT_LINES = 30;

/** Copies each line of a child's stream to ours behind a prefix, raw to the log file, and keeps the last few. */
function relayLines(stream, target, prefix, log, recent) {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    target.write(`${prefix}${line}\n`);
    log?.write(`${line}\n`);
    if (recent && recent.push(line) > RECENT_LINES) recent.shift();
  });
}

/**
 * Runs a one-shot command to completion with its output prefixed; rejects unless it exits 0.
 * A stop requested meanwhile waits for it: steps are short, and killing `kafka.sh start` half-way
 * would leave its lock held by the probe it runs.
 */
export function runStep(name, command, args, { env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = prefixFor(name, 4);
    relayLines(child.stdout, process.stdout, prefix);
    relayLines(child.stderr, process.stderr, prefix);
    child.on('error', (error) => reject(new StackError(`${name}: could not run ${command}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new StackError(`${name} failed (${signal ? `signal ${signal}` : `exit code ${code}`}): ${[command, ...args].join(' ')}`));
    });
  });
}

/**
 * A service as a child of this process. It gets its own process group, so a Ctrl-C in the terminal
 * reaches only the runner, which then stops the services one by one, in order.
 * @returns {{ child: import('node:child_process').ChildProcess, recent: string[] }} `recent`: its last output lines
 */
export function spawnForeground(service, env, index) {
  mkdirSync(dirname(service.logFile), { recursive: true });
  const log = createWriteStream(service.logFile, { flags: 'w' });
  const child = spawn(process.execPath, [service.entryPath, ...service.args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = prefixFor(service.name, index);
  const recent = [];
  relayLines(child.stdout, process.stdout, prefix, log, recent);
  relayLines(child.stderr, process.stderr, prefix, log, recent);
  child.on('close', () => log.end());
  return { child, recent };
}

/** A service detached from this process (it outlives it), output to its log file, PID to its PID file. */
export function spawnBackground(service, env) {
  mkdirSync(dirname(service.logFile), { recursive: true });
  mkdirSync(dirname(service.pidFile), { recursive: true });
  const fd = openSync(service.logFile, 'w');
  try {
    const child = spawn(process.execPath, [service.entryPath, ...service.args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    child.unref();
    writeFileSync(service.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * True if `pid` is a live (not zombie) process running this service's entry file. Checking the
 * command line guards against a PID reused by an unrelated process after a reboot or a crash.
 */
export function isServiceProcess(pid, service) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(service.entryPath);
  } catch {
    return false;
  }
}

/** The PID in the service's PID file if that process is still this service; else undefined. */
export function runningPid(service) {
  if (!existsSync(service.pidFile)) return undefined;
  const pid = Number(readFileSync(service.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isServiceProcess(pid, service) ? pid : undefined;
}

export function removePidFile(service) {
  rmSync(service.pidFile, { force: true });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Signals the service's process group (it leads one: it was spawned detached), else the process. */
function signal(pid, name) {
  try {
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}

/**
 * SIGTERM (the services drain and commit on it), then SIGKILL after `timeoutMs`.
 * @returns {Promise<string | undefined>} what happened, e.g. "stopped in 1.2 s"; undefined if it was not running
 */
export async function stopProcess(pid, isAlive, timeoutMs) {
  if (!isAlive()) return undefined;
  const started = Date.now();
  signal(pid, 'SIGTERM');
  while (isAlive()) {
    if (Date.now() - started >= timeoutMs) {
      signal(pid, 'SIGKILL');
      for (let i = 0; i < 20 && isAlive(); i++) await sleep(100);
      return `killed: still running ${timeoutMs / 1000} s after SIGTERM (STACK_STOP_TIMEOUT)`;
    }
    await sleep(100);
  }
  return `stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`;
}

/** The last lines of a log file, for a failure message. */
export function tailOf(file, lines = 30) {
  if (!existsSync(file)) return `(no log file ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd();
  return text ? text.split('\n').slice(-lines).join('\n') : `(${file} is empty)`;
}

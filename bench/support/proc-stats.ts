import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Linux /proc readings: memory and CPU time of a process, busy time of the machine. */

export interface MemoryReading {
  /** Resident set size now, in kB. */
  rssKb: number;
  /** Peak resident set size so far (high-water mark), in kB. */
  hwmKb: number;
}

export function readMemory(pid: number): MemoryReading | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssKb: field(status, 'VmRSS'), hwmKb: field(status, 'VmHWM') };
  } catch {
    return null; // gone
  }
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

let clockTicks: number | null = null;

/** USER_HZ, the unit of the CPU times in /proc (100 on practically every Linux). */
export function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds the process has used so far (its own, not its children's). */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return null;
  }
}

/** Process name (`comm`) of a pid, or null when it is gone. */
function commOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

export function commandLineOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** CPU seconds used so far by every process called `name` (e.g. all PostgreSQL backends). */
export function cpuSecondsOfAll(name: string): number {
  let total = 0;
  for (const pid of allPids()) if (commOf(pid) === name) total += readCpuSeconds(pid) ?? 0;
  return total;
}

export interface MachineCpu {
  busy: number;
  total: number;
}

/** Machine-wide CPU time so far (all cores), in ticks: busy = everything but idle and iowait. */
export function readMachineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Busy core-seconds between two readings. */
export function busySecondsBetween(before: MachineCpu, after: MachineCpu): number {
  return (after.busy - before.busy) / ticksPerSecond();
}

/** The pid of a running Kafka broker (`kafka.Kafka` main class), found by its pid file or by scanning. */
export function findKafkaBrokerPid(pidFile: string | null): number | null {
  const isBroker = (pid: number) => (commandLineOf(pid) ?? '').includes('kafka.Kafka');
  if (pidFile) {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0 && isBroker(pid)) return pid;
    } catch {
      // no pid file: scan
    }
  }
  return allPids().find(isBroker) ?? null;
}

/** The broker's version, read from the jars on its class path (`kafka_2.13-3.9.2.jar`). */
export function kafkaVersionOf(pid: number): string | null {
  const commandLine = commandLineOf(pid) ?? '';
  const fromPath = /kafka[-_](\d+\.\d+\.\d+)\//.exec(commandLine);
  const classPath = /-cp (\S+)/.exec(commandLine)?.[1];
  if (classPath) {
    for (const entry of classPath.split(':')) {
      const dir = entry.endsWith('/*') ? entry.slice(0, -2) : null;
      if (!dir) continue;
      try {
        const jar = readdirSync(dir).find((name) => /^kafka_\d+\.\d+-\d+\.\d+\.\d+\.jar$/.test(name));
        const version = jar ? /-(\d+\.\d+\.\d+)\.jar$/.exec(jar)?.[1] : undefined;
        if (version) return version;
      } catch {
        // unreadable class path entry
      }
    }
  }
  return fromPath?.[1] ?? null;
}

/**
 * Other work on the machine that competes for the CPU: test runs (jest), the project's services
 * started by someone else, simulators. `ours` are the pids this benchmark started.
 */
export function concurrentActivity(ours: Set<number>): Array<{ pid: number; command: string }> {
  const found: Array<{ pid: number; command: string }> = [];
  for (const pid of allPids()) {
    if (pid === process.pid || ours.has(pid) || parentOf(pid) === process.pid) continue;
    const commandLine = commandLineOf(pid);
    if (!commandLine) continue;
    const jest = /\bjest\b/.test(commandLine) && !/^(sh -c|npm exec)/.test(commandLine);
    if (jest || /dist\/services\/\w+\/src\/main\.js/.test(commandLine)) found.push({ pid, command: shorten(commandLine) });
  }
  return found;
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Samples memory (and CPU time) of the processes it is given, every `intervalMs`: the peak of the
 * sampled VmRSS and the last VmHWM seen, for processes that exit on their own.
 */
export class ProcessSampler {
  private readonly tracked = new Map<string, { pid: number; maxRssKb: number; hwmKb: number; cpuSeconds: number; samples: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs = 250) {}

  start(): void {
    this.timer ??= setInterval(() => this.sampleAll(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  track(name: string, pid: number): void {
    this.tracked.set(name, { pid, maxRssKb: 0, hwmKb: 0, cpuSeconds: 0, samples: 0 });
    this.sample(name);
  }

  /** Takes a last reading (VmHWM is final while the process lives) and stops sampling it. */
  finish(name: string): ProcessStats {
    this.sample(name);
    const stats = this.stats(name);
    this.tracked.delete(name);
    return stats;
  }

  stats(name: string): ProcessStats {
    const entry = this.tracked.get(name);
    if (!entry) return { peakRssKb: 0, maxSampledRssKb: 0, hwmKb: 0, cpuSeconds: 0, samples: 0 };
    return {
      peakRssKb: Math.max(entry.maxRssKb, entry.hwmKb),
      maxSampledRssKb: entry.maxRssKb,
      hwmKb: entry.hwmKb,
      cpuSeconds: entry.cpuSeconds,
      samples: entry.samples,
    };
  }

  private sampleAll(): void {
    for (const name of this.tracked.keys()) this.sample(name);
  }

  private sample(name: string): void {
    const entry = this.tracked.get(name);
    if (!entry) return;
    const memory = readMemory(entry.pid);
    if (memory === null) return;
    entry.samples += 1;
    entry.maxRssKb = Math.max(entry.maxRssKb, memory.rssKb);
    entry.hwmKb = Math.max(entry.hwmKb, memory.hwmKb);
    entry.cpuSeconds = readCpuSeconds(entry.pid) ?? entry.cpuSeconds;
  }
}

export interface ProcessStats {
  /** max(sampled VmRSS, VmHWM): the peak resident memory, in kB. */
  peakRssKb: number;
  maxSampledRssKb: number;
  hwmKb: number;
  /** CPU seconds at the last reading. */
  cpuSeconds: number;
  samples: number;
}

/**
 * CPU seconds of this process's children that have exited and been waited for (cutime + cstime of
 * /proc/self/stat): the difference around one child's run is that child's CPU time.
 */
export function readExitedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime are fields 16 and 17 (1-based) → indexes 13 and 14 here.
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond();
}

import { seededRandom } from './scenario';
import { ServiceProcess, sleep } from './service-process';

/** The services a campaign kills (the api only reads PostgreSQL: killing it would test nothing here). */
export type KilledService = 'ingest' | 'aggregator' | 'alerting';

export interface PlannedKill {
  /** 1, 2, ... in the order of the instants. */
  n: number;
  /** Milliseconds after the campaign's start. */
  atMs: number;
  service: KilledService;
  /** Index among that service's instances. */
  instance: number;
  /** How long the instance stays dead before it is started again. */
  pauseMs: number;
}

export interface KillRecord extends PlannedKill {
  /** When the SIGKILL was sent (later than `atMs` when the instance was still in the pause after an earlier kill). */
  killedAtMs: number;
  /** The same instant on the wall clock (epoch ms), to compare with the receivers' logs. */
  killedAt: number;
  /** Killed while restarting from an earlier kill (spawned, not ready yet: joining its consumer groups). */
  whileStarting: boolean;
  /** When the restarted instance answered ready again. */
  readyAtMs: number | null;
  /** What the campaign's probe saw just before the kill. */
  progress: Record<string, number>;
}

export interface KillScheduleOptions {
  seed: number;
  /** How many instances each service runs. */
  instances: Record<KilledService, number>;
  kills: number;
  /** Kills fall in [from, to) ms after the start, uniformly. */
  windowMs: [number, number];
  /** Each pause is drawn in [from, to) ms. */
  pauseMs: [number, number];
}

/**
 * The seeded schedule: which instance of which service dies when, and for how long. Every service is killed at
 * least once (the first picks are a seeded permutation of the services, the rest uniform), then the picks are
 * shuffled over the sorted instants. The same seed gives the same schedule.
 */
export function killSchedule(options: KillScheduleOptions): PlannedKill[] {
  const random = seededRandom(options.seed);
  const between = ([from, to]: [number, number]) => Math.round(from + random() * (to - from));
  const services = Object.keys(options.instances) as KilledService[];
  if (options.kills < services.length) throw new Error(`${options.kills} kills cannot reach each of ${services.length} services`);
  const shuffle = <T>(items: T[]): T[] => {
    for (let index = items.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [items[index], items[other]] = [items[other], items[index]];
    }
    return items;
  };
  const picks = [...shuffle([...services])];
  while (picks.length < options.kills) picks.push(services[Math.floor(random() * services.length)]);
  shuffle(picks);
  const instants = Array.from({ length: options.kills }, () => between(options.windowMs)).sort((a, b) => a - b);
  return instants.map((atMs, index) => ({
    n: index + 1,
    atMs,
    service: picks[index],
    instance: Math.floor(random() * options.instances[picks[index]]),
    pauseMs: between(options.pauseMs),
  }));
}

/** One line per kill, for the log at the start and for every failure message. */
export function describeSchedule(seed: number, plan: PlannedKill[]): string {
  return [
    `kill campaign seed ${seed} (KILL_CAMPAIGN_SEED=${seed} replays it): ${plan.length} SIGKILLs`,
    ...plan.map((kill) => `  #${kill.n} at +${kill.atMs} ms: ${kill.service}[${kill.instance}], back after ${kill.pauseMs} ms`),
  ].join('\n');
}

/** What happened, per kill: planned and actual instants, and the progress seen just before. */
export function describeRecords(records: KillRecord[]): string {
  return records
    .map(
      (kill) =>
        `  #${kill.n} ${kill.service}[${kill.instance}] killed at +${kill.killedAtMs} ms (planned +${kill.atMs}; ${new Date(kill.killedAt).toISOString()})${kill.whileStarting ? ' while it was starting' : ''}, ` +
        `ready again at ${kill.readyAtMs === null ? 'never (killed again first, or failed)' : `+${kill.readyAtMs} ms`}; before it: ${JSON.stringify(kill.progress)}`,
    )
    .join('\n');
}

/**
 * `start()`, where a process that is alive but not ready within start()'s 60 s gets 120 s more: a restarted
 * service listens only once its consumers have joined their groups, and a group rebalancing around members that
 * died (kafkajs: 30 s session timeout, 60 s rebalance timeout) can keep it waiting that long. Waiting is not the
 * question here; exiting, or never becoming ready, is a failure.
 */
async function startRiding(target: ServiceProcess): Promise<void> {
  try {
    await target.start();
  } catch (error) {
    for (const deadline = performance.now() + 120_000; performance.now() < deadline; await sleep(500)) {
      if (!target.running) throw error; // it exited (or the next kill came): no more waiting
      const ready = await fetch(`${target.url}/health/ready`, { signal: AbortSignal.timeout(5_000) }).then((answer) => answer.ok, () => false);
      if (ready) return;
    }
    throw error;
  }
}

/**
 * Runs a schedule against running instances: at each instant, SIGKILL, then a restart of the same instance (same
 * port) after its pause, in the background, so that the next kills do not wait for it. An instance whose restart is
 * still in its pause is killed as soon as it is spawned again; one still starting (joining its groups, which waits
 * for the rebalance) is killed as it is: a kill in the middle of a rebalance. `probe` is read just before each kill.
 * Resolves when every instance is back; rejects, naming the kill, when a restart fails or an instance exited by
 * itself (nothing but the campaign restarts them: a crash of the service is a finding, not noise). `untilWorthIt`, if
 * given, is awaited just before each kill (after its instant): e.g. until the service has work in flight.
 */
export async function runKillCampaign(
  plan: PlannedKill[],
  instances: Record<KilledService, ServiceProcess[]>,
  probe: () => Promise<Record<string, number>>,
  untilWorthIt: (kill: PlannedKill) => Promise<void> = async () => undefined,
): Promise<KillRecord[]> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const comingBack = new Map<ServiceProcess, Promise<void>>();
  const settled = new Set<Promise<void>>();
  const killedWhileStarting = new Set<ServiceProcess>();
  const failures: string[] = [];
  const restartFailed = new Set<ServiceProcess>();
  const records: KillRecord[] = [];
  for (const kill of plan) {
    const target = instances[kill.service][kill.instance];
    const wait = kill.atMs - elapsed();
    if (wait > 0) await sleep(wait);
    const restart = comingBack.get(target);
    // Still in its pause: wait until it is spawned again (or its restart is over).
    while (restart && !target.running && !settled.has(restart)) await sleep(20);
    if (!target.running) {
      // A failed restart is in `failures` already; anything else is a process that died by itself.
      if (!restartFailed.has(target)) failures.push(`${kill.service}[${kill.instance}] was not running at kill #${kill.n}: it exited by itself (see ${target.logFile})`);
      restartFailed.add(target);
      continue;
    }
    const whileStarting = restart !== undefined && !settled.has(restart);
    const progress = await probe().catch((): Record<string, number> => ({ probeFailed: 1 }));
    await untilWorthIt(kill);
    const record: KillRecord = { ...kill, killedAtMs: elapsed(), killedAt: Date.now(), whileStarting, readyAtMs: null, progress };
    if (whileStarting) killedWhileStarting.add(target);
    await target.kill();
    records.push(record);
    const next: Promise<void> = (restart ?? Promise.resolve())
      .then(() => sleep(kill.pauseMs))
      .then(() => startRiding(target))
      .then(
        () => {
          record.readyAtMs = elapsed();
          killedWhileStarting.delete(target); // a kill that came as it became ready: nothing to forgive
        },
        (error: unknown) => {
          if (killedWhileStarting.delete(target)) return; // the next kill's doing: it restarts the instance itself
          restartFailed.add(target);
          failures.push(`the restart after kill #${kill.n} (${kill.service}[${kill.instance}]) failed: ${String(error)}`);
        },
      )
      .finally(() => settled.add(next));
    comingBack.set(target, next);
  }
  await Promise.all(comingBack.values());
  for (const [service, list] of Object.entries(instances)) {
    list.forEach((instance, index) => {
      if (!instance.running && !restartFailed.has(instance)) failures.push(`${service}[${index}] exited by itself during the campaign (see ${instance.logFile})`);
    });
  }
  if (failures.length > 0) throw new Error(`${failures.join('\n')}\n${describeRecords(records)}`);
  return records;
}

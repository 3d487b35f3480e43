import { createReadStream } from 'node:fs';

/**
 * What the aggregator must end with, computed from the NDJSON file that was replayed, from the
 * contract's rules written again here (as in test/support/ground-truth.ts) and independently of
 * libs/domain: per dossier the latest `received` / `completed` / `withdrawn` event wins (later
 * `time`, ties to the greater `id`), the earliest payment dates the paid bucket, a dossier is paid
 * online when any payment was online, completed on time when `completedAt <= dueAt` (the completed
 * event's due date, else the winning received one's, none known = on time). Counted per Vietnam
 * month (UTC+7) and in total. Only a compact state per dossier is kept, not the events.
 *
 * Instants are compared as epoch milliseconds: the simulator writes millisecond precision.
 */

export const COUNTERS = ['received', 'receivedOnline', 'completed', 'completedOnTime', 'paid', 'paidOnline', 'withdrawn'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

export const zeroCounts = (): Counts => ({ received: 0, receivedOnline: 0, completed: 0, completedOnTime: 0, paid: 0, paidOnline: 0, withdrawn: 0 });

interface Stamp {
  time: number;
  id: string;
}

interface DossierTruth {
  received: (Stamp & { at: number; online: boolean; dueAt: number | null }) | null;
  completed: (Stamp & { at: number; dueAt: number | null }) | null;
  firstPaidAt: number | null;
  paidOnline: boolean;
  withdrawn: (Stamp & { at: number }) | null;
}

interface RawEvent {
  id: string;
  type: string;
  time: string;
  subject: string;
  data: Record<string, unknown>;
}

export interface ExpectedCounts {
  /** Non-empty lines of the file: the messages replayed. */
  lines: number;
  /** Lines that are not an event (none when SIMULATOR_INVALID_RATE=0). */
  unparsable: number;
  byType: Record<string, number>;
  /** Distinct dossiers (subjects), and those with a received event. */
  dossiers: number;
  dossiersReceived: number;
  total: Counts;
  byMonth: Map<string, Counts>;
}

const HOUR_MS = 3_600_000;
const vietnamMonth = (epochMs: number) => new Date(epochMs + 7 * HOUR_MS).toISOString().slice(0, 7);
const instant = (text: unknown): number | null => (typeof text === 'string' ? Date.parse(text) : null);

function wins(candidate: Stamp, current: Stamp | null): boolean {
  if (current === null) return true;
  if (candidate.time !== current.time) return candidate.time > current.time;
  return candidate.id > current.id;
}

export async function expectedCountsOf(file: string): Promise<ExpectedCounts> {
  const dossiers = new Map<string, DossierTruth>();
  const byType: Record<string, number> = {};
  let lines = 0;
  let unparsable = 0;
  for await (const line of ndjsonLines(file)) {
    lines += 1;
    let event: RawEvent;
    try {
      event = JSON.parse(line) as RawEvent;
    } catch {
      unparsable += 1;
      continue;
    }
    const kind = /\.dossier\.(\w+)\.v1$/.exec(event.type)?.[1] ?? 'unknown';
    byType[kind] = (byType[kind] ?? 0) + 1;
    let truth = dossiers.get(event.subject);
    if (!truth) {
      truth = { received: null, completed: null, firstPaidAt: null, paidOnline: false, withdrawn: null };
      dossiers.set(event.subject, truth);
    }
    const stamp: Stamp = { time: Date.parse(event.time), id: event.id };
    const data = event.data;
    switch (kind) {
      case 'received':
        if (wins(stamp, truth.received)) {
          truth.received = { ...stamp, at: instant(data.receivedAt)!, online: data.channel === 'online', dueAt: instant(data.dueAt) };
        }
        break;
      case 'completed':
        if (wins(stamp, truth.completed)) truth.completed = { ...stamp, at: instant(data.completedAt)!, dueAt: instant(data.dueAt) };
        break;
      case 'paid': {
        const paidAt = instant(data.paidAt)!;
        if (truth.firstPaidAt === null || paidAt < truth.firstPaidAt) truth.firstPaidAt = paidAt;
        if (data.method === 'online') truth.paidOnline = true;
        break;
      }
      case 'withdrawn':
        if (wins(stamp, truth.withdrawn)) truth.withdrawn = { ...stamp, at: instant(data.withdrawnAt)! };
        break;
      default:
        unparsable += 1;
    }
  }

  const total = zeroCounts();
  const byMonth = new Map<string, Counts>();
  const add = (epochMs: number, counter: Counter, amount = 1) => {
    if (amount === 0) return;
    const month = vietnamMonth(epochMs);
    let counts = byMonth.get(month);
    if (!counts) byMonth.set(month, (counts = zeroCounts()));
    counts[counter] += amount;
    total[counter] += amount;
  };
  let dossiersReceived = 0;
  for (const truth of dossiers.values()) {
    if (truth.received) {
      dossiersReceived += 1;
      add(truth.received.at, 'received');
      add(truth.received.at, 'receivedOnline', truth.received.online ? 1 : 0);
    }
    if (truth.completed) {
      const dueAt = truth.completed.dueAt ?? truth.received?.dueAt ?? null;
      add(truth.completed.at, 'completed');
      add(truth.completed.at, 'completedOnTime', dueAt === null || truth.completed.at <= dueAt ? 1 : 0);
    }
    if (truth.firstPaidAt !== null) {
      add(truth.firstPaidAt, 'paid');
      add(truth.firstPaidAt, 'paidOnline', truth.paidOnline ? 1 : 0);
    }
    if (truth.withdrawn) add(truth.withdrawn.at, 'withdrawn');
  }
  return { lines, unparsable, byType, dossiers: dossiers.size, dossiersReceived, total, byMonth };
}

/** Non-empty lines of a file, read in 1 MB chunks. */
async function* ndjsonLines(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      const line = text.slice(start, end).trim();
      if (line) yield line;
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest.trim()) yield rest.trim();
}

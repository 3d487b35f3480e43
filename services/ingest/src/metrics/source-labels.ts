import type { IHeaders } from 'kafkajs';
import { LIMITS } from '@dvc/contracts';
import { headerText } from '@dvc/messaging';

/**
 * How many distinct sources get their own `source` label on `dvc_ingest_events_total`.
 *
 * Every label value is a time series that Prometheus keeps for as long as the process lives (counters
 * never vanish), and the value comes from the event: anyone who can write to the public Kafka topic
 * can send any `source`, valid or not. Unbounded, a producer with a bug (a source per dossier, a
 * timestamp in the URI) would create series without end. A province connects a handful of one-stop
 * systems, so 50 leaves a wide margin: the first 50 distinct sources a process sees keep their name,
 * every later one is counted as `other` (the per-source truth is in `source_activity` and the DLQ).
 * Rejected events whose source cannot be read at all are counted as `unknown`.
 */
export const MAX_SOURCE_LABELS = 50;
export const OTHER_SOURCE = 'other';
export const UNKNOWN_SOURCE = 'unknown';

export class SourceLabels {
  private readonly named = new Set<string>();

  constructor(private readonly max: number = MAX_SOURCE_LABELS) {}

  /** The label for a source: its name while fewer than `max` names are taken, else `other`. */
  label(source: string | null | undefined): string {
    if (source == null || source === '') return UNKNOWN_SOURCE;
    if (this.named.has(source)) return source;
    if (this.named.size >= this.max) return OTHER_SOURCE;
    this.named.add(source);
    return source;
  }
}

/** Adds `count` under `key`. */
export function tally<K>(counts: Map<K, number>, key: K, count = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + count);
}

/**
 * The `source` of a rejected event, where it can be read: the binary mode's `ce_source` header, else
 * the `source` of a JSON object body; null when neither is a plausible source string.
 */
export function rejectedEventSource(value: Buffer | null, headers?: IHeaders): string | null {
  const fromHeader = headerText(headers?.ce_source);
  if (fromHeader !== undefined) return plausible(fromHeader);
  if (value == null || value.length === 0 || value.length > LIMITS.eventBytes) return null;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? plausible((parsed as { source?: unknown }).source) : null;
  } catch {
    return null;
  }
}

function plausible(source: unknown): string | null {
  return typeof source === 'string' && source.length > 0 && source.length <= LIMITS.source ? source : null;
}

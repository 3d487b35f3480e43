import type { CloudEventV1 } from '@dvc/contracts';
import type { Random } from '../model/random';

/** Why an event deviates from a clean, once-only, in-order stream. */
export type NoiseKind = 'duplicate' | 'correction' | 'out-of-order' | 'invalid';

export interface GeneratedEvent {
  event: CloudEventV1;
  /** Epoch milliseconds of the event's place in the clean stream: what live streaming waits for. */
  at: number;
  /** Set on events that are noise, for tests and summaries; not part of the event. */
  noise?: NoiseKind;
}

export interface DeliveryNoiseRates {
  /** Share of events sent a second time, identical, a few events later. */
  duplicate: number;
  /** Share of events held back and delivered a few events late. */
  outOfOrder: number;
  /** Share of events followed by a broken copy (with its own id) that ingest must reject. */
  invalid: number;
}

/** How many later events a delayed or re-sent event waits behind, at most. */
const MAX_DELAY_EVENTS = 50;

/**
 * What a real delivery path does to a clean stream: re-sends (at-least-once producers), reordering
 * (retries, several partitions) and the occasional broken event. Counted in events, not time, so
 * the same seed gives the same stream at any speed.
 */
export class DeliveryNoise {
  private readonly held: { releaseAfter: number; item: GeneratedEvent }[] = [];
  private readonly out: GeneratedEvent[] = [];
  private delivered = 0;

  constructor(
    private readonly rates: DeliveryNoiseRates,
    private readonly random: Random,
  ) {}

  /** The events to deliver now for one event of the clean stream; the array is reused by the next call. */
  accept(item: GeneratedEvent): GeneratedEvent[] {
    const out = this.out;
    out.length = 0;
    const random = this.random;
    if (this.rates.outOfOrder > 0 && random.chance(this.rates.outOfOrder)) {
      // A late correction keeps its label: what it says matters more than when it arrives.
      this.hold(item.noise ? item : { event: item.event, at: item.at, noise: 'out-of-order' });
    } else {
      this.deliver(item);
    }
    if (this.rates.duplicate > 0 && random.chance(this.rates.duplicate)) {
      this.hold({ event: item.event, at: item.at, noise: 'duplicate' });
    }
    if (this.rates.invalid > 0 && random.chance(this.rates.invalid)) {
      this.deliver({ event: breakEvent(item.event, random), at: item.at, noise: 'invalid' });
    }
    while (this.held.length > 0 && this.held[0].releaseAfter <= this.delivered) {
      this.deliver((this.held.shift() as { item: GeneratedEvent }).item);
    }
    return out;
  }

  /** Everything still held back, at the end of a finite stream. */
  drain(): GeneratedEvent[] {
    this.out.length = 0;
    for (const { item } of this.held.splice(0)) this.deliver(item);
    return this.out;
  }

  private deliver(item: GeneratedEvent): void {
    this.out.push(item);
    this.delivered++;
  }

  private hold(item: GeneratedEvent): void {
    const releaseAfter = this.delivered + this.random.int(1, MAX_DELAY_EVENTS);
    let i = this.held.length;
    while (i > 0 && this.held[i - 1].releaseAfter > releaseAfter) i--;
    this.held.splice(i, 0, { releaseAfter, item });
  }
}

const BREAKS: ((event: CloudEventV1) => void)[] = [
  (e) => (e.time = e.time.slice(0, 23)), // no offset: RFC 3339 requires one
  (e) => (e.subject = `${e.subject}-X`), // subject no longer equals data.dossierCode
  (e) => (e.type = 'vn.gov.dvc.dossier.archived.v1'),
  (e) => (e.data = { ...e.data, agency: { ...e.data.agency, level: 'county' as never } }),
  (e) => (e.data = { ...e.data, procedure: undefined as never }),
  (e) => (e.specversion = '0.3'),
];

/** A copy of `event` that breaks the contract in one way, under its own id. */
export function breakEvent(event: CloudEventV1, random: Random): CloudEventV1 {
  const copy: CloudEventV1 = { ...event, id: `${event.id}:invalid`, data: { ...event.data } };
  random.pick(BREAKS)(copy);
  return copy;
}

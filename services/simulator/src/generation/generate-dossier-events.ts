import { buildProvinceModel, ProvinceModel } from '../model/province-model';
import { Random } from '../model/random';
import { Arrival, historicalArrivals, liveArrivals } from './arrivals';
import { DeliveryNoise, DeliveryNoiseRates, GeneratedEvent } from './delivery-noise';
import { DossierCodes } from './dossier-codes';
import { DEFAULT_LIFECYCLE, expectedEventsPerDossier, LifecycleRates, planDossier, ScheduledEvent } from './dossier-lifecycle';
import { EventFactory } from './event-factory';
import { MinHeap } from './min-heap';
import { compressedCalendar, DAY_MS, parseVietnamDay, vietnamMidnight, workingDayCalendar } from './vietnam-clock';

export interface NoiseRates extends DeliveryNoiseRates {
  /** Share of dossiers whose reception is corrected by a later `received` event. */
  correction: number;
}

/** Most dossiers simulated silently before a live stream starts, whatever the rate and time scale. */
const MAX_WARMUP_DOSSIERS = 100_000;

export const DEFAULT_NOISE: NoiseRates = { duplicate: 0.01, correction: 0.005, outOfOrder: 0.01, invalid: 0 };

export interface LiveOptions {
  /** Event times start here (epoch ms); earlier warm-up events are computed but not yielded. */
  startMs: number;
  /** Target rate of yielded events per second of event time. */
  eventsPerSecond: number;
  /** Simulated time per real time for processing durations (1440: a working day in about a minute). */
  timeScale?: number;
  /**
   * Dossiers received this long before `startMs` complete during the run, so completions flow from
   * the first second; default one simulated month, at most 100,000 dossiers' worth.
   */
  warmupMs?: number;
}

export interface GenerateOptions {
  /** Same seed, same province, same events. Default 1. */
  seed?: number;
  provinceCode?: string;
  /** A model built beforehand (its own seed then decides agencies and procedures). */
  model?: ProvinceModel;
  /** Historical mode: exactly this many dossiers received over [from, to] (default 10,000). */
  dossiers?: number;
  /** First and last Vietnamese day of the period, `YYYY-MM-DD`, inclusive; default the year 2025. */
  from?: string;
  to?: string;
  /** Live mode instead of historical: an endless stream paced by event time. */
  live?: LiveOptions;
  noise?: Partial<NoiseRates>;
  lifecycle?: Partial<Omit<LifecycleRates, 'correction'>>;
}

/**
 * The province's event stream in delivery order: pure and deterministic from the seed. Historical
 * mode ends after the last day (events due later are not yet known then); live mode never ends.
 * Memory is bounded by the dossiers in flight (the heap), not by the number of events.
 */
export function* generateDossierEvents(options: GenerateOptions = {}): Generator<GeneratedEvent> {
  const seed = options.seed ?? 1;
  const model = options.model ?? buildProvinceModel({ seed, provinceCode: options.provinceCode });
  const noise: NoiseRates = { ...DEFAULT_NOISE, ...options.noise };
  const rates: LifecycleRates = { ...DEFAULT_LIFECYCLE, ...options.lifecycle, correction: noise.correction };
  const root = new Random(seed);
  const plan = root.fork('lifecycle');
  const delivery = new DeliveryNoise(noise, root.fork('delivery'));
  const factory = new EventFactory(model.source);
  const live = options.live;
  const calendar = live ? compressedCalendar(live.timeScale ?? 1440) : workingDayCalendar;
  const codes = new DossierCodes(live !== undefined);

  let arrivals: Iterator<Arrival>;
  let emitFromMs = -Infinity;
  let endMs = Infinity;
  if (live) {
    const scale = live.timeScale ?? 1440;
    const perDossier = expectedEventsPerDossier(model, rates) * (1 + noise.duplicate + noise.invalid);
    const dossiersPerSecond = live.eventsPerSecond / perDossier;
    // A month of processing at real speed would mean millions of silent dossiers before the first event.
    const warmupMs = Math.min(live.warmupMs ?? (31 * DAY_MS) / scale, (MAX_WARMUP_DOSSIERS / dossiersPerSecond) * 1000);
    emitFromMs = live.startMs;
    arrivals = liveArrivals(model, live.startMs - warmupMs, dossiersPerSecond, root.fork('arrivals'));
  } else {
    const firstDay = parseVietnamDay(options.from ?? '2025-01-01');
    const lastDay = parseVietnamDay(options.to ?? '2025-12-31');
    if (lastDay < firstDay) throw new Error(`the period ends (${options.to}) before it starts (${options.from})`);
    endMs = vietnamMidnight(lastDay + 1) - 1;
    arrivals = historicalArrivals(model, options.dossiers ?? 10_000, firstDay, lastDay, root.fork('arrivals'));
  }

  const pending = new MinHeap<ScheduledEvent>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));
  let order = 0;
  const schedule = (event: ScheduledEvent) => {
    event.order = order++;
    if (event.at <= endMs) pending.push(event);
  };
  for (let next = arrivals.next(); !next.done; next = arrivals.next()) {
    const arrival = next.value;
    // Everything due before this dossier arrives goes out first, so the clean stream is in time order.
    let head = pending.peek();
    while (head !== undefined && head.at <= arrival.receivedMs) {
      pending.pop();
      if (head.at >= emitFromMs) yield* delivery.accept(clean(head));
      head = pending.peek();
    }
    planDossier(arrival, codes.next(arrival.offering.agency.code, arrival.receivedMs), model, rates, calendar, plan, schedule);
  }
  for (let head = pending.pop(); head !== undefined; head = pending.pop()) {
    if (head.at >= emitFromMs) yield* delivery.accept(clean(head));
  }
  yield* delivery.drain();

  function clean(scheduled: ScheduledEvent): GeneratedEvent {
    const event = factory.build(scheduled);
    return scheduled.revision > 1 ? { event, at: scheduled.at, noise: 'correction' } : { event, at: scheduled.at };
  }
}

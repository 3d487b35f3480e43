import type { Channel, CompletionOutcome, DossierEventKind, PaymentMethod } from '@dvc/contracts';
import type { Offering, ProvinceModel } from '../model/province-model';
import type { Random } from '../model/random';
import type { Arrival } from './arrivals';
import { DAY_MS, HOUR_MS, MINUTE_MS, ProcessingCalendar } from './vietnam-clock';

export interface LifecycleRates {
  /** Share of dossiers the applicant withdraws before completion. */
  withdrawal: number;
  /** Share of the rest still in progress for ever (lost, pending supplements). */
  stuck: number;
  /** Share of fee-charging dossiers with a recorded payment (the others are exempt). */
  payment: number;
  /** Share of dossiers whose reception is corrected later (another channel or agency). */
  correction: number;
}

export const DEFAULT_LIFECYCLE: LifecycleRates = { withdrawal: 0.01, stuck: 0.02, payment: 0.97, correction: 0.005 };

/** What a dossier is recorded as from a moment on (its reception, or a correction of it). */
export interface Attribution {
  offering: Offering;
  channel: Channel;
}

export interface Dossier {
  code: string;
  receivedMs: number;
  dueMs: number;
  received: Attribution;
  correction: (Attribution & { atMs: number }) | null;
}

/** One future event of a dossier, waiting in the heap until its time comes. */
export interface ScheduledEvent {
  at: number;
  /** Tie-break for equal times: scheduling order, so the output never depends on heap internals. */
  order: number;
  kind: DossierEventKind;
  dossier: Dossier;
  /** 2 for the correcting `received` event. */
  revision: number;
  outcome: CompletionOutcome | null;
  method: PaymentMethod | null;
}

/** Receives a dossier's events as they are decided; gives them their `order`. */
export type Schedule = (event: ScheduledEvent) => void;

function scheduled(at: number, kind: DossierEventKind, dossier: Dossier, extra?: Partial<ScheduledEvent>): ScheduledEvent {
  return { at, order: 0, kind, dossier, revision: 1, outcome: null, method: null, ...extra };
}

/**
 * Decides a dossier's whole story at reception: correction, payment, withdrawal or completion (on
 * time for most, late at the agency's late share). Times of processing fall in office hours.
 */
export function planDossier(
  arrival: Arrival,
  code: string,
  model: ProvinceModel,
  rates: LifecycleRates,
  calendar: ProcessingCalendar,
  random: Random,
  schedule: Schedule,
): void {
  const { offering, channel, receivedMs } = arrival;
  const procedure = offering.procedure;
  const dossier: Dossier = {
    code,
    receivedMs,
    dueMs: calendar.dueAt(receivedMs, procedure.days),
    received: { offering, channel },
    correction: null,
  };
  schedule(scheduled(receivedMs, 'received', dossier));

  if (random.chance(rates.correction)) {
    const atMs = calendar.toOfficeHours(receivedMs + calendar.span(random.between(10 * MINUTE_MS, 2 * DAY_MS)));
    dossier.correction = { atMs, ...corrected(dossier.received, model, random) };
    schedule(scheduled(atMs, 'received', dossier, { revision: 2 }));
  }
  if (procedure.feeVnd > 0 && random.chance(rates.payment)) {
    const online = channel === 'online' ? random.chance(0.75) : random.chance(0.05);
    const delay = channel === 'online' ? random.between(MINUTE_MS, 2 * HOUR_MS) : random.between(2 * MINUTE_MS, 20 * MINUTE_MS);
    schedule(scheduled(receivedMs + calendar.span(delay), 'paid', dossier, { method: online ? 'online' : 'offline' }));
  }
  const span = dossier.dueMs - receivedMs;
  if (random.chance(rates.withdrawal)) {
    schedule(scheduled(receivedMs + span * random.between(0.05, 0.8), 'withdrawn', dossier));
  } else if (!random.chance(rates.stuck)) {
    const late = random.chance(offering.agency.lateShare);
    const raw = late
      ? dossier.dueMs + calendar.span(HOUR_MS + random.exponential(4 * DAY_MS))
      : receivedMs + span * random.between(0.15, 0.98);
    schedule(scheduled(calendar.toOfficeHours(raw), 'completed', dossier, { outcome: drawOutcome(random) }));
  }
}

function corrected(original: Attribution, model: ProvinceModel, random: Random): Attribution {
  const peers = model.agenciesByHandler.get(original.offering.agency.handler) ?? [];
  if (peers.length > 1 && random.chance(0.5)) {
    let agency = random.pick(peers);
    while (agency === original.offering.agency) agency = random.pick(peers);
    return { offering: { ...original.offering, agency }, channel: original.channel };
  }
  return { offering: original.offering, channel: original.channel === 'online' ? 'in_person' : 'online' };
}

function drawOutcome(random: Random): CompletionOutcome {
  const u = random.next();
  return u < 0.95 ? 'approved' : u < 0.98 ? 'returned' : 'rejected';
}

/** Events a dossier produces on average (before delivery noise), to turn events/s into dossiers/s. */
export function expectedEventsPerDossier(model: ProvinceModel, rates: LifecycleRates): number {
  let feeWeight = 0;
  for (const o of model.offerings) if (o.procedure.feeVnd > 0) feeWeight += o.weight;
  const feeShare = feeWeight / model.offeringTable.total;
  const ends = rates.withdrawal + (1 - rates.withdrawal) * (1 - rates.stuck);
  return 1 + rates.correction + feeShare * rates.payment + ends;
}

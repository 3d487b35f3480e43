import type { Channel, DossierEvent, Instant } from '@dvc/contracts';

/** Identifies the event a fact came from; orders competing events. */
export interface EventStamp {
  time: Instant;
  id: string;
  source: string;
}

export interface Attribution {
  agencyCode: string;
  procedureCode: string;
}

export interface ReceivedFact extends EventStamp, Attribution {
  channel: Channel;
  receivedAt: Instant;
  dueAt: Instant | null;
}

export interface CompletedFact extends EventStamp, Attribution {
  completedAt: Instant;
  dueAt: Instant | null;
}

export interface PaymentFact extends EventStamp, Attribution {
  paidAt: Instant;
}

export interface WithdrawnFact extends EventStamp, Attribution {
  withdrawnAt: Instant;
}

/**
 * What is known of one dossier: for each kind of event, the one that currently wins. Everything the
 * buckets count is derived from this, so applying the same event twice, or events in any order,
 * ends in the same state.
 */
export interface DossierState {
  received: ReceivedFact | null;
  completed: CompletedFact | null;
  /** The payment with the earliest `paidAt`: it decides the paid bucket. */
  firstPayment: PaymentFact | null;
  /** Whether any payment of the dossier was made online. */
  paidOnline: boolean;
  withdrawn: WithdrawnFact | null;
}

export const EMPTY_DOSSIER_STATE: DossierState = Object.freeze({
  received: null,
  completed: null,
  firstPayment: null,
  paidOnline: false,
  withdrawn: null,
});

/**
 * Whether `candidate` supersedes `current`: the later `time` wins, ties go to the greater `id`. The
 * contract leaves equal `time` and `id` from two different sources open; the greater `source` decides
 * so that the outcome never depends on arrival order.
 */
export function supersedes(candidate: EventStamp, current: EventStamp): boolean {
  if (candidate.time !== current.time) return candidate.time > current.time;
  if (candidate.id !== current.id) return candidate.id > current.id;
  return candidate.source > current.source;
}

function stampOf(event: DossierEvent): EventStamp & Attribution {
  return {
    time: event.time,
    id: event.id,
    source: event.source,
    agencyCode: event.agency.code,
    procedureCode: event.procedure.code,
  };
}

function latest<T extends EventStamp>(current: T | null, candidate: T): T | null {
  return current === null || supersedes(candidate, current) ? candidate : current;
}

function earlierPayment(current: PaymentFact | null, candidate: PaymentFact): PaymentFact | null {
  if (current === null || candidate.paidAt < current.paidAt) return candidate;
  if (candidate.paidAt === current.paidAt && supersedes(candidate, current)) return candidate;
  return current;
}

/**
 * The state after `event`: pure, and the same whatever order the events come in. Returns `state`
 * itself when the event changes nothing (a re-sent or superseded event), so callers can tell by identity.
 */
export function applyEvent(state: DossierState, event: DossierEvent): DossierState {
  const stamp = stampOf(event);
  switch (event.kind) {
    case 'received': {
      const received = latest(state.received, {
        ...stamp,
        channel: event.channel,
        receivedAt: event.receivedAt,
        dueAt: event.dueAt,
      });
      return received === state.received ? state : { ...state, received };
    }
    case 'completed': {
      const completed = latest(state.completed, { ...stamp, completedAt: event.completedAt, dueAt: event.dueAt });
      return completed === state.completed ? state : { ...state, completed };
    }
    case 'paid': {
      const firstPayment = earlierPayment(state.firstPayment, { ...stamp, paidAt: event.paidAt });
      const paidOnline = state.paidOnline || event.method === 'online';
      return firstPayment === state.firstPayment && paidOnline === state.paidOnline
        ? state
        : { ...state, firstPayment, paidOnline };
    }
    case 'withdrawn': {
      const withdrawn = latest(state.withdrawn, { ...stamp, withdrawnAt: event.withdrawnAt });
      return withdrawn === state.withdrawn ? state : { ...state, withdrawn };
    }
  }
}

/**
 * On time when completed no later than due; the due date comes from the completed event, else from
 * the winning received event; with none known the dossier counts as on time (event-contract.md).
 */
export function isCompletedOnTime(state: DossierState): boolean | null {
  if (!state.completed) return null;
  const dueAt = state.completed.dueAt ?? state.received?.dueAt ?? null;
  return dueAt === null || state.completed.completedAt <= dueAt;
}

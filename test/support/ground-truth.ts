import type { RawEvent } from './scenario';

export interface ExpectedCounts {
  received: number;
  receivedOnline: number;
  completed: number;
  completedOnTime: number;
  paid: number;
  paidOnline: number;
  withdrawn: number;
}

const ms = (text: string) => Date.parse(text);
/** Month in Vietnam (UTC+7, no daylight saving). */
const vietnamMonth = (text: string) => new Date(ms(text) + 7 * 3_600_000).toISOString().slice(0, 7);

function winner(events: RawEvent[]): RawEvent | undefined {
  return [...events].sort((a, b) => ms(b.time) - ms(a.time) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))[0];
}

/** What the contract says wins for one dossier: the events its state must name, whatever order they came in. */
export interface ExpectedDossier {
  received?: RawEvent;
  completed?: RawEvent;
  /** The payment with the earliest `paidAt` (ties: the later `time`, then the greater `id`): it dates the paid bucket. */
  firstPayment?: RawEvent;
  /** Whether any payment was made online. */
  paidOnline: boolean;
  withdrawn?: RawEvent;
}

/**
 * Per dossier, the winning events, written again from the contract's text and independently of `libs/domain`:
 * an event re-sent with the same `source` and `id` counts once; the latest received and completed events win; the
 * first payment dates the paid bucket.
 */
export function expectedDossiers(events: Iterable<RawEvent>): Map<string, ExpectedDossier> {
  const byDossier = new Map<string, RawEvent[]>();
  for (const event of events) {
    const list = byDossier.get(event.subject) ?? [];
    if (!list.some((other) => other.id === event.id && other.source === event.source)) list.push(event);
    byDossier.set(event.subject, list);
  }
  const dossiers = new Map<string, ExpectedDossier>();
  for (const [code, dossierEvents] of byDossier) {
    const ofType = (suffix: string) => dossierEvents.filter((event) => event.type.endsWith(`.${suffix}.v1`));
    const payments = ofType('paid').sort((a, b) => ms(a.data.paidAt as string) - ms(b.data.paidAt as string));
    const earliest = payments.filter((payment) => ms(payment.data.paidAt as string) === ms(payments[0].data.paidAt as string));
    dossiers.set(code, {
      received: winner(ofType('received')),
      completed: winner(ofType('completed')),
      firstPayment: winner(earliest),
      paidOnline: payments.some((payment) => payment.data.method === 'online'),
      withdrawn: winner(ofType('withdrawn')),
    });
  }
  return dossiers;
}

/** The contract's meaning: counts per (Vietnam month, agency, procedure) of the dossiers' winning events. */
export function groundTruth(events: Iterable<RawEvent>): Map<string, ExpectedCounts> {
  const buckets = new Map<string, ExpectedCounts>();
  const bucket = (month: string, data: Record<string, unknown>) => {
    const key = `${month}|${(data.agency as { code: string }).code}|${(data.procedure as { code: string }).code}`;
    let counts = buckets.get(key);
    if (!counts) {
      counts = { received: 0, receivedOnline: 0, completed: 0, completedOnTime: 0, paid: 0, paidOnline: 0, withdrawn: 0 };
      buckets.set(key, counts);
    }
    return counts;
  };
  for (const { received, completed, firstPayment, paidOnline, withdrawn } of expectedDossiers(events).values()) {
    if (received) {
      const counts = bucket(vietnamMonth(received.data.receivedAt as string), received.data);
      counts.received += 1;
      if (received.data.channel === 'online') counts.receivedOnline += 1;
    }
    if (completed) {
      const counts = bucket(vietnamMonth(completed.data.completedAt as string), completed.data);
      counts.completed += 1;
      const due = (completed.data.dueAt ?? received?.data.dueAt) as string | undefined;
      if (due === undefined || ms(completed.data.completedAt as string) <= ms(due)) counts.completedOnTime += 1;
    }
    if (firstPayment) {
      const counts = bucket(vietnamMonth(firstPayment.data.paidAt as string), firstPayment.data);
      counts.paid += 1;
      if (paidOnline) counts.paidOnline += 1;
    }
    if (withdrawn) bucket(vietnamMonth(withdrawn.data.withdrawnAt as string), withdrawn.data).withdrawn += 1;
  }
  return buckets;
}

export function sumCounts(counts: Iterable<ExpectedCounts>): ExpectedCounts {
  const total: ExpectedCounts = { received: 0, receivedOnline: 0, completed: 0, completedOnTime: 0, paid: 0, paidOnline: 0, withdrawn: 0 };
  for (const item of counts) for (const key of Object.keys(total) as Array<keyof ExpectedCounts>) total[key] += item[key];
  return total;
}

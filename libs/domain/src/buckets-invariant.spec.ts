import { DossierEvent } from '@dvc/contracts';
import { BucketDelta, BucketDeltas, compareBucketKeys, contributionsOf, COUNTER_NAMES } from './buckets';
import { applyEvent, DossierState, EMPTY_DOSSIER_STATE } from './dossier-state';
import { eventBuilders, KET_HON, MY_HAO, mulberry32, row, shuffled } from './testing/dossier-events';

// The aggregator's invariant over seeded orders and batchings of three dossiers' events. Fixtures:
// ./testing/dossier-events.ts.

const { received, completed, paid, withdrawn } = eventBuilders({ applicantType: null, outcome: null });

describe("the aggregator's invariant: per-batch deltas add up to the final states' contributions", () => {
  const D1 = '000.00.17.H31-250304-0012';
  const D2 = '000.00.17.H31-250305-0031';
  const D3 = '000.00.18.H31-250303-0007';
  const events: DossierEvent[] = [
    // D1: a received event and its correction to Mỹ Hào, a completion and its (late) correction, two payments
    received({ dossier: D1, id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel: 'in_person', receivedAt: '2025-03-04T08:30:00', dueAt: '2025-03-10T17:00:00' }),
    received({ dossier: D1, id: 'motcua-hy-000102', time: '2025-03-04T09:10:00', channel: 'online', receivedAt: '2025-03-03T16:45:00', dueAt: '2025-03-07T17:00:00', agency: MY_HAO }),
    completed({ dossier: D1, id: 'motcua-hy-000103', time: '2025-03-07T10:15:00', completedAt: '2025-03-07T10:15:00' }),
    completed({ dossier: D1, id: 'motcua-hy-000104', time: '2025-03-08T09:00:00', completedAt: '2025-03-07T18:00:00', agency: MY_HAO }),
    paid({ dossier: D1, id: 'motcua-hy-000105', time: '2025-03-04T08:45:00', paidAt: '2025-03-04T08:45:00', method: 'offline' }),
    paid({ dossier: D1, id: 'motcua-hy-000106', time: '2025-03-05T10:00:00', paidAt: '2025-03-05T10:00:00', method: 'online', agency: MY_HAO }),
    // D2: two received events tied on time (the greater id wins), a withdrawal, a payment
    received({ dossier: D2, id: 'motcua-hy-000201', time: '2025-03-05T14:00:00', channel: 'in_person', receivedAt: '2025-03-05T14:00:00', procedure: KET_HON }),
    received({ dossier: D2, id: 'motcua-hy-000202', time: '2025-03-05T14:00:00', channel: 'postal', receivedAt: '2025-03-05T13:55:00' }),
    withdrawn({ dossier: D2, id: 'motcua-hy-000203', time: '2025-03-06T09:00:00', withdrawnAt: '2025-03-06T09:00:00' }),
    paid({ dossier: D2, id: 'motcua-hy-000204', time: '2025-03-05T14:05:00', paidAt: '2025-03-05T14:05:00', method: 'offline' }),
    // D3: shares D1's corrected buckets; completed on time against the received dueAt
    received({ dossier: D3, id: 'motcua-mh-000301', time: '2025-03-03T10:00:00', channel: 'online', receivedAt: '2025-03-03T10:00:00', dueAt: '2025-03-07T17:00:00', agency: MY_HAO }),
    completed({ dossier: D3, id: 'motcua-mh-000302', time: '2025-03-07T09:00:00', completedAt: '2025-03-07T09:00:00', agency: MY_HAO }),
  ];
  // re-sends of a few of them
  const withResends = [...events, structuredClone(events[0]), structuredClone(events[3]), structuredClone(events[8]), structuredClone(events[11])];

  // Worked out by hand from the contract's rules.
  const expectedTotals = [
    row('2025-03-03', '000.00.18.H31', '1.001612', { received: 2, receivedOnline: 2 }),
    row('2025-03-04', '000.00.17.H31', '1.001612', { paid: 1, paidOnline: 1 }),
    row('2025-03-05', '000.00.17.H31', '1.001612', { received: 1, paid: 1 }),
    row('2025-03-06', '000.00.17.H31', '1.001612', { withdrawn: 1 }),
    row('2025-03-07', '000.00.18.H31', '1.001612', { completed: 2, completedOnTime: 1 }),
  ];

  /** Sums bucket rows by key, drops all-zero rows, sorts by key. */
  function sum(rows: Iterable<BucketDelta>): BucketDelta[] {
    const byKey = new Map<string, BucketDelta>();
    for (const r of rows) {
      const key = `${r.day}\u0000${r.agencyCode}\u0000${r.procedureCode}`;
      const total = byKey.get(key) ?? row(r.day, r.agencyCode, r.procedureCode, {});
      for (const name of COUNTER_NAMES) total[name] += r[name];
      byKey.set(key, total);
    }
    return [...byKey.values()].filter((r) => COUNTER_NAMES.some((name) => r[name] !== 0)).sort(compareBucketKeys);
  }

  /** Applies `batches` the way the aggregator does, returning the summed deltas and the final states. */
  function aggregate(batches: DossierEvent[][]): { totals: BucketDelta[]; states: Map<string, DossierState>; problems: string[] } {
    const states = new Map<string, DossierState>();
    const written: BucketDelta[] = [];
    const problems: string[] = [];
    for (const batch of batches) {
      const after = new Map<string, DossierState>();
      for (const event of batch) {
        const current = after.get(event.dossierCode) ?? states.get(event.dossierCode) ?? EMPTY_DOSSIER_STATE;
        const next = applyEvent(current, event);
        if (next !== current) after.set(event.dossierCode, next);
      }
      const deltas = new BucketDeltas();
      for (const [code, state] of after) deltas.addTransition(states.get(code) ?? EMPTY_DOSSIER_STATE, state);
      const list = deltas.toSortedList();
      for (let i = 1; i < list.length; i++) if (compareBucketKeys(list[i - 1], list[i]) >= 0) problems.push('unsorted or duplicate keys');
      if (list.some((d) => COUNTER_NAMES.every((name) => d[name] === 0))) problems.push('an all-zero row');
      written.push(...list.map((d) => ({ ...d })));
      for (const [code, state] of after) states.set(code, state);
    }
    return { totals: sum(written), states, problems };
  }

  it('holds with all events in one batch, and with one batch per event', () => {
    for (const batches of [[withResends], withResends.map((e) => [e])]) {
      const { totals, problems } = aggregate(batches);
      expect(problems).toEqual([]);
      expect(totals).toEqual(expectedTotals);
    }
  });

  it('holds for 500 seeded random orders split into random batches', () => {
    const random = mulberry32(0xd0c_2025);
    for (let run = 0; run < 500; run++) {
      const order = shuffled(withResends, random);
      const batches: DossierEvent[][] = [];
      for (let i = 0; i < order.length; ) {
        const size = 1 + Math.floor(random() * 5);
        batches.push(order.slice(i, i + size));
        i += size;
      }
      const { totals, states, problems } = aggregate(batches);
      expect(problems).toEqual([]);
      expect(totals).toEqual(expectedTotals);
      expect(totals).toEqual(sum([...states.values()].flatMap(contributionsOf)));
    }
  });
});

import { DossierEvent } from '@dvc/contracts';
import { DossierState } from './dossier-state';
import {
  applyAll,
  eventBuilders,
  HUNG_YEN,
  KET_HON,
  MY_HAO,
  mulberry32,
  permutations,
  QUOC_GIA,
  shuffled,
  totalsByBucket,
  VAN_LAM,
} from './testing/dossier-events';

// Order independence: every arrival order of a dossier's events ends in the same state and contributions.
// Fixtures: ./testing/dossier-events.ts.

const { received, completed, paid, withdrawn } = eventBuilders({ applicantType: 'citizen', outcome: 'approved' });

/** JSON with object keys sorted, so that equal values give equal strings. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v,
  );
}

/** The distinct (final state, buckets) outcomes over every arrival order of `events`. */
function outcomesOfEveryOrder(events: readonly DossierEvent[]): { outcomes: string[]; orders: number } {
  const outcomes = new Set<string>();
  let orders = 0;
  for (const order of permutations(events)) {
    const state = applyAll(order);
    outcomes.add(canonical([state, totalsByBucket(state)]));
    orders++;
  }
  return { outcomes: [...outcomes], orders };
}

describe('order independence: every arrival order ends in the same state and contributions', () => {
  // Set A: a received event and its correction, a completion and its correction, two payments, a re-send.
  const a = {
    r1: received({ id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel: 'in_person', receivedAt: '2025-03-04T08:30:00', dueAt: '2025-03-10T17:00:00' }),
    r2: received({ id: 'motcua-hy-000102', time: '2025-03-04T09:10:00', channel: 'online', receivedAt: '2025-03-03T16:45:00', dueAt: '2025-03-07T17:00:00', agency: MY_HAO }),
    c1: completed({ id: 'motcua-hy-000103', time: '2025-03-07T10:15:00', completedAt: '2025-03-07T10:15:00' }),
    c2: completed({ id: 'motcua-hy-000104', time: '2025-03-08T09:00:00', completedAt: '2025-03-07T18:00:00', agency: MY_HAO }),
    p1: paid({ id: 'motcua-hy-000105', time: '2025-03-04T08:45:00', paidAt: '2025-03-04T08:45:00', method: 'offline' }),
    p2: paid({ id: 'motcua-hy-000106', time: '2025-03-05T10:00:00', paidAt: '2025-03-05T10:00:00', method: 'online', agency: MY_HAO }),
  };
  const setA = [a.r1, a.r2, a.c1, a.c2, a.p1, a.p2, structuredClone(a.r1)];
  const expectedA: DossierState = {
    received: {
      time: '2025-03-04T02:10:00.000000000Z',
      id: 'motcua-hy-000102',
      source: HUNG_YEN,
      agencyCode: '000.00.18.H31',
      procedureCode: '1.001612',
      channel: 'online',
      receivedAt: '2025-03-03T09:45:00.000000000Z',
      dueAt: '2025-03-07T10:00:00.000000000Z',
    },
    completed: {
      time: '2025-03-08T02:00:00.000000000Z',
      id: 'motcua-hy-000104',
      source: HUNG_YEN,
      agencyCode: '000.00.18.H31',
      procedureCode: '1.001612',
      completedAt: '2025-03-07T11:00:00.000000000Z',
      dueAt: null,
    },
    firstPayment: {
      time: '2025-03-04T01:45:00.000000000Z',
      id: 'motcua-hy-000105',
      source: HUNG_YEN,
      agencyCode: '000.00.17.H31',
      procedureCode: '1.001612',
      paidAt: '2025-03-04T01:45:00.000000000Z',
    },
    paidOnline: true,
    withdrawn: null,
  };
  const totalsA = {
    '2025-03-03 000.00.18.H31 1.001612': { received: 1, receivedOnline: 1 },
    // completed at 18:00 on 03-07, after the corrected dueAt of 17:00: late
    '2025-03-07 000.00.18.H31 1.001612': { completed: 1 },
    '2025-03-04 000.00.17.H31 1.001612': { paid: 1, paidOnline: 1 },
  };

  // Set B: two received events tied on time, a withdrawal, two payments tied on paidAt, a re-send.
  const b = {
    rA: received({ id: 'motcua-hy-000201', time: '2025-03-05T14:00:00', channel: 'in_person', receivedAt: '2025-03-05T14:00:00', procedure: KET_HON }),
    rB: received({ id: 'motcua-hy-000202', time: '2025-03-05T14:00:00', channel: 'postal', receivedAt: '2025-03-05T13:55:00', dueAt: '2025-03-12T17:00:00' }),
    w: withdrawn({ id: 'motcua-hy-000203', time: '2025-03-06T09:00:00', withdrawnAt: '2025-03-06T09:00:00' }),
    pX: paid({ id: 'motcua-hy-000204', time: '2025-03-05T14:05:00', paidAt: '2025-03-05T14:05:00', method: 'offline' }),
    pY: paid({ id: 'motcua-hy-000205', time: '2025-03-05T14:06:00', paidAt: '2025-03-05T14:05:00', method: 'offline' }),
  };
  const setB = [b.rA, b.rB, b.w, b.pX, b.pY, structuredClone(b.rA)];
  const totalsB = {
    '2025-03-05 000.00.17.H31 1.001612': { received: 1, paid: 1 },
    '2025-03-06 000.00.17.H31 1.001612': { withdrawn: 1 },
  };

  // Set C: two sources tied on time and id, a withdrawal and its correction, payments from two sources.
  const c = {
    rQ: received({ id: 'G-7781', source: QUOC_GIA, time: '2025-03-10T08:00:00', channel: 'online', receivedAt: '2025-03-10T07:59:30', agency: VAN_LAM, procedure: KET_HON }),
    rH: received({ id: 'G-7781', source: HUNG_YEN, time: '2025-03-10T08:00:00', channel: 'in_person', receivedAt: '2025-03-10T08:00:00', agency: MY_HAO, procedure: KET_HON }),
    w1: withdrawn({ id: 'motcua-hy-000302', time: '2025-03-11T09:00:00', withdrawnAt: '2025-03-11T09:00:00', agency: MY_HAO, procedure: KET_HON }),
    w2: withdrawn({ id: 'motcua-hy-000303', time: '2025-03-12T08:00:00', withdrawnAt: '2025-03-12T07:45:00', agency: MY_HAO, procedure: KET_HON }),
    pOff: paid({ id: 'motcua-hy-000304', time: '2025-03-10T08:10:00', paidAt: '2025-03-10T08:10:00', method: 'offline', agency: MY_HAO, procedure: KET_HON }),
    pOn: paid({ id: 'G-7790', source: QUOC_GIA, time: '2025-03-10T20:00:00', paidAt: '2025-03-10T20:00:00', method: 'online', agency: MY_HAO, procedure: KET_HON }),
  };
  const setC = [c.rQ, c.rH, c.w1, c.w2, c.pOff, c.pOn, structuredClone(c.pOn)];
  const totalsC = {
    '2025-03-10 000.00.18.H31 1.000894': { received: 1, paid: 1, paidOnline: 1 },
    '2025-03-12 000.00.18.H31 1.000894': { withdrawn: 1 },
  };

  // Set D: a completion corrected by another agency, exactly at its own dueAt (on time, although the
  // received dueAt is a day earlier), re-sends of both.
  const d = {
    r: received({ id: 'motcua-hy-000401', time: '2025-03-10T08:00:00', channel: 'online', receivedAt: '2025-03-10T08:00:00', dueAt: '2025-03-13T17:00:00' }),
    c1: completed({ id: 'motcua-hy-000402', time: '2025-03-13T10:00:00', completedAt: '2025-03-13T10:00:00' }),
    c2: completed({ id: 'motcua-hy-000403', time: '2025-03-14T17:05:00', completedAt: '2025-03-14T17:00:00', dueAt: '2025-03-14T17:00:00', agency: MY_HAO }),
    p: paid({ id: 'motcua-hy-000404', time: '2025-03-10T08:05:00', paidAt: '2025-03-10T08:05:00', method: 'online' }),
  };
  const setD = [d.r, d.c1, d.c2, d.p, structuredClone(d.c2), structuredClone(d.r)];
  const totalsD = {
    '2025-03-10 000.00.17.H31 1.001612': { received: 1, receivedOnline: 1, paid: 1, paidOnline: 1 },
    '2025-03-14 000.00.18.H31 1.001612': { completed: 1, completedOnTime: 1 },
  };

  it(`set A: all ${7 * 6 * 5 * 4 * 3 * 2} orders give the hand-derived state and buckets`, () => {
    expect(applyAll(setA)).toEqual(expectedA);
    expect(totalsByBucket(expectedA)).toEqual(totalsA);
    const { outcomes, orders } = outcomesOfEveryOrder(setA);
    expect(orders).toBe(5040);
    expect(outcomes).toEqual([canonical([expectedA, totalsA])]);
  });

  it.each([
    ['B (ties on time and on paidAt, withdrawal)', setB, totalsB, { received: 'motcua-hy-000202', firstPayment: 'motcua-hy-000205' }],
    ['C (ties on source, corrected withdrawal)', setC, totalsC, { received: 'G-7781', withdrawn: 'motcua-hy-000303', firstPayment: 'motcua-hy-000304' }],
    ['D (corrected completion at its dueAt)', setD, totalsD, { received: 'motcua-hy-000401', completed: 'motcua-hy-000403', firstPayment: 'motcua-hy-000404' }],
  ] as Array<[string, DossierEvent[], object, Record<string, string>]>)('set %s: every order gives the same state and the hand-derived buckets', (_, set, totals, winners) => {
    const reference = applyAll(set);
    for (const [slot, id] of Object.entries(winners)) expect((reference as unknown as Record<string, { id: string }>)[slot].id).toBe(id);
    expect(totalsByBucket(reference)).toEqual(totals);
    expect(outcomesOfEveryOrder(set).outcomes).toEqual([canonical([reference, totals])]);
  });

  it('set C: the provincial report wins the tie with the national portal', () => {
    expect(applyAll(setC).received?.source).toBe(HUNG_YEN);
  });

  it('A and D together: 3,000 seeded shuffles of 13 events with re-sends give the hand-derived buckets', () => {
    const union = [...setA, ...setD];
    const totals = {
      // the latest received event is D's, of 2025-03-10
      '2025-03-10 000.00.17.H31 1.001612': { received: 1, receivedOnline: 1 },
      // the latest completed event is D's correction
      '2025-03-14 000.00.18.H31 1.001612': { completed: 1, completedOnTime: 1 },
      // the earliest paidAt is A's offline payment; later ones were online
      '2025-03-04 000.00.17.H31 1.001612': { paid: 1, paidOnline: 1 },
    };
    const random = mulberry32(0x5eed_2025);
    const reference = applyAll(union);
    expect(totalsByBucket(reference)).toEqual(totals);
    const outcomes = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const state = applyAll(shuffled(union, random));
      outcomes.add(canonical([state, totalsByBucket(state)]));
    }
    expect([...outcomes]).toEqual([canonical([reference, totals])]);
  });
});

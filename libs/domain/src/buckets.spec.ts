import {
  AgencyRef,
  Channel,
  DossierCompleted,
  DossierEvent,
  DossierPaid,
  DossierReceived,
  DossierWithdrawn,
  parseRfc3339,
  PaymentMethod,
  ProcedureRef,
} from '@dvc/contracts';
import { BucketCounters, BucketDelta, BucketDeltas, compareBucketKeys, contributionsOf, COUNTER_NAMES } from './buckets';
import { applyEvent, DossierState, EMPTY_DOSSIER_STATE } from './dossier-state';

// ---------------------------------------------------------------------------------------------------
// Fixtures: dossiers of two districts of Hưng Yên.

const HUNG_YEN = 'urn:dvc:motcua:hung-yen';
const DOSSIER = '000.00.17.H31-250304-0012';

const KHAI_SINH: ProcedureRef = { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' };
const KET_HON: ProcedureRef = { code: '1.000894', name: 'Đăng ký kết hôn', sector: 'Hộ tịch', onlineLevel: 'partial' };
const VAN_LAM: AgencyRef = { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' };
const MY_HAO: AgencyRef = { code: '000.00.18.H31', name: 'UBND thị xã Mỹ Hào', level: 'district', parentCode: '000.00.00.H31' };

/** Vietnam's wall-clock time `YYYY-MM-DDTHH:MM:SS` as a canonical UTC instant. */
const vn = (local: string) => parseRfc3339(`${local}+07:00`);

interface Common {
  id: string;
  time: string;
  dossier?: string;
  agency?: AgencyRef;
  procedure?: ProcedureRef;
}

function base(c: Common) {
  return {
    id: c.id,
    source: HUNG_YEN,
    time: vn(c.time),
    dossierCode: c.dossier ?? DOSSIER,
    procedure: c.procedure ?? KHAI_SINH,
    agency: c.agency ?? VAN_LAM,
    applicantType: null,
  };
}

function received(c: Common & { channel: Channel; receivedAt: string; dueAt?: string }): DossierReceived {
  return { ...base(c), kind: 'received', channel: c.channel, receivedAt: vn(c.receivedAt), dueAt: c.dueAt ? vn(c.dueAt) : null };
}

function completed(c: Common & { completedAt: string; dueAt?: string }): DossierCompleted {
  return { ...base(c), kind: 'completed', completedAt: vn(c.completedAt), dueAt: c.dueAt ? vn(c.dueAt) : null, outcome: null };
}

function paid(c: Common & { paidAt: string; method: PaymentMethod }): DossierPaid {
  return { ...base(c), kind: 'paid', paidAt: vn(c.paidAt), amountVnd: 8000, method: c.method };
}

function withdrawn(c: Common & { withdrawnAt: string }): DossierWithdrawn {
  return { ...base(c), kind: 'withdrawn', withdrawnAt: vn(c.withdrawnAt) };
}

const applyAll = (events: readonly DossierEvent[], from: DossierState = EMPTY_DOSSIER_STATE) => events.reduce(applyEvent, from);

/** A full bucket row: the given counters, all others 0. */
function row(day: string, agencyCode: string, procedureCode: string, counters: Partial<BucketCounters>): BucketDelta {
  return {
    day,
    agencyCode,
    procedureCode,
    received: 0,
    receivedOnline: 0,
    completed: 0,
    completedOnTime: 0,
    paid: 0,
    paidOnline: 0,
    withdrawn: 0,
    ...counters,
  };
}

function deltasOf(...transitions: Array<[DossierState, DossierState]>): BucketDelta[] {
  const deltas = new BucketDeltas();
  for (const [before, after] of transitions) deltas.addTransition(before, after);
  return deltas.toSortedList();
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------------

describe('contributionsOf', () => {
  it('is nothing for a dossier nothing is known of', () => {
    expect(contributionsOf(EMPTY_DOSSIER_STATE)).toEqual([]);
  });

  it.each([
    ['online', 1],
    ['in_person', 0],
    ['postal', 0],
  ] as Array<[Channel, number]>)('counts a dossier received %s on its Vietnamese day (receivedOnline %i)', (channel, online) => {
    const state = applyEvent(EMPTY_DOSSIER_STATE, received({ id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel, receivedAt: '2025-03-04T08:30:00' }));
    expect(contributionsOf(state)).toEqual([row('2025-03-04', '000.00.17.H31', '1.001612', { received: 1, receivedOnline: online })]);
  });

  it('puts 16:59:59.999999999Z on that UTC day and 17:00:00Z on the next', () => {
    const at = (receivedAt: string): DossierState => ({
      ...EMPTY_DOSSIER_STATE,
      received: {
        time: receivedAt,
        id: 'motcua-hy-000101',
        source: HUNG_YEN,
        agencyCode: VAN_LAM.code,
        procedureCode: KHAI_SINH.code,
        channel: 'online',
        receivedAt,
        dueAt: null,
      },
    });
    expect(contributionsOf(at('2025-03-04T16:59:59.999999999Z'))[0].day).toBe('2025-03-04');
    expect(contributionsOf(at('2025-03-04T17:00:00.000000000Z'))[0].day).toBe('2025-03-05');
    expect(contributionsOf(at('2024-12-31T17:00:00.000000000Z'))[0].day).toBe('2025-01-01');
  });

  it('counts a completion on its own day, attributed by the completed event', () => {
    const state = applyAll([
      received({ id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel: 'in_person', receivedAt: '2025-03-04T08:30:00', dueAt: '2025-03-10T17:00:00' }),
      completed({ id: 'motcua-hy-000102', time: '2025-03-07T10:15:00', completedAt: '2025-03-07T10:15:00', agency: MY_HAO, procedure: KET_HON }),
    ]);
    expect(contributionsOf(state)).toEqual(
      expect.arrayContaining([
        row('2025-03-04', '000.00.17.H31', '1.001612', { received: 1 }),
        row('2025-03-07', '000.00.18.H31', '1.000894', { completed: 1, completedOnTime: 1 }),
      ]),
    );
    expect(contributionsOf(state)).toHaveLength(2);
  });

  it('counts a late completion as completed but not on time', () => {
    const state = applyAll([
      received({ id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel: 'online', receivedAt: '2025-03-04T08:30:00', dueAt: '2025-03-06T17:00:00' }),
      completed({ id: 'motcua-hy-000102', time: '2025-03-07T10:15:00', completedAt: '2025-03-07T10:15:00' }),
    ]);
    expect(contributionsOf(state).filter((c) => c.completed === 1)).toEqual([row('2025-03-07', '000.00.17.H31', '1.001612', { completed: 1 })]);
  });

  it('counts a payment once, on the day of the first paidAt, online when any payment was', () => {
    const state = applyAll([
      paid({ id: 'motcua-hy-000104', time: '2025-03-05T10:00:00', paidAt: '2025-03-05T10:00:00', method: 'online' }),
      paid({ id: 'motcua-hy-000103', time: '2025-03-04T23:59:59', paidAt: '2025-03-04T23:59:59', method: 'offline' }),
    ]);
    expect(contributionsOf(state)).toEqual([row('2025-03-04', '000.00.17.H31', '1.001612', { paid: 1, paidOnline: 1 })]);
  });

  it('counts a withdrawal on its day, and the withdrawn dossier still as received', () => {
    const state = applyAll([
      withdrawn({ id: 'motcua-hy-000105', time: '2025-03-05T14:00:00', withdrawnAt: '2025-03-05T14:00:00' }),
      received({ id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel: 'online', receivedAt: '2025-03-04T08:30:00' }),
    ]);
    expect(contributionsOf(state)).toEqual(
      expect.arrayContaining([
        row('2025-03-04', '000.00.17.H31', '1.001612', { received: 1, receivedOnline: 1 }),
        row('2025-03-05', '000.00.17.H31', '1.001612', { withdrawn: 1 }),
      ]),
    );
    expect(contributionsOf(state)).toHaveLength(2);
  });
});

describe('BucketDeltas', () => {
  const original = received({ id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel: 'in_person', receivedAt: '2025-03-04T08:30:00', dueAt: '2025-03-10T17:00:00' });
  const correction = received({
    id: 'motcua-hy-000102',
    time: '2025-03-04T09:10:00',
    channel: 'online',
    receivedAt: '2025-03-03T16:45:00',
    dueAt: '2025-03-10T17:00:00',
    agency: MY_HAO,
  });

  it('is empty when nothing was recorded', () => {
    expect(new BucketDeltas().toSortedList()).toEqual([]);
  });

  it('adds a new dossier to its buckets', () => {
    expect(deltasOf([EMPTY_DOSSIER_STATE, applyEvent(EMPTY_DOSSIER_STATE, original)])).toEqual([
      row('2025-03-04', '000.00.17.H31', '1.001612', { received: 1 }),
    ]);
  });

  it('nets −1 in the old bucket and +1 in the new one when a correction moves the dossier', () => {
    const before = applyEvent(EMPTY_DOSSIER_STATE, original);
    const after = applyEvent(before, correction);
    expect(deltasOf([before, after])).toEqual([
      row('2025-03-03', '000.00.18.H31', '1.001612', { received: 1, receivedOnline: 1 }),
      row('2025-03-04', '000.00.17.H31', '1.001612', { received: -1 }),
    ]);
  });

  it('records nothing when the corrected event arrives after its correction', () => {
    const before = applyEvent(EMPTY_DOSSIER_STATE, correction);
    const after = applyEvent(before, original);
    expect(after).toBe(before);
    expect(deltasOf([before, after])).toEqual([]);
  });

  it('drops buckets whose counters all net to zero', () => {
    // the correction only changes the hour of reception, within the same day and bucket
    const before = applyEvent(EMPTY_DOSSIER_STATE, original);
    const sameBucket = received({ id: 'motcua-hy-000103', time: '2025-03-04T09:30:00', channel: 'in_person', receivedAt: '2025-03-04T09:00:00' });
    expect(deltasOf([before, applyEvent(before, sameBucket)])).toEqual([]);
  });

  it('keeps a bucket where only some counters change', () => {
    const before = applyEvent(EMPTY_DOSSIER_STATE, original);
    const channelOnly = received({ id: 'motcua-hy-000103', time: '2025-03-04T09:30:00', channel: 'online', receivedAt: '2025-03-04T08:30:00' });
    expect(deltasOf([before, applyEvent(before, channelOnly)])).toEqual([
      row('2025-03-04', '000.00.17.H31', '1.001612', { receivedOnline: 1 }),
    ]);
  });

  it('takes back an on-time completion when a received event with an earlier dueAt arrives after it', () => {
    const completion = completed({ id: 'motcua-hy-000104', time: '2025-03-07T10:15:00', completedAt: '2025-03-07T10:15:00' });
    const before = applyEvent(EMPTY_DOSSIER_STATE, completion); // no dueAt known: on time
    const dueEarlier = received({ id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel: 'online', receivedAt: '2025-03-04T08:30:00', dueAt: '2025-03-06T17:00:00' });
    expect(deltasOf([before, applyEvent(before, dueEarlier)])).toEqual([
      row('2025-03-04', '000.00.17.H31', '1.001612', { received: 1, receivedOnline: 1 }),
      row('2025-03-07', '000.00.17.H31', '1.001612', { completedOnTime: -1 }),
    ]);
  });

  it('leaves the completion alone when the late received event has a dueAt after it', () => {
    const completion = completed({ id: 'motcua-hy-000104', time: '2025-03-07T10:15:00', completedAt: '2025-03-07T10:15:00' });
    const before = applyEvent(EMPTY_DOSSIER_STATE, completion);
    const dueLater = received({ id: 'motcua-hy-000101', time: '2025-03-04T08:30:00', channel: 'online', receivedAt: '2025-03-04T08:30:00', dueAt: '2025-03-07T10:15:00' });
    expect(deltasOf([before, applyEvent(before, dueLater)])).toEqual([
      row('2025-03-04', '000.00.17.H31', '1.001612', { received: 1, receivedOnline: 1 }),
    ]);
  });

  it('moves the paid bucket when an earlier payment arrives late', () => {
    const later = paid({ id: 'motcua-hy-000106', time: '2025-03-05T10:00:00', paidAt: '2025-03-05T10:00:00', method: 'offline' });
    const earlier = paid({ id: 'motcua-hy-000105', time: '2025-03-04T08:45:00', paidAt: '2025-03-04T08:45:00', method: 'online' });
    const before = applyEvent(EMPTY_DOSSIER_STATE, later);
    expect(deltasOf([before, applyEvent(before, earlier)])).toEqual([
      row('2025-03-04', '000.00.17.H31', '1.001612', { paid: 1, paidOnline: 1 }),
      row('2025-03-05', '000.00.17.H31', '1.001612', { paid: -1 }),
    ]);
  });

  it('sums several dossiers sharing a bucket', () => {
    const first = applyEvent(EMPTY_DOSSIER_STATE, original);
    const second = applyEvent(
      EMPTY_DOSSIER_STATE,
      received({ id: 'motcua-hy-000201', dossier: '000.00.17.H31-250304-0013', time: '2025-03-04T10:00:00', channel: 'online', receivedAt: '2025-03-04T10:00:00' }),
    );
    expect(deltasOf([EMPTY_DOSSIER_STATE, first], [EMPTY_DOSSIER_STATE, second])).toEqual([
      row('2025-03-04', '000.00.17.H31', '1.001612', { received: 2, receivedOnline: 1 }),
    ]);
  });

  describe('toSortedList', () => {
    const state = (day: string, agency: AgencyRef, procedure: ProcedureRef, id: string) =>
      applyEvent(EMPTY_DOSSIER_STATE, received({ id, time: `${day}T10:00:00`, channel: 'online', receivedAt: `${day}T10:00:00`, agency, procedure }));
    const transitions: Array<[DossierState, DossierState]> = [
      [EMPTY_DOSSIER_STATE, state('2025-03-05', VAN_LAM, KHAI_SINH, 'a')],
      [EMPTY_DOSSIER_STATE, state('2025-03-04', MY_HAO, KHAI_SINH, 'b')],
      [EMPTY_DOSSIER_STATE, state('2025-03-04', VAN_LAM, KHAI_SINH, 'c')],
      [EMPTY_DOSSIER_STATE, state('2025-03-04', MY_HAO, KET_HON, 'd')],
      [EMPTY_DOSSIER_STATE, state('2025-03-04', VAN_LAM, KET_HON, 'e')],
    ];
    const expectedOrder = [
      ['2025-03-04', '000.00.17.H31', '1.000894'],
      ['2025-03-04', '000.00.17.H31', '1.001612'],
      ['2025-03-04', '000.00.18.H31', '1.000894'],
      ['2025-03-04', '000.00.18.H31', '1.001612'],
      ['2025-03-05', '000.00.17.H31', '1.001612'],
    ];

    it('sorts by day, then agency, then procedure', () => {
      expect(deltasOf(...transitions).map((d) => [d.day, d.agencyCode, d.procedureCode])).toEqual(expectedOrder);
    });

    it('gives the same list whatever order the transitions were recorded in', () => {
      const reference = deltasOf(...transitions);
      const random = mulberry32(42);
      for (let i = 0; i < 20; i++) expect(deltasOf(...shuffled(transitions, random))).toEqual(reference);
    });

    it('keeps codes apart that a naive joined key would merge', () => {
      const odd = (agencyCode: string, procedureCode: string): DossierState => ({
        ...EMPTY_DOSSIER_STATE,
        withdrawn: { time: vn('2025-03-04T10:00:00'), id: agencyCode, source: HUNG_YEN, agencyCode, procedureCode, withdrawnAt: vn('2025-03-04T10:00:00') },
      });
      expect(deltasOf([EMPTY_DOSSIER_STATE, odd('H31,1', '001')], [EMPTY_DOSSIER_STATE, odd('H31', '1,001')])).toEqual([
        row('2025-03-04', 'H31', '1,001', { withdrawn: 1 }),
        row('2025-03-04', 'H31,1', '001', { withdrawn: 1 }),
      ]);
    });
  });
});

describe('compareBucketKeys', () => {
  const key = (day: string, agencyCode: string, procedureCode: string) => ({ day, agencyCode, procedureCode });

  it('orders by day first, then agency, then procedure', () => {
    expect(compareBucketKeys(key('2025-03-04', 'Z', 'Z'), key('2025-03-05', 'A', 'A'))).toBeLessThan(0);
    expect(compareBucketKeys(key('2025-03-05', 'A', 'A'), key('2025-03-04', 'Z', 'Z'))).toBeGreaterThan(0);
    expect(compareBucketKeys(key('2025-03-04', '000.00.17.H31', 'Z'), key('2025-03-04', '000.00.18.H31', 'A'))).toBeLessThan(0);
    expect(compareBucketKeys(key('2025-03-04', '000.00.17.H31', '1.000894'), key('2025-03-04', '000.00.17.H31', '1.001612'))).toBeLessThan(0);
    expect(compareBucketKeys(key('2025-03-04', '000.00.17.H31', '1.001612'), key('2025-03-04', '000.00.17.H31', '1.001612'))).toBe(0);
  });
});

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

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
import { BucketCounters, contributionsOf } from './buckets';
import { applyEvent, DossierState, EMPTY_DOSSIER_STATE, EventStamp, isCompletedOnTime, supersedes } from './dossier-state';

// ---------------------------------------------------------------------------------------------------
// Realistic fixtures: one dossier of UBND huyện Văn Lâm (Hưng Yên), reported by the province's one-stop
// system and by the national portal.

const HUNG_YEN = 'urn:dvc:motcua:hung-yen';
const QUOC_GIA = 'urn:dvc:dichvucong:quoc-gia'; // sorts before HUNG_YEN ('d' < 'm')
const DOSSIER = '000.00.17.H31-250304-0012';

const KHAI_SINH: ProcedureRef = { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' };
const KET_HON: ProcedureRef = { code: '1.000894', name: 'Đăng ký kết hôn', sector: 'Hộ tịch', onlineLevel: 'partial' };
const VAN_LAM: AgencyRef = { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' };
const MY_HAO: AgencyRef = { code: '000.00.18.H31', name: 'UBND thị xã Mỹ Hào', level: 'district', parentCode: '000.00.00.H31' };

/** Vietnam's wall-clock time `YYYY-MM-DDTHH:MM:SS` as a canonical UTC instant. */
const vn = (local: string) => parseRfc3339(`${local}+07:00`);

interface Common {
  id: string;
  /** CloudEvents `time`, Vietnam's wall clock. */
  time: string;
  source?: string;
  agency?: AgencyRef;
  procedure?: ProcedureRef;
}

function base(c: Common) {
  return {
    id: c.id,
    source: c.source ?? HUNG_YEN,
    time: vn(c.time),
    dossierCode: DOSSIER,
    procedure: c.procedure ?? KHAI_SINH,
    agency: c.agency ?? VAN_LAM,
    applicantType: 'citizen' as const,
  };
}

function received(c: Common & { channel: Channel; receivedAt: string; dueAt?: string }): DossierReceived {
  return { ...base(c), kind: 'received', channel: c.channel, receivedAt: vn(c.receivedAt), dueAt: c.dueAt ? vn(c.dueAt) : null };
}

function completed(c: Common & { completedAt: string; dueAt?: string }): DossierCompleted {
  return { ...base(c), kind: 'completed', completedAt: vn(c.completedAt), dueAt: c.dueAt ? vn(c.dueAt) : null, outcome: 'approved' };
}

function paid(c: Common & { paidAt: string; method: PaymentMethod }): DossierPaid {
  return { ...base(c), kind: 'paid', paidAt: vn(c.paidAt), amountVnd: 8000, method: c.method };
}

function withdrawn(c: Common & { withdrawnAt: string }): DossierWithdrawn {
  return { ...base(c), kind: 'withdrawn', withdrawnAt: vn(c.withdrawnAt) };
}

const applyAll = (events: readonly DossierEvent[], from: DossierState = EMPTY_DOSSIER_STATE) => events.reduce(applyEvent, from);

/** A dossier's contributions summed per bucket, keyed `day agency procedure`, without zero counters. */
function totalsByBucket(state: DossierState): Record<string, Partial<BucketCounters>> {
  const totals: Record<string, Partial<BucketCounters>> = {};
  for (const { day, agencyCode, procedureCode, ...counters } of contributionsOf(state)) {
    const bucket = (totals[`${day} ${agencyCode} ${procedureCode}`] ??= {});
    for (const [name, value] of Object.entries(counters) as Array<[keyof BucketCounters, number]>) {
      if (value !== 0) bucket[name] = (bucket[name] ?? 0) + value;
    }
  }
  return totals;
}

function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i], ...tail];
  }
}

/** Deterministic PRNG (mulberry32), so that a failing shuffle can be replayed. */
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------

describe('supersedes', () => {
  const stamp = (time: string, id: string, source = HUNG_YEN): EventStamp => ({ time: vn(time), id, source });

  it('lets the later time win, whatever the id and source', () => {
    const earlier = stamp('2025-03-04T08:30:00', 'motcua-hy-9999', HUNG_YEN);
    const later = stamp('2025-03-04T08:31:00', 'motcua-hy-0001', QUOC_GIA);
    expect(supersedes(later, earlier)).toBe(true);
    expect(supersedes(earlier, later)).toBe(false);
  });

  it('compares times to the nanosecond', () => {
    const a: EventStamp = { time: '2025-03-04T01:30:00.000000000Z', id: 'b', source: HUNG_YEN };
    const b: EventStamp = { time: '2025-03-04T01:30:00.000000001Z', id: 'a', source: HUNG_YEN };
    expect(supersedes(b, a)).toBe(true);
    expect(supersedes(a, b)).toBe(false);
  });

  it('breaks a tie on time with the greater id', () => {
    const lower = stamp('2025-03-04T08:30:00', 'motcua-hy-0001');
    const greater = stamp('2025-03-04T08:30:00', 'motcua-hy-0002');
    expect(supersedes(greater, lower)).toBe(true);
    expect(supersedes(lower, greater)).toBe(false);
  });

  it('compares ids as strings, code unit by code unit (so "motcua-hy-9" > "motcua-hy-10")', () => {
    const nine = stamp('2025-03-04T08:30:00', 'motcua-hy-9');
    const ten = stamp('2025-03-04T08:30:00', 'motcua-hy-10');
    expect(supersedes(nine, ten)).toBe(true);
    expect(supersedes(ten, nine)).toBe(false);
  });

  it('breaks a tie on time and id with the greater source', () => {
    const national = stamp('2025-03-04T08:30:00', 'G-7781', QUOC_GIA);
    const provincial = stamp('2025-03-04T08:30:00', 'G-7781', HUNG_YEN);
    expect(supersedes(provincial, national)).toBe(true);
    expect(supersedes(national, provincial)).toBe(false);
  });

  it('never lets an event supersede itself, so a re-sent event changes nothing', () => {
    const original = stamp('2025-03-04T08:30:00', 'motcua-hy-0001');
    expect(supersedes(original, { ...original })).toBe(false);
  });
});

describe('applyEvent', () => {
  const r1 = received({
    id: 'motcua-hy-000101',
    time: '2025-03-04T08:30:00',
    channel: 'in_person',
    receivedAt: '2025-03-04T08:30:00',
    dueAt: '2025-03-10T17:00:00',
  });

  it('records the facts of a received event, and nothing else of it', () => {
    const state = applyEvent(EMPTY_DOSSIER_STATE, r1);
    expect(state).toEqual({
      received: {
        time: '2025-03-04T01:30:00.000000000Z',
        id: 'motcua-hy-000101',
        source: HUNG_YEN,
        agencyCode: '000.00.17.H31',
        procedureCode: '1.001612',
        channel: 'in_person',
        receivedAt: '2025-03-04T01:30:00.000000000Z',
        dueAt: '2025-03-10T10:00:00.000000000Z',
      },
      completed: null,
      firstPayment: null,
      paidOnline: false,
      withdrawn: null,
    });
  });

  it('leaves the empty state and the state it is given untouched', () => {
    const before = deepFreeze(applyEvent(EMPTY_DOSSIER_STATE, r1));
    const snapshot = structuredClone(before);
    const correction = received({
      id: 'motcua-hy-000102',
      time: '2025-03-04T09:10:00',
      channel: 'online',
      receivedAt: '2025-03-03T16:45:00',
      agency: MY_HAO,
    });
    const after = applyEvent(before, correction);
    expect(after).not.toBe(before);
    expect(before).toEqual(snapshot);
    expect(EMPTY_DOSSIER_STATE).toEqual({ received: null, completed: null, firstPayment: null, paidOnline: false, withdrawn: null });
  });

  describe('returns the same object when nothing changes', () => {
    const c1 = completed({ id: 'motcua-hy-000103', time: '2025-03-07T10:15:00', completedAt: '2025-03-07T10:15:00' });
    const p1 = paid({ id: 'motcua-hy-000105', time: '2025-03-04T08:45:00', paidAt: '2025-03-04T08:45:00', method: 'online' });
    const w1 = withdrawn({ id: 'motcua-hy-000107', time: '2025-03-05T14:00:00', withdrawnAt: '2025-03-05T14:00:00' });

    it.each([
      ['received', r1],
      ['completed', c1],
      ['paid', p1],
      ['withdrawn', w1],
    ] as Array<[string, DossierEvent]>)('a re-sent %s event (an equal copy) gives back the very same state', (_, event) => {
      const state = applyAll([r1, c1, p1, w1]);
      expect(applyEvent(state, structuredClone(event))).toBe(state);
    });

    it('an older received event, arriving after its correction, gives back the very same state', () => {
      const correction = received({ id: 'motcua-hy-000102', time: '2025-03-04T09:10:00', channel: 'online', receivedAt: '2025-03-03T16:45:00' });
      const state = applyEvent(EMPTY_DOSSIER_STATE, correction);
      expect(applyEvent(state, r1)).toBe(state);
    });

    it('an older completed or withdrawn event gives back the very same state', () => {
      const state = applyAll([
        completed({ id: 'motcua-hy-000104', time: '2025-03-08T09:00:00', completedAt: '2025-03-07T18:00:00' }),
        withdrawn({ id: 'motcua-hy-000108', time: '2025-03-06T08:00:00', withdrawnAt: '2025-03-06T08:00:00' }),
      ]);
      expect(applyEvent(state, c1)).toBe(state);
      expect(applyEvent(state, w1)).toBe(state);
    });

    it('a later offline payment gives back the very same state', () => {
      const state = applyEvent(EMPTY_DOSSIER_STATE, p1);
      const later = paid({ id: 'motcua-hy-000106', time: '2025-03-05T10:00:00', paidAt: '2025-03-05T10:00:00', method: 'offline' });
      expect(applyEvent(state, later)).toBe(state);
    });

    it('but a later online payment, when none was online yet, changes only paidOnline', () => {
      const offline = paid({ id: 'motcua-hy-000105', time: '2025-03-04T08:45:00', paidAt: '2025-03-04T08:45:00', method: 'offline' });
      const state = applyEvent(EMPTY_DOSSIER_STATE, offline);
      const later = paid({ id: 'motcua-hy-000106', time: '2025-03-05T10:00:00', paidAt: '2025-03-05T10:00:00', method: 'online' });
      const next = applyEvent(state, later);
      expect(next).not.toBe(state);
      expect(next.paidOnline).toBe(true);
      expect(next.firstPayment).toBe(state.firstPayment);
      expect(next.firstPayment?.id).toBe('motcua-hy-000105');
    });
  });
});

describe('received: the event with the latest time attributes the dossier', () => {
  const original = received({
    id: 'motcua-hy-000101',
    time: '2025-03-04T08:30:00',
    channel: 'in_person',
    receivedAt: '2025-03-04T08:30:00',
    dueAt: '2025-03-10T17:00:00',
    agency: VAN_LAM,
    procedure: KHAI_SINH,
  });
  // The one-stop system corrects agency, procedure, channel and the day received (the evening before).
  const correction = received({
    id: 'motcua-hy-000102',
    time: '2025-03-04T09:10:00',
    channel: 'online',
    receivedAt: '2025-03-03T23:45:00',
    dueAt: '2025-03-07T17:00:00',
    agency: MY_HAO,
    procedure: KET_HON,
  });

  it.each([
    ['original first', [original, correction]],
    ['correction first', [correction, original]],
  ])('moves the dossier to the corrected bucket (%s)', (_, events) => {
    const state = applyAll(events);
    expect(state.received).toEqual({
      time: '2025-03-04T02:10:00.000000000Z',
      id: 'motcua-hy-000102',
      source: HUNG_YEN,
      agencyCode: '000.00.18.H31',
      procedureCode: '1.000894',
      channel: 'online',
      receivedAt: '2025-03-03T16:45:00.000000000Z',
      dueAt: '2025-03-07T10:00:00.000000000Z',
    });
    expect(totalsByBucket(state)).toEqual({ '2025-03-03 000.00.18.H31 1.000894': { received: 1, receivedOnline: 1 } });
  });

  it('lets the later time win even when it carries the smaller id', () => {
    const lateSmallId = received({ id: 'motcua-hy-000001', time: '2025-03-04T09:00:00', channel: 'postal', receivedAt: '2025-03-04T08:30:00' });
    expect(applyAll([original, lateSmallId]).received?.id).toBe('motcua-hy-000001');
    expect(applyAll([lateSmallId, original]).received?.id).toBe('motcua-hy-000001');
  });

  it('breaks a tie on time with the greater id, in both orders', () => {
    const twin = received({ ...{ id: 'motcua-hy-000100', time: '2025-03-04T08:30:00' }, channel: 'online', receivedAt: '2025-03-04T08:30:00', agency: MY_HAO });
    for (const events of [[original, twin], [twin, original]]) {
      const state = applyAll(events);
      expect(state.received?.id).toBe('motcua-hy-000101');
      expect(totalsByBucket(state)).toEqual({ '2025-03-04 000.00.17.H31 1.001612': { received: 1 } });
    }
  });

  it('breaks a tie on time and id with the greater source, in both orders', () => {
    const national = received({ id: 'G-7781', source: QUOC_GIA, time: '2025-03-10T08:00:00', channel: 'online', receivedAt: '2025-03-10T08:00:00' });
    const provincial = received({ id: 'G-7781', source: HUNG_YEN, time: '2025-03-10T08:00:00', channel: 'in_person', receivedAt: '2025-03-10T08:00:00' });
    for (const events of [[national, provincial], [provincial, national]]) {
      expect(applyAll(events).received).toMatchObject({ source: HUNG_YEN, channel: 'in_person' });
    }
  });

  it('identifies the dossier by its code alone: reports of two sources make one state', () => {
    const fromProvince = received({ id: 'motcua-hy-000101', source: HUNG_YEN, time: '2025-03-04T08:30:00', channel: 'in_person', receivedAt: '2025-03-04T08:30:00' });
    const fromPortal = received({ id: 'G-7781', source: QUOC_GIA, time: '2025-03-04T08:40:00', channel: 'online', receivedAt: '2025-03-04T08:25:00' });
    for (const events of [[fromProvince, fromPortal], [fromPortal, fromProvince]]) {
      const state = applyAll(events);
      expect(state.received).toMatchObject({ source: QUOC_GIA, id: 'G-7781' });
      expect(totalsByBucket(state)).toEqual({ '2025-03-04 000.00.17.H31 1.001612': { received: 1, receivedOnline: 1 } });
    }
  });
});

describe('completed: the latest completed event decides, on time when completedAt <= dueAt', () => {
  const receivedDue = (dueAt?: string) =>
    received({ id: 'motcua-hy-000201', time: '2025-03-10T08:00:00', channel: 'online', receivedAt: '2025-03-10T08:00:00', dueAt });
  const done = (completedAt: string, dueAt?: string, agency: AgencyRef = VAN_LAM) =>
    completed({ id: 'motcua-hy-000202', time: completedAt, completedAt, dueAt, agency });

  it('is null (not applicable) while not completed', () => {
    expect(isCompletedOnTime(EMPTY_DOSSIER_STATE)).toBeNull();
    expect(isCompletedOnTime(applyEvent(EMPTY_DOSSIER_STATE, receivedDue('2025-03-13T17:00:00')))).toBeNull();
  });

  it.each([
    ['completed exactly at its own dueAt', true, done('2025-03-13T17:00:00', '2025-03-13T17:00:00'), undefined],
    ['completed one second after its own dueAt', false, done('2025-03-13T17:00:01', '2025-03-13T17:00:00'), undefined],
    ['completed exactly at the received dueAt', true, done('2025-03-13T17:00:00'), '2025-03-13T17:00:00'],
    ['completed before the received dueAt', true, done('2025-03-12T09:00:00'), '2025-03-13T17:00:00'],
    ['completed after the received dueAt', false, done('2025-03-14T08:00:00'), '2025-03-13T17:00:00'],
    ['own dueAt later than the received one: own wins', true, done('2025-03-14T08:00:00', '2025-03-14T17:00:00'), '2025-03-13T17:00:00'],
    ['own dueAt earlier than the received one: own wins', false, done('2025-03-13T08:00:00', '2025-03-12T17:00:00'), '2025-03-13T17:00:00'],
    ['no dueAt anywhere', true, done('2025-04-30T08:00:00'), undefined],
  ] as Array<[string, boolean, DossierCompleted, string | undefined]>)('%s → on time: %s', (_, onTime, completion, receivedDueAt) => {
    const withReceived = applyAll([receivedDue(receivedDueAt), completion]);
    expect(isCompletedOnTime(withReceived)).toBe(onTime);
    const [completionBucket] = contributionsOf(withReceived).filter((c) => c.completed === 1);
    expect(completionBucket.completedOnTime).toBe(onTime ? 1 : 0);
  });

  it('uses the completed dueAt when no received event is known', () => {
    expect(isCompletedOnTime(applyEvent(EMPTY_DOSSIER_STATE, done('2025-03-14T08:00:00', '2025-03-13T17:00:00')))).toBe(false);
    expect(isCompletedOnTime(applyEvent(EMPTY_DOSSIER_STATE, done('2025-03-14T08:00:00')))).toBe(true);
  });

  it('compares to the nanosecond', () => {
    const state: DossierState = {
      ...EMPTY_DOSSIER_STATE,
      completed: {
        time: '2025-03-13T10:00:00.000000001Z',
        id: 'motcua-hy-000202',
        source: HUNG_YEN,
        agencyCode: VAN_LAM.code,
        procedureCode: KHAI_SINH.code,
        completedAt: '2025-03-13T10:00:00.000000001Z',
        dueAt: '2025-03-13T10:00:00.000000000Z',
      },
    };
    expect(isCompletedOnTime(state)).toBe(false);
    expect(isCompletedOnTime({ ...state, completed: { ...state.completed!, dueAt: '2025-03-13T10:00:00.000000001Z' } })).toBe(true);
  });

  it('takes the dueAt of the received event that wins, not of the one that arrived last', () => {
    const first = received({ id: 'motcua-hy-000201', time: '2025-03-10T08:00:00', channel: 'online', receivedAt: '2025-03-10T08:00:00', dueAt: '2025-03-13T17:00:00' });
    const correction = received({ id: 'motcua-hy-000203', time: '2025-03-10T09:00:00', channel: 'online', receivedAt: '2025-03-10T08:00:00', dueAt: '2025-03-17T17:00:00' });
    const completion = done('2025-03-14T10:00:00');
    for (const events of permutations([first, correction, completion])) {
      expect(isCompletedOnTime(applyAll(events))).toBe(true);
    }
  });

  it('changes its verdict when a received event with a dueAt arrives after the completion', () => {
    const completion = done('2025-03-14T10:00:00');
    const onlyCompleted = applyEvent(EMPTY_DOSSIER_STATE, completion);
    expect(isCompletedOnTime(onlyCompleted)).toBe(true); // no dueAt known yet
    expect(isCompletedOnTime(applyEvent(onlyCompleted, receivedDue('2025-03-13T17:00:00')))).toBe(false);
  });

  it('lets the completed event with the latest time win and attribute the completion, in both orders', () => {
    const first = completed({ id: 'motcua-hy-000204', time: '2025-03-12T10:00:00', completedAt: '2025-03-12T10:00:00', agency: VAN_LAM });
    const correction = completed({ id: 'motcua-hy-000205', time: '2025-03-15T08:00:00', completedAt: '2025-03-14T23:30:00', agency: MY_HAO });
    for (const events of [[receivedDue('2025-03-13T17:00:00'), first, correction], [correction, receivedDue('2025-03-13T17:00:00'), first]]) {
      const state = applyAll(events);
      expect(state.completed?.id).toBe('motcua-hy-000205');
      expect(totalsByBucket(state)).toEqual({
        '2025-03-10 000.00.17.H31 1.001612': { received: 1, receivedOnline: 1 },
        // attributed by the completed event's agency, on late 2025-03-14 in Vietnam
        '2025-03-14 000.00.18.H31 1.001612': { completed: 1 },
      });
    }
  });

  it('breaks a tie on time with the greater id, in both orders', () => {
    const a = completed({ id: 'motcua-hy-000206', time: '2025-03-12T10:00:00', completedAt: '2025-03-12T10:00:00', agency: VAN_LAM });
    const b = completed({ id: 'motcua-hy-000207', time: '2025-03-12T10:00:00', completedAt: '2025-03-12T11:00:00', agency: MY_HAO });
    expect(applyAll([a, b]).completed?.id).toBe('motcua-hy-000207');
    expect(applyAll([b, a]).completed?.id).toBe('motcua-hy-000207');
  });
});

describe('payments: the first paidAt decides the bucket, any online payment makes it paid online', () => {
  const early = paid({ id: 'motcua-hy-000302', time: '2025-03-06T09:00:00', paidAt: '2025-03-04T08:45:00', method: 'offline', agency: VAN_LAM });
  const late = paid({ id: 'motcua-hy-000301', time: '2025-03-05T10:00:00', paidAt: '2025-03-05T10:00:00', method: 'online', agency: MY_HAO });

  it('takes the earliest paidAt, not the latest time nor the last arrival, in both orders', () => {
    for (const events of [[early, late], [late, early]]) {
      const state = applyAll(events);
      expect(state.firstPayment).toMatchObject({ id: 'motcua-hy-000302', paidAt: '2025-03-04T01:45:00.000000000Z', agencyCode: VAN_LAM.code });
      expect(state.paidOnline).toBe(true);
      expect(totalsByBucket(state)).toEqual({ '2025-03-04 000.00.17.H31 1.001612': { paid: 1, paidOnline: 1 } });
    }
  });

  it('is not paid online when every payment was offline', () => {
    const offlineToo = paid({ id: 'motcua-hy-000303', time: '2025-03-05T10:00:00', paidAt: '2025-03-05T10:00:00', method: 'offline' });
    const state = applyAll([offlineToo, early]);
    expect(state.paidOnline).toBe(false);
    expect(totalsByBucket(state)).toEqual({ '2025-03-04 000.00.17.H31 1.001612': { paid: 1 } });
  });

  it('counts the dossier once however many payments it has', () => {
    const third = paid({ id: 'motcua-hy-000304', time: '2025-03-04T09:00:00', paidAt: '2025-03-04T09:00:00', method: 'online' });
    const paidCount = contributionsOf(applyAll([early, late, third])).reduce((sum, c) => sum + c.paid, 0);
    expect(paidCount).toBe(1);
  });

  it('settles a tie on paidAt the same way in both orders', () => {
    const a = paid({ id: 'motcua-hy-000305', time: '2025-03-04T08:45:00', paidAt: '2025-03-04T08:45:00', method: 'offline' });
    const b = paid({ id: 'motcua-hy-000306', time: '2025-03-04T08:46:00', paidAt: '2025-03-04T08:45:00', method: 'offline' });
    expect(applyAll([a, b]).firstPayment?.id).toBe('motcua-hy-000306');
    expect(applyAll([b, a]).firstPayment?.id).toBe('motcua-hy-000306');
  });
});

describe('withdrawn', () => {
  const r = received({ id: 'motcua-hy-000401', time: '2025-03-04T08:30:00', channel: 'online', receivedAt: '2025-03-04T08:30:00' });
  const w = withdrawn({ id: 'motcua-hy-000402', time: '2025-03-05T14:00:00', withdrawnAt: '2025-03-05T14:00:00' });

  it('counts the withdrawal on its day, and the dossier still as received', () => {
    expect(totalsByBucket(applyAll([w, r]))).toEqual({
      '2025-03-04 000.00.17.H31 1.001612': { received: 1, receivedOnline: 1 },
      '2025-03-05 000.00.17.H31 1.001612': { withdrawn: 1 },
    });
  });

  it('lets the withdrawn event with the latest time win, in both orders', () => {
    const correction = withdrawn({ id: 'motcua-hy-000403', time: '2025-03-06T08:00:00', withdrawnAt: '2025-03-06T00:10:00' });
    for (const events of [[r, w, correction], [correction, w, r]]) {
      expect(totalsByBucket(applyAll(events))).toEqual({
        '2025-03-04 000.00.17.H31 1.001612': { received: 1, receivedOnline: 1 },
        '2025-03-06 000.00.17.H31 1.001612': { withdrawn: 1 },
      });
    }
  });
});

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

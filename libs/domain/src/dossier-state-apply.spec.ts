import { DossierEvent } from '@dvc/contracts';
import { applyEvent, EMPTY_DOSSIER_STATE, EventStamp, supersedes } from './dossier-state';
import { applyAll, eventBuilders, HUNG_YEN, MY_HAO, QUOC_GIA, vn } from './testing/dossier-events';

// Which of two events supersedes the other, and what applying an event does to a dossier's state (and what
// leaves it the very same object). Fixtures: ./testing/dossier-events.ts.

const { received, completed, paid, withdrawn } = eventBuilders({ applicantType: 'citizen', outcome: 'approved' });

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

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

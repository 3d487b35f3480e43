import { AgencyRef, ProcedureRef } from '@dvc/contracts';
import { BucketDelta, BucketDeltas, compareBucketKeys } from './buckets';
import { applyEvent, DossierState, EMPTY_DOSSIER_STATE } from './dossier-state';
import { eventBuilders, HUNG_YEN, KET_HON, KHAI_SINH, MY_HAO, mulberry32, row, shuffled, vn, VAN_LAM } from './testing/dossier-events';

// The net bucket deltas of state transitions, their order, and the order of bucket keys. Fixtures:
// ./testing/dossier-events.ts.

const { received, completed, paid } = eventBuilders({ applicantType: null, outcome: null });

function deltasOf(...transitions: Array<[DossierState, DossierState]>): BucketDelta[] {
  const deltas = new BucketDeltas();
  for (const [before, after] of transitions) deltas.addTransition(before, after);
  return deltas.toSortedList();
}

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

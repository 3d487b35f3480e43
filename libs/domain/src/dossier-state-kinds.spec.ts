import { AgencyRef, DossierCompleted } from '@dvc/contracts';
import { contributionsOf } from './buckets';
import { applyEvent, DossierState, EMPTY_DOSSIER_STATE, isCompletedOnTime } from './dossier-state';
import {
  applyAll,
  eventBuilders,
  HUNG_YEN,
  KET_HON,
  KHAI_SINH,
  MY_HAO,
  permutations,
  QUOC_GIA,
  totalsByBucket,
  VAN_LAM,
} from './testing/dossier-events';

// Event by kind: which received, completed, paid and withdrawn event wins, and the buckets the dossier then
// counts in. Fixtures: ./testing/dossier-events.ts.

const { received, completed, paid, withdrawn } = eventBuilders({ applicantType: 'citizen', outcome: 'approved' });

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

import { Channel } from '@dvc/contracts';
import { contributionsOf } from './buckets';
import { applyEvent, DossierState, EMPTY_DOSSIER_STATE } from './dossier-state';
import { applyAll, eventBuilders, HUNG_YEN, KET_HON, KHAI_SINH, MY_HAO, row, VAN_LAM } from './testing/dossier-events';

// A dossier's contributions to the daily buckets, by event kind and Vietnamese day. Fixtures:
// ./testing/dossier-events.ts.

const { received, completed, paid, withdrawn } = eventBuilders({ applicantType: null, outcome: null });

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

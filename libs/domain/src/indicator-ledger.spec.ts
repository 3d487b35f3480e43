import { DossierEvent, parseRfc3339, ProcedureRef, AgencyRef } from '@dvc/contracts';
import { applyEvent, DossierState, EMPTY_DOSSIER_STATE } from './dossier-state';
import { DossierSpanDelta, dossierSpanOf, inProgressAtEndOf, IndicatorLedgerDeltas, OPEN_DAY, resolutionSecondsOf } from './indicator-ledger';

const KHAI_SINH: ProcedureRef = { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' };
const VAN_LAM: AgencyRef = { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' };
const vn = (local: string) => parseRfc3339(`${local}+07:00`);

let sequence = 0;
function event(dossier: string, kind: DossierEvent['kind'], fields: Record<string, unknown>, time = '2025-03-10T00:00:00'): DossierEvent {
  sequence += 1;
  return {
    id: `e-${String(sequence).padStart(6, '0')}`,
    source: 'urn:dvc:motcua:hung-yen',
    time: vn(time),
    dossierCode: dossier,
    procedure: KHAI_SINH,
    agency: VAN_LAM,
    applicantType: null,
    kind,
    ...fields,
  } as DossierEvent;
}
const receivedAt = (dossier: string, at: string, dueAt: string | null, time?: string) =>
  event(dossier, 'received', { channel: 'online', receivedAt: vn(at), dueAt: dueAt && vn(dueAt) }, time);
const completedAt = (dossier: string, at: string, time?: string) => event(dossier, 'completed', { completedAt: vn(at), dueAt: null, outcome: null }, time);
const withdrawnAt = (dossier: string, at: string) => event(dossier, 'withdrawn', { withdrawnAt: vn(at) });
const paidAt = (dossier: string, at: string, method: 'online' | 'counter') => event(dossier, 'paid', { paidAt: vn(at), amountVnd: 8000, method });
const stateOf = (...events: DossierEvent[]): DossierState => events.reduce(applyEvent, EMPTY_DOSSIER_STATE);

describe('dossier spans', () => {
  it('places a dossier by its reception, due and closing days in Vietnam, open ones at the open day', () => {
    const open = stateOf(receivedAt('D1', '2025-03-04T08:00:00', '2025-03-11T17:00:00'));
    expect(dossierSpanOf(open)).toEqual({ agencyCode: VAN_LAM.code, procedureCode: '1.001612', receivedDay: '2025-03-04', dueDay: '2025-03-11', closedDay: OPEN_DAY });
    const closed = stateOf(receivedAt('D1', '2025-03-04T08:00:00', null), completedAt('D1', '2025-03-06T23:30:00'));
    expect(dossierSpanOf(closed)).toMatchObject({ dueDay: OPEN_DAY, closedDay: '2025-03-06' });
    expect(dossierSpanOf(stateOf(completedAt('D1', '2025-03-06T10:00:00')))).toBeNull();
  });

  it('closes a dossier on the earlier of completion and withdrawal', () => {
    const state = stateOf(receivedAt('D1', '2025-03-04T08:00:00', null), withdrawnAt('D1', '2025-03-05T09:00:00'), completedAt('D1', '2025-03-09T10:00:00'));
    expect(dossierSpanOf(state)?.closedDay).toBe('2025-03-05');
  });

  it('counts in progress at the end of a day: received by then, closed after it; overdue once the due day is reached', () => {
    const spans: DossierSpanDelta[] = [
      { agencyCode: 'A', procedureCode: 'P', receivedDay: '2025-03-01', dueDay: '2025-03-20', closedDay: OPEN_DAY, dossiers: 3 },
      { agencyCode: 'A', procedureCode: 'P', receivedDay: '2025-03-01', dueDay: '2025-03-31', closedDay: OPEN_DAY, dossiers: 2 },
      { agencyCode: 'A', procedureCode: 'P', receivedDay: '2025-03-02', dueDay: OPEN_DAY, closedDay: '2025-04-02', dossiers: 1 },
      { agencyCode: 'A', procedureCode: 'P', receivedDay: '2025-03-05', dueDay: '2025-03-10', closedDay: '2025-03-31', dossiers: 4 },
      { agencyCode: 'A', procedureCode: 'P', receivedDay: '2025-04-01', dueDay: '2025-04-10', closedDay: OPEN_DAY, dossiers: 7 },
    ];
    // At the end of 31 March: due 20 March (3) and due 10 March (4) are overdue; due on the 31st itself (2) is overdue too,
    // its due time being before the end of that day; no due time (1) stays within; closed on the 31st, not in progress.
    expect(inProgressAtEndOf('2025-03-31', spans)).toEqual({ withinDeadline: 1, overdue: 5 });
    expect(inProgressAtEndOf('2025-03-15', spans)).toEqual({ withinDeadline: 6, overdue: 4 });
    expect(inProgressAtEndOf('2025-02-28', spans)).toEqual({ withinDeadline: 0, overdue: 0 });
  });
});

describe('indicator buckets', () => {
  it('counts resolution seconds on the completion day, and payments on the reception day', () => {
    const state = stateOf(
      receivedAt('D1', '2025-03-04T08:00:00', null),
      paidAt('D1', '2025-03-05T08:00:00', 'online'),
      completedAt('D1', '2025-03-06T20:00:00'),
    );
    expect(resolutionSecondsOf(state)).toBe(2 * 86_400 + 12 * 3_600);
    const deltas = new IndicatorLedgerDeltas();
    deltas.addTransition(EMPTY_DOSSIER_STATE, state);
    expect(deltas.bucketList()).toEqual([
      { day: '2025-03-04', agencyCode: VAN_LAM.code, procedureCode: '1.001612', receivedWithPayment: 1, receivedPaidOnline: 1, resolved: 0, resolutionSeconds: 0 },
      { day: '2025-03-06', agencyCode: VAN_LAM.code, procedureCode: '1.001612', receivedWithPayment: 0, receivedPaidOnline: 0, resolved: 1, resolutionSeconds: 216_000 },
    ]);
  });

  it('does not time a completion whose reception is unknown, and counts one stamped before its reception as 0 s', () => {
    expect(resolutionSecondsOf(stateOf(completedAt('D1', '2025-03-06T20:00:00')))).toBeNull();
    expect(resolutionSecondsOf(stateOf(receivedAt('D1', '2025-03-06T08:00:00', null), completedAt('D1', '2025-03-05T08:00:00')))).toBe(0);
  });

  it('moves a corrected dossier between rows and drops rows that net to zero', () => {
    const before = stateOf(receivedAt('D1', '2025-03-04T08:00:00', '2025-03-10T17:00:00', '2025-03-04T08:00:00'));
    const after = applyEvent(before, receivedAt('D1', '2025-03-05T08:00:00', '2025-03-12T17:00:00', '2025-03-05T09:00:00'));
    const deltas = new IndicatorLedgerDeltas();
    deltas.addTransition(before, after);
    expect(deltas.spanList().map((span) => [span.receivedDay, span.dueDay, span.dossiers])).toEqual([
      ['2025-03-04', '2025-03-10', -1],
      ['2025-03-05', '2025-03-12', 1],
    ]);
    // Neither state has a payment or a completion: the bucket rows net to zero and are dropped.
    expect(deltas.bucketList()).toEqual([]);
  });

  it('ends, over any batching of the same events, in the rows of the final states', () => {
    // A seeded walk: 40 dossiers, 400 events in random order, applied in random batches.
    let seed = 20251205;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const day = () => `2025-03-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}T${String(Math.floor(random() * 24)).padStart(2, '0')}:00:00`;
    const events: DossierEvent[] = [];
    for (let i = 0; i < 400; i++) {
      const dossier = `D${Math.floor(random() * 40)}`;
      const pick = random();
      const time = day();
      if (pick < 0.4) events.push(receivedAt(dossier, day(), random() < 0.8 ? day() : null, time));
      else if (pick < 0.7) events.push(completedAt(dossier, day(), time));
      else if (pick < 0.85) events.push(paidAt(dossier, day(), random() < 0.5 ? 'online' : 'counter'));
      else events.push(withdrawnAt(dossier, day()));
    }
    const states = new Map<string, DossierState>();
    const spanTotals = new Map<string, number>();
    const bucketTotals = new Map<string, number[]>();
    for (let index = 0; index < events.length; ) {
      const batch = events.slice(index, (index += 1 + Math.floor(random() * 30)));
      const after = new Map<string, DossierState>();
      for (const e of batch) after.set(e.dossierCode, applyEvent(after.get(e.dossierCode) ?? states.get(e.dossierCode) ?? EMPTY_DOSSIER_STATE, e));
      const deltas = new IndicatorLedgerDeltas();
      for (const [code, state] of after) deltas.addTransition(states.get(code) ?? EMPTY_DOSSIER_STATE, state);
      for (const span of deltas.spanList()) {
        const key = JSON.stringify([span.receivedDay, span.dueDay, span.closedDay]);
        spanTotals.set(key, (spanTotals.get(key) ?? 0) + span.dossiers);
      }
      for (const row of deltas.bucketList()) {
        const total = bucketTotals.get(row.day) ?? [0, 0, 0, 0];
        bucketTotals.set(row.day, [total[0] + row.receivedWithPayment, total[1] + row.receivedPaidOnline, total[2] + row.resolved, total[3] + row.resolutionSeconds]);
      }
      for (const [code, state] of after) states.set(code, state);
    }
    const expectedSpans = new Map<string, number>();
    const expectedBuckets = new Map<string, number[]>();
    for (const state of states.values()) {
      const fresh = new IndicatorLedgerDeltas();
      fresh.addTransition(EMPTY_DOSSIER_STATE, state);
      for (const span of fresh.spanList()) {
        const key = JSON.stringify([span.receivedDay, span.dueDay, span.closedDay]);
        expectedSpans.set(key, (expectedSpans.get(key) ?? 0) + span.dossiers);
      }
      for (const row of fresh.bucketList()) {
        const total = expectedBuckets.get(row.day) ?? [0, 0, 0, 0];
        expectedBuckets.set(row.day, [total[0] + row.receivedWithPayment, total[1] + row.receivedPaidOnline, total[2] + row.resolved, total[3] + row.resolutionSeconds]);
      }
    }
    const nonZero = <T>(map: Map<string, T>, zero: (value: T) => boolean) => new Map([...map].filter(([, value]) => !zero(value)));
    expect(nonZero(spanTotals, (v) => v === 0)).toEqual(expectedSpans);
    expect(nonZero(bucketTotals, (v) => v.every((n) => n === 0))).toEqual(nonZero(expectedBuckets, (v) => v.every((n) => n === 0)));
    expect(expectedSpans.size).toBeGreaterThan(10);
  });
});

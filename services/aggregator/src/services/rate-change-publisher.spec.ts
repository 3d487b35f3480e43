import { rateChangeMessages } from './rate-change-publisher.service';

const delta = (day: string, agencyCode: string, procedureCode: string, received: number, receivedOnline = 0) => ({
  day,
  agencyCode,
  procedureCode,
  received,
  receivedOnline,
  completed: 0,
  completedOnTime: 0,
  paid: 0,
  paidOnline: 0,
  withdrawn: 0,
});

describe('rateChangeMessages', () => {
  it('groups the changed buckets by agency, keyed by agency code, keeping each change and its sign', () => {
    const at = new Date('2025-03-04T01:02:03.456Z');
    const messages = rateChangeMessages(
      [delta('2025-03-04', 'A', '1.1', 1, 1), delta('2025-03-04', 'B', '1.1', -1), delta('2025-03-05', 'A', '2.2', 2)],
      at,
    );
    expect(messages.map((message) => message.key)).toEqual(['A', 'B']);
    const [a, b] = messages.map((message) => JSON.parse(String(message.value)));
    expect(a).toEqual({
      agencyCode: 'A',
      committedAt: '2025-03-04T01:02:03.456Z',
      changes: [
        { ...delta('2025-03-04', 'A', '1.1', 1, 1), agencyCode: undefined },
        { ...delta('2025-03-05', 'A', '2.2', 2), agencyCode: undefined },
      ].map(({ agencyCode: _omitted, ...change }) => change),
    });
    expect(b.changes).toEqual([{ day: '2025-03-04', procedureCode: '1.1', received: -1, receivedOnline: 0, completed: 0, completedOnTime: 0, paid: 0, paidOnline: 0, withdrawn: 0 }]);
  });

  it('announces nothing for a batch that changed nothing', () => {
    expect(rateChangeMessages([], new Date())).toEqual([]);
  });
});

import { agenciesOf } from './rate-change.controller';

describe('agenciesOf (rate-change messages → agencies to evaluate)', () => {
  it('takes each agency once, from the value, else the key, and counts the unreadable', () => {
    const value = (agencyCode: string) => Buffer.from(JSON.stringify({ agencyCode, committedAt: '2025-06-01T00:00:00.000Z', changes: [] }));
    const { agencies, unreadable } = agenciesOf([
      { key: Buffer.from('A'), value: value('A') },
      { key: Buffer.from('A'), value: value('A') },
      { key: Buffer.from('B'), value: Buffer.from('not json') },
      { key: null, value: value('C') },
      { key: null, value: Buffer.from('{}') },
      { key: Buffer.from(' '), value: null },
    ]);
    expect([...agencies].sort()).toEqual(['A', 'B', 'C']);
    expect(unreadable).toBe(2);
  });
});

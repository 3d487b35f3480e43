import type { RateTotals } from '../repositories/rates.repository';
import { fullSortKey, rateSortKey, toRateItem } from './rate-item.util';

function totals(overrides: Partial<RateTotals> = {}): RateTotals {
  return {
    period: '2025-03',
    agencyCode: '',
    procedureCode: '',
    sector: '',
    received: 0,
    receivedOnline: 0,
    completed: 0,
    completedOnTime: 0,
    paid: 0,
    paidOnline: 0,
    withdrawn: 0,
    ...overrides,
  };
}

describe('toRateItem', () => {
  it('publishes the contract example with the exact Wilson bounds', () => {
    const item = toRateItem(
      totals({ agencyCode: 'A', procedureCode: 'P', received: 120, receivedOnline: 14, completed: 98, completedOnTime: 91 }),
      ['agency', 'procedure'],
    );
    expect(item).toEqual({
      period: '2025-03',
      agencyCode: 'A',
      procedureCode: 'P',
      received: 120,
      receivedOnline: 14,
      onlineRate: 0.1167,
      onlineRateCi95: [0.0708, 0.1863],
      completed: 98,
      completedOnTime: 91,
      onTimeRate: 0.9286,
      paid: 0,
      paidOnline: 0,
      paidOnlineRate: null,
      withdrawn: 0,
    });
  });

  it('gives null, never 0, for rates with no denominator', () => {
    const item = toRateItem(totals({ withdrawn: 1 }), []);
    expect(item).toMatchObject({ onlineRate: null, onlineRateCi95: null, onTimeRate: null, paidOnlineRate: null });
  });

  it('shows only the keys grouped by, and null for an uncatalogued sector', () => {
    const item = toRateItem(totals({ agencyCode: 'A', procedureCode: 'P', sector: '', received: 1 }), ['sector']);
    expect(Object.keys(item).slice(0, 2)).toEqual(['period', 'sector']);
    expect(item.sector).toBeNull();
  });
});

describe('sort keys', () => {
  const row = totals({ agencyCode: 'A', procedureCode: 'P', sector: 'S' });

  it('carry the period and the grouped values only', () => {
    expect(rateSortKey(row, ['agency', 'sector'])).toEqual(['2025-03', 'A', 'S']);
    expect(rateSortKey(row, [])).toEqual(['2025-03']);
  });

  it('expand back to the repository’s four columns, the period as its first day', () => {
    expect(fullSortKey(['2025-03', 'A', 'S'], ['agency', 'sector'])).toEqual(['2025-03-01', 'A', '', 'S']);
    expect(fullSortKey(['2025-Q2', 'P'], ['procedure'])).toEqual(['2025-04-01', '', 'P', '']);
    expect(fullSortKey(['2025'], [])).toEqual(['2025-01-01', '', '', '']);
  });
});

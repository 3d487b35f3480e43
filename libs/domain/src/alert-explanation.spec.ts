import {
  DEFAULT_TOP_CONTRIBUTORS,
  missingToReach,
  ProcedureOffer,
  ProcedureSample,
  rankShortfallContributors,
  rateTrend,
  zeroUptakeProcedures,
} from './alert-explanation';

const p = (procedureCode: string, successes: number, trials: number): ProcedureSample => ({ procedureCode, successes, trials });

describe('rankShortfallContributors', () => {
  // A district at 50% target: 1,000 dossiers, 250 online (25%).
  const procedures = [
    p('land', 40, 400), // 10%: shortfall 160
    p('birth', 150, 200), // 75%: above target
    p('business', 0, 100), // 0%: shortfall 50
    p('construction', 45, 150), // 30%: shortfall 30
    p('tiny', 0, 2), // 0%: shortfall 1
    p('idle', 0, 0), // no dossiers
    p('exact', 15, 30), // exactly at target
    p('marriage', 0, 118), // 0%: shortfall 59
  ];

  it('ranks by contribution to the agency’s gap, received × (target − rate), largest first', () => {
    const ranked = rankShortfallContributors(procedures, 0.5);
    expect(ranked.map((r) => [r.procedureCode, r.shortfall])).toEqual([
      ['land', 160],
      ['marriage', 59],
      ['business', 50],
      ['construction', 30],
      ['tiny', 1],
    ]);
  });

  it('puts a big procedure a little below target above a small one at zero', () => {
    const ranked = rankShortfallContributors([p('small-at-zero', 0, 20), p('big-slightly-below', 450, 1000)], 0.5);
    expect(ranked.map((r) => r.procedureCode)).toEqual(['big-slightly-below', 'small-at-zero']); // 50 > 10
  });

  it('leaves out procedures at or above target and those without dossiers', () => {
    const codes = rankShortfallContributors(procedures, 0.5, 100).map((r) => r.procedureCode);
    expect(codes).not.toContain('birth');
    expect(codes).not.toContain('exact');
    expect(codes).not.toContain('idle');
  });

  it('explains each procedure with its numbers', () => {
    const [land] = rankShortfallContributors(procedures, 0.5);
    expect(land).toEqual({
      procedureCode: 'land',
      successes: 40,
      trials: 400,
      rate: 0.1,
      shortfall: 160,
      missingToReachTarget: 160,
      shareOfShortfall: 160 / 300, // of 160 + 59 + 50 + 30 + 1
      // 250 online of 1,000 now; 410 of 1,000 had land reached 50%
      agencyRateIfAtTarget: 0.41,
    });
  });

  it('computes shares against all below-target procedures, not only those listed', () => {
    const top2 = rankShortfallContributors(procedures, 0.5, 2);
    expect(top2.map((r) => r.shareOfShortfall)).toEqual([160 / 300, 59 / 300]);
  });

  it('keeps the top N, five by default', () => {
    const many = Array.from({ length: 8 }, (_, i) => p(`p${i}`, 0, 10 + i));
    expect(DEFAULT_TOP_CONTRIBUTORS).toBe(5);
    expect(rankShortfallContributors(many, 0.5)).toHaveLength(5);
    expect(rankShortfallContributors(many, 0.5, 3).map((r) => r.procedureCode)).toEqual(['p7', 'p6', 'p5']);
    expect(rankShortfallContributors(many, 0.5, 0)).toEqual([]);
  });

  it('breaks ties by more dossiers, then by code', () => {
    // shortfall 10 each: 0 of 20, 5 of 30, and 0 of 20 again under another code
    const ranked = rankShortfallContributors([p('b', 0, 20), p('c', 5, 30), p('a', 0, 20)], 0.5);
    expect(ranked.map((r) => r.procedureCode)).toEqual(['c', 'a', 'b']);
  });

  it('returns nothing when no procedure is below target, or there are none', () => {
    expect(rankShortfallContributors([p('a', 9, 10)], 0.5)).toEqual([]);
    expect(rankShortfallContributors([], 0.5)).toEqual([]);
  });

  it('does not reorder the caller’s list', () => {
    const list = [p('a', 0, 1), p('b', 0, 5)];
    rankShortfallContributors(list, 0.5);
    expect(list.map((x) => x.procedureCode)).toEqual(['a', 'b']);
  });
});

describe('missingToReach', () => {
  it.each([
    [0.5, 0, 10, 5],
    [0.5, 4, 10, 1],
    [0.5, 5, 10, 0],
    [0.5, 9, 10, 0], // above target: never negative
    [0.5, 0, 31, 16], // 15.5 rounds up: 15 would leave it below target
    [0.07, 0, 100, 7], // 0.07 × 100 is 7.000000000000001 in binary
    [0.07, 6, 100, 1],
    [0.1, 0, 3, 1], // 0.30000000000000004
    [0.57, 0, 100, 57], // 56.99999999999999 must still need 57
    [0.1, 2, 30, 1],
    [0.1, 0, 1, 1],
    [0.1, 0, 0, 0],
    [0.35, 0, 1_000_000, 350_000],
    [0.35, 0, 1_000_001, 350_001],
  ])('at %p, %i of %i need %i more', (target, successes, trials, expected) => {
    expect(missingToReach(target, { successes, trials })).toBe(expected);
    if (trials > 0) expect((successes + expected) / trials).toBeGreaterThanOrEqual(Math.min(target, successes / trials) - 1e-12);
  });
});

describe('rateTrend', () => {
  it('is up when the rate rose', () => {
    expect(rateTrend({ successes: 30, trials: 100 }, { successes: 20, trials: 100 })).toEqual({
      currentRate: 0.3,
      previousRate: 0.2,
      change: 0.3 - 0.2,
      direction: 'up',
    });
  });

  it('is down when the rate fell', () => {
    const trend = rateTrend({ successes: 1, trials: 10 }, { successes: 1, trials: 4 });
    expect(trend.direction).toBe('down');
    expect(trend.change).toBeCloseTo(-0.15, 12);
  });

  it('is unchanged for equal ratios over different volumes', () => {
    expect(rateTrend({ successes: 2, trials: 6 }, { successes: 1, trials: 3 })).toMatchObject({ direction: 'unchanged', change: 0 });
  });

  it.each([
    [{ successes: 0, trials: 0 }, { successes: 1, trials: 2 }, null, 0.5],
    [{ successes: 1, trials: 2 }, { successes: 0, trials: 0 }, 0.5, null],
    [{ successes: 0, trials: 0 }, { successes: 0, trials: 0 }, null, null],
  ])('has no change when a period had no dossiers (%j vs %j)', (current, previous, currentRate, previousRate) => {
    expect(rateTrend(current, previous)).toEqual({ currentRate, previousRate, change: null, direction: null });
  });

  it('treats 0 online of some dossiers as a rate of 0, not as missing', () => {
    expect(rateTrend({ successes: 0, trials: 5 }, { successes: 1, trials: 5 })).toMatchObject({ currentRate: 0, direction: 'down' });
  });
});

describe('zeroUptakeProcedures', () => {
  const offer = (procedureCode: string, onlineLevel: ProcedureOffer['onlineLevel'], received: number, receivedOnline: number) => ({
    procedureCode,
    onlineLevel,
    received,
    receivedOnline,
  });

  it('lists procedures offered online that received dossiers but none online, most dossiers first', () => {
    const list = zeroUptakeProcedures([
      offer('full-zero', 'full', 12, 0),
      offer('partial-zero', 'partial', 40, 0),
      offer('not-offered', 'none', 90, 0),
      offer('some-online', 'full', 50, 1),
      offer('no-dossiers', 'full', 0, 0),
      offer('a-full-zero', 'full', 12, 0),
    ]);
    expect(list.map((o) => o.procedureCode)).toEqual(['partial-zero', 'a-full-zero', 'full-zero']);
  });

  it('keeps the caller’s extra fields', () => {
    const [first] = zeroUptakeProcedures([{ ...offer('x', 'full', 3, 0), name: 'Đăng ký khai sinh' }]);
    expect(first.name).toBe('Đăng ký khai sinh');
  });
});

import { rate, round4, wilsonInterval, Z_95 } from './wilson';

const rounded = (interval: [number, number] | null) => interval && [round4(interval[0]), round4(interval[1])];

describe('wilsonInterval', () => {
  it('gives [0.0708, 0.1863] for 14 online dossiers of 120 received', () => {
    // p = 0.11667, z² = 3.84146: centre 0.12856 ± 0.05778 (worked out by hand from the Wilson formula)
    expect(rounded(wilsonInterval(14, 120))).toEqual([0.0708, 0.1863]);
  });

  it('gives [0, 0.6576] for 0 of 2: honest about small samples', () => {
    const interval = wilsonInterval(0, 2)!;
    // upper = (z²/n) / (1 + z²/n) = 1.92073 / 2.92073
    expect(interval[1]).toBeCloseTo(0.657620, 5);
    expect(interval[0]).toBeCloseTo(0, 12);
    expect(interval[0]).toBeGreaterThanOrEqual(0);
    expect(round4(interval[0])).toBe(0);
  });

  it.each([1, 2, 7, 120, 10_000])('has upper bound 1 when all %i trials succeed', (n) => {
    const [lower, upper] = wilsonInterval(n, n)!;
    expect(upper).toBeCloseTo(1, 12);
    expect(upper).toBeLessThanOrEqual(1);
    expect(lower).toBeLessThan(1);
  });

  it('gives [0.3424, 1] for 2 of 2, the mirror of 0 of 2', () => {
    expect(rounded(wilsonInterval(2, 2))).toEqual([0.3424, 1]);
  });

  it.each([0, -1])('is null with %i trials', (trials) => {
    expect(wilsonInterval(0, trials)).toBeNull();
  });

  it('stays within [0, 1] and contains the observed rate exactly, for every count up to 400 trials', () => {
    // Exactly, not within a rounding error: an alert fires when the upper bound is below the target, so a
    // bound rounded below the rate made 115 of 115 online "clearly below" a 100% target.
    const broken: string[] = [];
    for (let n = 1; n <= 400; n++) {
      for (let k = 0; k <= n; k++) {
        const [lower, upper] = wilsonInterval(k, n)!;
        const p = k / n;
        if (!(lower >= 0 && upper <= 1 && lower <= p && p <= upper)) broken.push(`${k}/${n}: [${lower}, ${upper}]`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('is symmetric: the interval of failures mirrors that of successes', () => {
    for (const [k, n] of [[14, 120], [0, 5], [3, 10], [91, 98]]) {
      const [lower, upper] = wilsonInterval(k, n)!;
      const [mirrorLower, mirrorUpper] = wilsonInterval(n - k, n)!;
      expect(lower).toBeCloseTo(1 - mirrorUpper, 12);
      expect(upper).toBeCloseTo(1 - mirrorLower, 12);
    }
  });

  it('narrows as the sample grows at the same rate', () => {
    const width = (k: number, n: number) => {
      const [lower, upper] = wilsonInterval(k, n)!;
      return upper - lower;
    };
    expect(width(10, 100)).toBeLessThan(width(1, 10));
    expect(width(100, 1000)).toBeLessThan(width(10, 100));
  });

  it('uses z of a two-sided 95% interval by default, and widens with a larger z', () => {
    expect(Z_95).toBeCloseTo(1.96, 3);
    expect(wilsonInterval(14, 120)).toEqual(wilsonInterval(14, 120, Z_95));
    const [lower95, upper95] = wilsonInterval(14, 120)!;
    const [lower99, upper99] = wilsonInterval(14, 120, 2.5758293035489)!;
    expect(lower99).toBeLessThan(lower95);
    expect(upper99).toBeGreaterThan(upper95);
  });
});

describe('rate', () => {
  it('is null when the denominator is 0, never 0', () => {
    expect(rate(0, 0)).toBeNull();
  });

  it('is 0 when there are dossiers and none counts', () => {
    expect(rate(0, 5)).toBe(0);
  });

  it('divides otherwise', () => {
    expect(rate(14, 120)).toBeCloseTo(0.116667, 6);
    expect(round4(rate(14, 120)!)).toBe(0.1167);
    expect(round4(rate(91, 98)!)).toBe(0.9286);
    expect(rate(98, 98)).toBe(1);
  });
});

describe('round4', () => {
  it.each([
    [0.0707811, 0.0708],
    [0.1863335, 0.1863],
    [0.9285714, 0.9286],
    [0.00004, 0],
    [0.99996, 1],
    [1, 1],
    [0, 0],
  ])('rounds %f to %f', (value, expected) => {
    expect(round4(value)).toBe(expected);
  });
});

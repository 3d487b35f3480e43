import { hashString, Random, WeightedTable } from './random';

describe(Random.name, () => {
  it('replays the same sequence from the same seed', () => {
    const a = new Random(42);
    const b = new Random(42);
    expect(Array.from({ length: 100 }, () => a.next())).toEqual(Array.from({ length: 100 }, () => b.next()));
  });

  it('gives another sequence from another seed, in [0, 1)', () => {
    const a = Array.from({ length: 1000 }, ((r) => () => r.next())(new Random(1)));
    const b = Array.from({ length: 1000 }, ((r) => () => r.next())(new Random(2)));
    expect(a).not.toEqual(b);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    expect(a.reduce((s, x) => s + x, 0) / a.length).toBeCloseTo(0.5, 1);
  });

  it('draws integers in the inclusive range and exponentials with the given mean', () => {
    const random = new Random(7);
    const ints = Array.from({ length: 5000 }, () => random.int(1, 6));
    expect(new Set(ints)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    const mean = Array.from({ length: 20000 }, () => random.exponential(10)).reduce((s, x) => s + x, 0) / 20000;
    expect(mean).toBeGreaterThan(9.5);
    expect(mean).toBeLessThan(10.5);
  });

  it('forks independent generators deterministically', () => {
    expect(new Random(5).fork('x').next()).toBe(new Random(5).fork('x').next());
    expect(new Random(5).fork('x').next()).not.toBe(new Random(5).fork('y').next());
  });
});

describe(WeightedTable.name, () => {
  it('draws items in proportion to their weights and never a zero-weight item', () => {
    const table = new WeightedTable(['a', 'b', 'c'], (item) => ({ a: 1, b: 0, c: 3 })[item] ?? 0);
    const random = new Random(3);
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (let i = 0; i < 40_000; i++) counts[table.draw(random)]++;
    expect(counts.b).toBe(0);
    expect(counts.c / counts.a).toBeGreaterThan(2.8);
    expect(counts.c / counts.a).toBeLessThan(3.2);
  });

  it('refuses an empty or weightless table', () => {
    expect(() => new WeightedTable([], () => 1)).toThrow();
    expect(() => new WeightedTable(['a'], () => 0)).toThrow();
  });
});

describe('hashString', () => {
  it('is stable and seed-dependent', () => {
    expect(hashString('Đăng ký khai sinh')).toBe(hashString('Đăng ký khai sinh'));
    expect(hashString('abc', 1)).not.toBe(hashString('abc', 2));
  });
});

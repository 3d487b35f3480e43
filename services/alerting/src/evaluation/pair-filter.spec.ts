import { decideAlert, sampleForMetric, TARGET_METRICS } from '@dvc/domain';
import type { TargetMetric, TargetRule } from '@dvc/domain';
import { pairMayChange, sweepPairFilter, sweepPairFilterSql } from './pair-filter';
import type { Counts } from './sweep-plan';
// The project's seeded PRNG (mulberry32), pure: a failing case replays exactly.
import { seededRandom } from '../../../../test/support/scenario';

const rule = (id: string, metric: TargetMetric, threshold: number, enabled?: boolean): TargetRule => ({
  id,
  scope: { kind: 'all' },
  metric,
  threshold,
  severity: 'warning',
  ...(enabled === undefined ? {} : { enabled }),
});

describe('sweepPairFilter', () => {
  it('takes the highest threshold of the enabled rules per metric', () => {
    const filter = sweepPairFilter(
      [rule('a', 'onlineRate', 0.5), rule('b', 'onlineRate', 0.1), rule('c', 'onlineRate', 0.9, false), rule('d', 'onTimeRate', 0.8, true)],
      30,
      20,
    );
    expect(filter).toEqual({ minimumDossiers: 30, ceilings: { onlineRate: 0.5, onTimeRate: 0.8 }, zeroUptakeMinimum: 20 });
    expect(sweepPairFilter([], 30, null).ceilings).toEqual({ onlineRate: null, onTimeRate: null });
  });
});

describe('pairMayChange', () => {
  const filter = sweepPairFilter([rule('a', 'onlineRate', 0.5)], 30, 20);

  it('keeps a pair below the ceiling with enough dossiers, and a zero-uptake candidate', () => {
    expect(pairMayChange({ received: 40, receivedOnline: 19, completed: 0, completedOnTime: 0 }, filter)).toBe(true);
    expect(pairMayChange({ received: 40, receivedOnline: 20, completed: 0, completedOnTime: 0 }, filter)).toBe(true); // at the ceiling: kept (margin)
    expect(pairMayChange({ received: 40, receivedOnline: 21, completed: 0, completedOnTime: 0 }, filter)).toBe(false);
    expect(pairMayChange({ received: 29, receivedOnline: 1, completed: 0, completedOnTime: 0 }, filter)).toBe(false); // too few for a rule
    expect(pairMayChange({ received: 25, receivedOnline: 0, completed: 0, completedOnTime: 0 }, filter)).toBe(true); // zero uptake
    expect(pairMayChange({ received: 25, receivedOnline: 0, completed: 0, completedOnTime: 0 }, { ...filter, zeroUptakeMinimum: null })).toBe(false);
    // No onTimeRate rule: completions alone never matter.
    expect(pairMayChange({ received: 0, receivedOnline: 0, completed: 500, completedOnTime: 0 }, filter)).toBe(false);
  });

  it('drops only pairs that no enabled rule could fire on and zero uptake could not open (30,000 seeded cases)', () => {
    const next = seededRandom(20261207);
    const thresholds = [0, 0.05, 0.1, 1 / 3, 0.5, 0.9, 0.95, 1];
    let dropped = 0;
    for (let trial = 0; trial < 30_000; trial += 1) {
      const rules = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) =>
        rule(`r${i}`, TARGET_METRICS[Math.floor(next() * 2)], next() < 0.5 ? thresholds[Math.floor(next() * thresholds.length)] : next(), next() < 0.15 ? false : undefined),
      );
      const minimumDossiers = 1 + Math.floor(next() * 40);
      const zeroUptakeMinimum = next() < 0.5 ? 1 + Math.floor(next() * 40) : null;
      const received = Math.floor(next() * 120);
      const completed = Math.floor(next() * 120);
      // Rates often exactly at a threshold: the edge where rounding could matter.
      const receivedOnline = next() < 0.3 ? Math.round(received * thresholds[Math.floor(next() * thresholds.length)]) : Math.floor(next() * (received + 1));
      const completedOnTime = next() < 0.3 ? Math.round(completed * thresholds[Math.floor(next() * thresholds.length)]) : Math.floor(next() * (completed + 1));
      const counts: Counts = { received, receivedOnline, completed, completedOnTime };
      const filter = sweepPairFilter(rules, minimumDossiers, zeroUptakeMinimum);
      if (pairMayChange(counts, filter)) continue;
      dropped += 1;
      for (const candidate of rules) {
        if (candidate.enabled === false) continue;
        const decision = decideAlert({ sample: sampleForMetric(candidate.metric, counts), threshold: candidate.threshold, state: 'none', policy: { minimumDossiers, resolveMargin: 0.02 } });
        if (decision.action === 'fire') throw new Error(`dropped a pair that fires: ${JSON.stringify({ counts, candidate, minimumDossiers })}`);
      }
      const zeroUptakeOpens = zeroUptakeMinimum !== null && received >= zeroUptakeMinimum && receivedOnline === 0;
      expect(zeroUptakeOpens).toBe(false);
    }
    // The property was exercised, not vacuous.
    expect(dropped).toBeGreaterThan(3_000);
  });
});

describe('sweepPairFilterSql', () => {
  it('writes the same test with its numbers as parameters', () => {
    const params: number[] = [];
    const sql = sweepPairFilterSql({ received: 'r', receivedOnline: 'ro', completed: 'c', completedOnTime: 'ct' }, sweepPairFilter([rule('a', 'onlineRate', 0.5)], 30, 20), (value) => {
      params.push(value);
      return `$${params.length}`;
    });
    expect(sql).toBe('((r >= $1 AND ro < $2::float8 * r) OR (r >= $3 AND ro = 0))');
    expect(params).toEqual([30, 0.5 + 1e-9, 20]);
    // Nothing can fire: no parameter is asked for (PostgreSQL refuses one the statement does not name).
    const none: number[] = [];
    expect(sweepPairFilterSql({ received: 'r', receivedOnline: 'ro', completed: 'c', completedOnTime: 'ct' }, sweepPairFilter([], 30, null), (value) => `$${none.push(value)}`)).toBe('false');
    expect(none).toEqual([]);
  });
});

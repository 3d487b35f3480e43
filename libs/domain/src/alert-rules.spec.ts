import {
  AlertDecisionInput,
  AlertPolicy,
  alertPolicyProblems,
  AlertState,
  decideAlert,
  DEFAULT_ALERT_POLICY,
  highestOpenSeverity,
  onlineRateSample,
  onTimeRateSample,
  RuleAlertTransition,
  sampleForMetric,
  scopeSeverityTransition,
} from './alert-rules';
import { wilsonInterval } from './wilson';

const decide = (successes: number, trials: number, threshold: number, state: AlertState, policy?: AlertPolicy) =>
  decideAlert({ sample: { successes, trials }, threshold, state, policy });

describe('DEFAULT_ALERT_POLICY', () => {
  it('needs 30 dossiers and resolves 5 points above the threshold', () => {
    expect(DEFAULT_ALERT_POLICY).toEqual({ minimumDossiers: 30, resolveMargin: 0.05 });
    expect(Object.isFrozen(DEFAULT_ALERT_POLICY)).toBe(true);
  });
});

describe('samples per metric', () => {
  const counters = { received: 120, receivedOnline: 14, completed: 100, completedOnTime: 93 };

  it('takes online of received for the online rate', () => {
    expect(onlineRateSample(counters)).toEqual({ successes: 14, trials: 120 });
    expect(sampleForMetric('onlineRate', counters)).toEqual({ successes: 14, trials: 120 });
  });

  it('takes on time of completed for the on-time rate', () => {
    expect(onTimeRateSample(counters)).toEqual({ successes: 93, trials: 100 });
    expect(sampleForMetric('onTimeRate', counters)).toEqual({ successes: 93, trials: 100 });
  });
});

describe('decideAlert with no open alert', () => {
  it('does not fire on 0 of 2, however far below target', () => {
    const decision = decide(0, 2, 0.5, 'none');
    expect(decision).toMatchObject({ action: 'stay', reason: 'tooFewDossiers', nextState: 'none' });
  });

  it('does not fire on 0 of 2 even with no minimum to speak of: the upper bound is 0.66', () => {
    const decision = decide(0, 2, 0.5, 'none', { minimumDossiers: 1, resolveMargin: 0.05 });
    expect(decision).toMatchObject({ action: 'stay', reason: 'notClearlyBelowTarget' });
    expect(decision.evidence.interval![1]).toBeCloseTo(0.6576, 4);
  });

  it('does not fire one dossier below the minimum, and fires at the minimum', () => {
    expect(decide(0, 29, 0.5, 'none')).toMatchObject({ action: 'stay', reason: 'tooFewDossiers' });
    expect(decide(0, 30, 0.5, 'none')).toMatchObject({ action: 'fire', reason: 'belowTarget', nextState: 'firing' });
  });

  it('uses a configured minimum', () => {
    const policy = { minimumDossiers: 100, resolveMargin: 0.05 };
    expect(decide(0, 99, 0.5, 'none', policy).reason).toBe('tooFewDossiers');
    expect(decide(0, 100, 0.5, 'none', policy).action).toBe('fire');
  });

  describe('fires only when the Wilson upper bound is below the threshold', () => {
    it.each([
      // successes, trials, threshold, upper bound (from the Wilson formula), fires
      [9, 30, 0.5, 0.4788, true],
      [10, 30, 0.5, 0.5122, false], // 33% is well below 50%, but 30 dossiers cannot prove it
      [469, 1000, 0.5, 0.49999, true],
      [470, 1000, 0.5, 0.50099, false],
      [0, 30, 0.1, 0.1135, false], // none of 30 online does not prove a rate below 10%…
      [0, 34, 0.1, 0.1015, false],
      [0, 35, 0.1, 0.0989, true], // …none of 35 does
      [1, 100, 0.1, 0.0545, true],
    ])('%i of %i against %p: upper bound %p, fires: %p', (successes, trials, threshold, upper, fires) => {
      const decision = decide(successes, trials, threshold, 'none');
      expect(decision.evidence.interval![1]).toBeCloseTo(upper, 4);
      expect(decision.action).toBe(fires ? 'fire' : 'stay');
      expect(decision.reason).toBe(fires ? 'belowTarget' : 'notClearlyBelowTarget');
    });
  });

  it('never fires at a threshold of 0 (the way to silence a scope)', () => {
    expect(decide(0, 10_000, 0, 'none').action).toBe('stay');
  });

  it('does not fire at or above the threshold', () => {
    expect(decide(500, 1000, 0.5, 'none').action).toBe('stay');
    expect(decide(1000, 1000, 1, 'none').action).toBe('stay');
  });
});

describe('decideAlert with an open alert', () => {
  it.each<AlertState>(['firing', 'acknowledged'])('resolves a %s alert at threshold + margin, not below', (state) => {
    // threshold 0.5, margin 0.05: resolves from 55%
    expect(decide(54, 100, 0.5, state)).toMatchObject({ action: 'stay', reason: 'notYetRecovered', nextState: state });
    expect(decide(55, 100, 0.5, state)).toMatchObject({ action: 'resolve', reason: 'recovered', nextState: 'none' });
  });

  it('resolves exactly at threshold + margin despite binary floating point (0.1 + 0.05)', () => {
    expect(decide(15, 100, 0.1, 'firing')).toMatchObject({ action: 'resolve', reason: 'recovered' });
    expect(decide(15, 100, 0.1, 'firing').evidence.resolveAt).toBe(0.15);
    expect(decide(149, 1000, 0.1, 'firing').action).toBe('stay');
  });

  it('stays open when the rate is back at the threshold but not past the margin', () => {
    expect(decide(50, 100, 0.5, 'firing')).toMatchObject({ action: 'stay', reason: 'notYetRecovered' });
    expect(decide(53, 100, 0.5, 'firing').action).toBe('stay');
  });

  it('uses a configured margin, and a margin of 0 resolves at the threshold', () => {
    expect(decide(59, 100, 0.5, 'firing', { minimumDossiers: 30, resolveMargin: 0.1 }).action).toBe('stay');
    expect(decide(60, 100, 0.5, 'firing', { minimumDossiers: 30, resolveMargin: 0.1 }).action).toBe('resolve');
    expect(decide(50, 100, 0.5, 'firing', { minimumDossiers: 30, resolveMargin: 0 }).action).toBe('resolve');
  });

  it('caps the resolve line at 100% for a target near 100%', () => {
    const decision = decide(100, 100, 0.98, 'firing');
    expect(decision.evidence.resolveAt).toBe(1);
    expect(decision.action).toBe('resolve');
    expect(decide(99, 100, 0.98, 'firing').action).toBe('stay');
  });

  it('keeps the alert open when the sample shrinks below the minimum, even with a good rate', () => {
    // e.g. the month-to-date window on the 1st of the month
    expect(decide(0, 0, 0.5, 'firing')).toMatchObject({ action: 'stay', reason: 'tooFewDossiersToJudgeRecovery', nextState: 'firing' });
    expect(decide(29, 29, 0.5, 'acknowledged')).toMatchObject({ action: 'stay', nextState: 'acknowledged' });
    expect(decide(30, 30, 0.5, 'acknowledged')).toMatchObject({ action: 'resolve' });
  });

  it('never fires again while open', () => {
    expect(decide(0, 1000, 0.5, 'firing').action).toBe('stay');
    expect(decide(0, 1000, 0.5, 'acknowledged').action).toBe('stay');
  });
});

describe('hysteresis: a rate hovering at the line does not flap', () => {
  function run(rates: number[], trials: number, threshold: number): string[] {
    let state: AlertState = 'none';
    const actions: string[] = [];
    for (const r of rates) {
      const decision = decide(Math.round(r * trials), trials, threshold, state);
      if (decision.action !== 'stay') actions.push(`${decision.action}@${r}`);
      state = decision.nextState;
    }
    return actions;
  }

  it('fires once and resolves once on a large sample wobbling ±3 points around 50%', () => {
    const wobble = [0.52, 0.47, 0.51, 0.46, 0.5, 0.53, 0.48, 0.54, 0.49, 0.51, 0.47, 0.53];
    expect(run([...wobble, 0.56, ...wobble], 2000, 0.5)).toEqual(['fire@0.47', 'resolve@0.56', 'fire@0.47']);
  });

  it('fires once for a small sample wobbling below the line, never resolving short of the margin', () => {
    expect(run([0.3, 0.5, 0.4, 0.525, 0.3, 0.525], 40, 0.5)).toEqual(['fire@0.3']);
  });

  it('keeps at least the margin between the firing and resolving rates, however large the sample', () => {
    for (const trials of [30, 100, 1000, 100_000]) {
      const threshold = 0.5;
      // The highest rate that fires and the lowest that resolves.
      let highestFiring = -1;
      for (let s = 0; s <= trials; s += Math.max(1, Math.floor(trials / 2000))) {
        if (wilsonInterval(s, trials)![1] < threshold) highestFiring = s / trials;
      }
      let lowestResolving = 2;
      for (let s = trials; s >= 0; s -= Math.max(1, Math.floor(trials / 2000))) {
        if (decide(s, trials, threshold, 'firing').action === 'resolve') lowestResolving = s / trials;
      }
      expect(lowestResolving - highestFiring).toBeGreaterThanOrEqual(0.05);
    }
  });
});

describe('decideAlert evidence', () => {
  it('returns the numbers that explain the decision', () => {
    const decision = decide(14, 120, 0.5, 'none');
    expect(decision.action).toBe('fire');
    expect(decision.evidence).toEqual({
      successes: 14,
      trials: 120,
      rate: 14 / 120,
      interval: wilsonInterval(14, 120),
      threshold: 0.5,
      resolveMargin: 0.05,
      resolveAt: 0.55,
      minimumDossiers: 30,
    });
  });

  it('has no rate and no interval without dossiers', () => {
    expect(decide(0, 0, 0.5, 'none').evidence).toMatchObject({ rate: null, interval: null, trials: 0 });
  });
});

describe('decideAlert input checks', () => {
  it.each([
    [3, 2],
    [-1, 2],
    [0, -1],
    [0.5, 2],
    [0, Number.NaN],
  ])('rejects the impossible sample %p of %p', (successes, trials) => {
    expect(() => decide(successes, trials, 0.5, 'none')).toThrow(RangeError);
  });

  it.each([-0.1, 1.1, Number.NaN])('rejects threshold %p', (threshold) => {
    expect(() => decide(1, 2, threshold, 'none')).toThrow(RangeError);
  });

  it('rejects an invalid policy', () => {
    const input: AlertDecisionInput = { sample: { successes: 1, trials: 2 }, threshold: 0.5, state: 'none', policy: { minimumDossiers: 0, resolveMargin: 0.05 } };
    expect(() => decideAlert(input)).toThrow(/minimumDossiers/);
  });
});

describe('alertPolicyProblems', () => {
  it('accepts the defaults', () => {
    expect(alertPolicyProblems(DEFAULT_ALERT_POLICY)).toEqual([]);
  });

  it('lists every problem', () => {
    expect(alertPolicyProblems({ minimumDossiers: 2.5, resolveMargin: 1 })).toEqual([
      'minimumDossiers must be a whole number of at least 1',
      'resolveMargin must be a number in [0, 1)',
    ]);
    expect(alertPolicyProblems({ minimumDossiers: 0, resolveMargin: -0.01 })).toHaveLength(2);
  });
});

describe('severity per scope', () => {
  const t = (severity: 'warning' | 'critical', stateBefore: AlertState, stateAfter: AlertState): RuleAlertTransition => ({
    severity,
    stateBefore,
    stateAfter,
  });

  it('takes the highest open severity, acknowledged counting as open', () => {
    expect(highestOpenSeverity([])).toBeNull();
    expect(highestOpenSeverity([{ severity: 'critical', state: 'none' }])).toBeNull();
    expect(highestOpenSeverity([{ severity: 'warning', state: 'firing' }])).toBe('warning');
    expect(
      highestOpenSeverity([
        { severity: 'warning', state: 'firing' },
        { severity: 'critical', state: 'acknowledged' },
      ]),
    ).toBe('critical');
    expect(
      highestOpenSeverity([
        { severity: 'critical', state: 'firing' },
        { severity: 'warning', state: 'firing' },
      ]),
    ).toBe('critical');
  });

  it.each([
    ['opened', [t('warning', 'none', 'firing'), t('critical', 'none', 'none')], null, 'warning'],
    ['opened', [t('warning', 'none', 'firing'), t('critical', 'none', 'firing')], null, 'critical'],
    ['severityRaised', [t('warning', 'firing', 'firing'), t('critical', 'none', 'firing')], 'warning', 'critical'],
    ['severityRaised', [t('warning', 'acknowledged', 'acknowledged'), t('critical', 'none', 'firing')], 'warning', 'critical'],
    ['severityLowered', [t('warning', 'firing', 'firing'), t('critical', 'acknowledged', 'none')], 'critical', 'warning'],
    ['resolved', [t('warning', 'firing', 'none'), t('critical', 'firing', 'none')], 'critical', null],
    ['unchanged', [t('warning', 'none', 'firing'), t('critical', 'firing', 'firing')], 'critical', 'critical'],
    ['unchanged', [t('warning', 'firing', 'none'), t('critical', 'firing', 'firing')], 'critical', 'critical'],
    ['unchanged', [t('warning', 'firing', 'acknowledged')], 'warning', 'warning'],
    ['unchanged', [t('warning', 'none', 'none'), t('critical', 'none', 'none')], null, null],
  ] as const)('%s: %j', (change, transitions, before, after) => {
    expect(scopeSeverityTransition(transitions)).toEqual({ before, after, change });
  });

  it('follows the decisions of a scope falling from 40% to 5% and back', () => {
    // warning below 50%, critical below 10%, 1000 dossiers each time
    let warning: AlertState = 'none';
    let critical: AlertState = 'none';
    const changes: string[] = [];
    for (const online of [400, 50, 120, 180, 600]) {
      const w = decide(online, 1000, 0.5, warning);
      const c = decide(online, 1000, 0.1, critical);
      changes.push(
        scopeSeverityTransition([
          { severity: 'warning', stateBefore: warning, stateAfter: w.nextState },
          { severity: 'critical', stateBefore: critical, stateAfter: c.nextState },
        ]).change,
      );
      warning = w.nextState;
      critical = c.nextState;
    }
    // 12% is back above 10% but below 15%: critical stays; 18% resolves it; 60% resolves the warning.
    expect(changes).toEqual(['opened', 'severityRaised', 'unchanged', 'severityLowered', 'resolved']);
  });
});

import { DEFAULT_TARGET_RULES, TargetRule } from '@dvc/domain';
import { explainedScopes, withPreviousCounts } from './previous-counts';
import { AgencyInfo, namedTopProcedures, namedTopProceduresFromBelow, OpenAlert, PairCounts, planSweep, ProcedureInfo, SweepInput, ZERO_COUNTS } from './sweep-plan';

const agencies = new Map<string, AgencyInfo>([
  ['A', { code: 'A', name: 'UBND tỉnh A', level: 'province', parentCode: null }],
  ['B', { code: 'B', name: 'Sở B', level: 'department', parentCode: 'A' }],
]);
const procedures = new Map<string, ProcedureInfo>([
  ['P1', { code: 'P1', name: 'Thủ tục 1', onlineLevel: 'full' }],
  ['P2', { code: 'P2', name: 'Thủ tục 2', onlineLevel: 'full' }],
  ['P9', { code: 'P9', name: 'Thủ tục không trực tuyến', onlineLevel: 'none' }],
]);
const window = { firstDay: '2025-06-01', lastDay: '2025-06-15' };
const previousWindow = { firstDay: '2025-05-01', lastDay: '2025-05-15' };

function pair(agencyCode: string, procedureCode: string, received: number, online: number, previous: [number, number] = [0, 0]): PairCounts {
  return {
    agencyCode,
    procedureCode,
    current: { ...ZERO_COUNTS, received, receivedOnline: online },
    previous: { ...ZERO_COUNTS, received: previous[0], receivedOnline: previous[1] },
  };
}

function input(pairs: PairCounts[], openAlerts: OpenAlert[] = [], rules: readonly TargetRule[] = DEFAULT_TARGET_RULES): SweepInput {
  return { rules, agencies, procedures, windows: [{ kind: 'monthToDate', window, previousWindow, pairs }], openAlerts, policy: { minimumDossiers: 30, resolveMargin: 0.05 }, topProcedures: 5 };
}

const open = (procedureCode: string | null, severity: 'warning' | 'critical', agencyCode = 'A'): OpenAlert => ({
  id: `alert-${agencyCode}-${procedureCode ?? 'all'}-${severity}`,
  targetId: severity === 'warning' ? 'default-online-rate-warning' : 'default-online-rate-critical',
  agencyCode,
  procedureCode,
  windowKind: 'monthToDate',
  metric: 'onlineRate',
  severity,
  status: 'firing',
});

describe('withPreviousCounts', () => {
  it('gives the explanations planned without previous counts what planning with them gives', () => {
    const withPrevious = [pair('A', 'P1', 100, 2, [100, 20]), pair('A', 'P2', 60, 30, [40, 10]), pair('B', 'P1', 80, 4, [0, 0])];
    const expected = planSweep(input(withPrevious));
    const plan = planSweep(input(withPrevious.map((p) => ({ ...p, previous: { ...ZERO_COUNTS } }))));
    const previousOf = (agencyCode: string, procedureCode: string | null) => {
      const mine = withPrevious.filter((p) => p.agencyCode === agencyCode && (procedureCode === null || p.procedureCode === procedureCode));
      return mine.reduce((sum, p) => ({ ...sum, received: sum.received + p.previous.received, receivedOnline: sum.receivedOnline + p.previous.receivedOnline }), { ...ZERO_COUNTS });
    };
    const scopes = explainedScopes(plan);
    expect(scopes.length).toBe(expected.opened.length);
    expect(plan.opened.map((a) => a.explanation.trend)).not.toEqual(expected.opened.map((a) => a.explanation.trend));
    for (const scope of scopes) withPreviousCounts(scope, previousOf(scope.agencyCode, scope.procedureCode));
    expect(plan.opened).toEqual(expected.opened);
  });
});

describe('planSweep', () => {
  it('fires per agency as a whole and per agency × procedure, with the explanation', () => {
    const plan = planSweep(input([pair('A', 'P1', 100, 2, [100, 20]), pair('A', 'P2', 60, 30)]));
    const fired = plan.opened.map((a) => `${a.procedureCode ?? '*'} ${a.severity}`).sort();
    // A: 32 of 160 = 20% (upper ≈ 27%): warning only. P1: 2 of 100 (upper ≈ 7%): both. P2: 50%: none.
    expect(fired).toEqual(['* warning', 'P1 critical', 'P1 warning']);
    const agencyAlert = plan.opened.find((a) => a.procedureCode === null)!;
    expect(agencyAlert.evaluation).toMatchObject({ successes: 32, trials: 160, threshold: 0.5, windowKind: 'monthToDate', reason: 'belowTarget' });
    expect(agencyAlert.explanation.topProcedures.map((p) => [p.procedureCode, p.procedureName, p.missingToReachTarget])).toEqual([['P1', 'Thủ tục 1', 48]]);
    expect(agencyAlert.explanation.trend).toMatchObject({ previousRate: 0.2, currentRate: 0.2, direction: 'unchanged' });
    expect(agencyAlert.explanation.target).toMatchObject({ ruleId: 'default-online-rate-warning', matchedBy: { kind: 'all' } });
    // The look ahead of June 2025 from 1–15 June (10 working days, 11 left): 160 dossiers at 16 a day → 176 more;
    // half of 336 is 168 online, 136 more than the 32: 12.36 a working day against the present 3.2. The share's
    // Wilson interval (0.1455–0.2687) blended: (32 + 176 × 0.1455) / 336 = 0.1714, (32 + 176 × 0.2687) / 336 = 0.236.
    expect(agencyAlert.explanation.lookAhead).toEqual({
      month: '2025-06',
      workingDaysElapsed: 10,
      workingDaysRemaining: 11,
      projectedRate: 0.2,
      projectedRateCi95: [0.1714, 0.236],
      expectedRemaining: 176,
      neededOnlinePerWorkingDay: 12.36,
      presentOnlinePerWorkingDay: 3.2,
      targetOutlook: 'reachable',
    });
    // On-time has no dossiers completed: never judged below target.
    expect(plan.opened.every((a) => a.metric === 'onlineRate')).toBe(true);
  });

  it('does not fire on a small sample, nor for a procedure not offered online', () => {
    expect(planSweep(input([pair('B', 'P1', 2, 0)])).opened).toEqual([]);
    expect(planSweep(input([pair('B', 'P9', 1000, 0), pair('B', 'P1', 1000, 1000)])).opened).toEqual([]);
  });

  it('keeps an open alert open inside the hysteresis band and resolves above threshold + margin', () => {
    const openAlerts = [open(null, 'warning'), open('P1', 'warning')];
    const hovering = planSweep(input([pair('A', 'P1', 300, 160)], openAlerts));
    expect(hovering.opened).toEqual([]);
    expect(hovering.resolved).toEqual([]);
    expect(hovering.stillOpen.map((s) => s.id).sort()).toEqual(openAlerts.map((a) => a.id).sort());

    const recovered = planSweep(input([pair('A', 'P1', 300, 165)], openAlerts));
    expect(recovered.resolved.map((r) => [r.alert.id, r.reason]).sort()).toEqual(openAlerts.map((a) => [a.id, 'recovered']).sort());
    expect(recovered.decisions.resolve).toBe(2);
  });

  it('judges an open alert whose scope has no dossiers left, and keeps it open', () => {
    const plan = planSweep(input([], [open('P2', 'warning', 'B')]));
    expect(plan.stillOpen.map((s) => [s.id, s.evaluation.reason])).toEqual([['alert-B-P2-warning', 'tooFewDossiersToJudgeRecovery']]);
  });

  it('resolves an open alert whose rule no longer applies, and opens one for the rule that does', () => {
    const stricter: TargetRule = { id: 'agency-b-warning', scope: { kind: 'agency', agencyCode: 'B' }, metric: 'onlineRate', threshold: 0.9, severity: 'warning' };
    const plan = planSweep(input([pair('B', 'P1', 100, 60)], [open(null, 'warning', 'B')], [...DEFAULT_TARGET_RULES, stricter]));
    expect(plan.resolved.map((r) => [r.alert.id, r.reason])).toEqual([['alert-B-all-warning', 'ruleNoLongerApplies']]);
    expect(plan.opened.map((a) => `${a.procedureCode ?? '*'} ${a.targetId}`)).toEqual(['* agency-b-warning', 'P1 agency-b-warning']);
  });
});

describe('namedTopProceduresFromBelow', () => {
  it('ranks from the procedures below the threshold and the totals exactly as from every pair', () => {
    const procedures = new Map([...'ABCDEFGH'].map((c) => [c, { code: c, name: `Thủ tục ${c}`, onlineLevel: 'full' as const }]));
    const counts = (received: number, receivedOnline: number) => ({ received, receivedOnline, completed: received, completedOnTime: Math.floor(received / 2) });
    const pairs = [counts(100, 2), counts(40, 30), counts(7, 0), counts(0, 0), counts(55, 20), counts(300, 200), counts(12, 6), counts(9, 1)].map((current, i) => ({
      agencyCode: 'X',
      procedureCode: 'ABCDEFGH'[i],
      current,
      previous: counts(0, 0),
    }));
    const totals = pairs.reduce(
      (t, p) => ({ received: t.received + p.current.received, receivedOnline: t.receivedOnline + p.current.receivedOnline, completed: t.completed + p.current.completed, completedOnTime: t.completedOnTime + p.current.completedOnTime }),
      { received: 0, receivedOnline: 0, completed: 0, completedOnTime: 0 },
    );
    for (const metric of ['onlineRate', 'onTimeRate'] as const) {
      for (const threshold of [0.1, 0.5, 0.7]) {
        const below = pairs
          .map((p) => ({ procedureCode: p.procedureCode, ...(metric === 'onlineRate' ? { successes: p.current.receivedOnline, trials: p.current.received } : { successes: p.current.completedOnTime, trials: p.current.completed }) }))
          .filter((s) => s.trials > 0 && s.successes / s.trials < threshold);
        expect(namedTopProceduresFromBelow(below, totals, metric, threshold, 3, procedures)).toEqual(namedTopProcedures(pairs, metric, threshold, 3, procedures));
      }
    }
  });
});

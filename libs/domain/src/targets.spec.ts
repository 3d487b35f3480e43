import {
  agencyAncestry,
  DEFAULT_TARGET_RULES,
  matchTargetRule,
  memoizedEffectiveTargets,
  resolveEffectiveTargets,
  TARGET_SCOPE_PRECEDENCE,
  TargetRule,
  TargetScope,
  TargetSubject,
  targetRuleProblems,
} from './targets';

// A small Hưng Yên: province ← district ← commune.
const PROVINCE = '000.00.00.H31';
const DISTRICT = '000.00.17.H31';
const COMMUNE = '000.17.01.H31';
const COMMUNE_ANCESTRY = [DISTRICT, PROVINCE];
const BIRTH_REGISTRATION = '1.001612';

const commune: TargetSubject = { agencyCode: COMMUNE, agencyLevel: 'commune' };
const communeBirthRegistration: TargetSubject = {
  ...commune,
  procedureCode: BIRTH_REGISTRATION,
  procedureOnlineLevel: 'full',
};

let nextId = 0;
function rule(scope: TargetScope, threshold: number, overrides: Partial<TargetRule> = {}): TargetRule {
  return { id: `r${String(++nextId).padStart(3, '0')}`, scope, metric: 'onlineRate', threshold, severity: 'warning', ...overrides };
}

const winner = (rules: TargetRule[], subject: TargetSubject, ancestry = COMMUNE_ANCESTRY) =>
  resolveEffectiveTargets(rules, subject, ancestry).onlineRate.warning;

describe('DEFAULT_TARGET_RULES', () => {
  it('ships critical below 10% and warning below 50% online, for everything', () => {
    expect(DEFAULT_TARGET_RULES.map(({ scope, metric, severity, threshold }) => ({ scope, metric, severity, threshold }))).toEqual([
      { scope: { kind: 'all' }, metric: 'onlineRate', severity: 'critical', threshold: 0.1 },
      { scope: { kind: 'all' }, metric: 'onlineRate', severity: 'warning', threshold: 0.5 },
    ]);
  });

  it('resolves for any agency to those two, matched by "all", and nothing for on-time', () => {
    const effective = resolveEffectiveTargets(DEFAULT_TARGET_RULES, commune, COMMUNE_ANCESTRY);
    expect(effective.onlineRate.critical?.rule.threshold).toBe(0.1);
    expect(effective.onlineRate.warning?.rule.threshold).toBe(0.5);
    expect(effective.onlineRate.critical?.matchedBy).toEqual({ kind: 'all' });
    expect(effective.onTimeRate).toEqual({});
  });

  it('cannot be mutated by a caller', () => {
    expect(Object.isFrozen(DEFAULT_TARGET_RULES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_TARGET_RULES[0])).toBe(true);
    expect(() => {
      (DEFAULT_TARGET_RULES[0] as { threshold: number }).threshold = 0.9;
    }).toThrow(TypeError);
  });

  it('are valid rules', () => {
    for (const defaultRule of DEFAULT_TARGET_RULES) expect(targetRuleProblems(defaultRule)).toEqual([]);
  });
});

describe('matchTargetRule', () => {
  it.each<[string, TargetScope, TargetSubject, unknown]>([
    ['all matches an agency', { kind: 'all' }, commune, { kind: 'all' }],
    ['agency level matches the same level', { kind: 'agencyLevel', agencyLevel: 'commune' }, commune, { kind: 'agencyLevel' }],
    ['agency level does not match another level', { kind: 'agencyLevel', agencyLevel: 'district' }, commune, null],
    ['online level matches the procedure’s level', { kind: 'onlineLevel', onlineLevel: 'full' }, communeBirthRegistration, { kind: 'onlineLevel' }],
    ['online level does not match another level', { kind: 'onlineLevel', onlineLevel: 'partial' }, communeBirthRegistration, null],
    ['online level does not apply to an agency as a whole', { kind: 'onlineLevel', onlineLevel: 'full' }, commune, null],
    [
      'online level needs a procedure, not just an online level',
      { kind: 'onlineLevel', onlineLevel: 'full' },
      { ...commune, procedureOnlineLevel: 'full' },
      null,
    ],
    ['procedure matches the procedure', { kind: 'procedure', procedureCode: BIRTH_REGISTRATION }, communeBirthRegistration, { kind: 'procedure' }],
    ['procedure does not match another procedure', { kind: 'procedure', procedureCode: '1.000001' }, communeBirthRegistration, null],
    ['procedure does not apply to an agency as a whole', { kind: 'procedure', procedureCode: BIRTH_REGISTRATION }, commune, null],
    [
      'agency × procedure matches both',
      { kind: 'agencyProcedure', agencyCode: COMMUNE, procedureCode: BIRTH_REGISTRATION },
      communeBirthRegistration,
      { kind: 'agencyProcedure' },
    ],
    [
      'agency × procedure does not match another agency',
      { kind: 'agencyProcedure', agencyCode: DISTRICT, procedureCode: BIRTH_REGISTRATION },
      communeBirthRegistration,
      null,
    ],
    [
      'agency × procedure does not apply to the agency as a whole',
      { kind: 'agencyProcedure', agencyCode: COMMUNE, procedureCode: BIRTH_REGISTRATION },
      commune,
      null,
    ],
    ['agency matches itself', { kind: 'agency', agencyCode: COMMUNE }, commune, { kind: 'agency' }],
    ['agency without subtree does not match a descendant', { kind: 'agency', agencyCode: DISTRICT }, commune, null],
    ['includeSubtree: false is the agency only', { kind: 'agency', agencyCode: DISTRICT, includeSubtree: false }, commune, null],
    [
      'subtree matches the agency it names at distance 0',
      { kind: 'agency', agencyCode: COMMUNE, includeSubtree: true },
      commune,
      { kind: 'agencySubtree', subtreeRoot: { agencyCode: COMMUNE, distance: 0 } },
    ],
    [
      'subtree matches a child at distance 1',
      { kind: 'agency', agencyCode: DISTRICT, includeSubtree: true },
      commune,
      { kind: 'agencySubtree', subtreeRoot: { agencyCode: DISTRICT, distance: 1 } },
    ],
    [
      'subtree matches a grandchild at distance 2',
      { kind: 'agency', agencyCode: PROVINCE, includeSubtree: true },
      commune,
      { kind: 'agencySubtree', subtreeRoot: { agencyCode: PROVINCE, distance: 2 } },
    ],
    [
      'subtree does not match an agency outside it',
      { kind: 'agency', agencyCode: '000.00.18.H31', includeSubtree: true },
      commune,
      null,
    ],
    ['agency rules apply to the agency’s procedures', { kind: 'agency', agencyCode: COMMUNE }, communeBirthRegistration, { kind: 'agency' }],
  ])('%s', (_, scope, subject, expected) => {
    expect(matchTargetRule(rule(scope, 0.5), subject, COMMUNE_ANCESTRY)).toEqual(expected);
  });

  it('does not match up the tree: a subtree rule on a commune says nothing about its district', () => {
    const district: TargetSubject = { agencyCode: DISTRICT, agencyLevel: 'district' };
    expect(matchTargetRule(rule({ kind: 'agency', agencyCode: COMMUNE, includeSubtree: true }, 0.5), district, [PROVINCE])).toBeNull();
  });

  it('counts distances the same whether or not the ancestry starts with the agency itself', () => {
    const subtree = rule({ kind: 'agency', agencyCode: PROVINCE, includeSubtree: true }, 0.5);
    expect(matchTargetRule(subtree, commune, [COMMUNE, DISTRICT, PROVINCE])?.subtreeRoot?.distance).toBe(2);
    expect(matchTargetRule(subtree, commune, [DISTRICT, PROVINCE])?.subtreeRoot?.distance).toBe(2);
  });

  describe('a procedure not offered online', () => {
    const offline: TargetSubject = { ...commune, procedureCode: BIRTH_REGISTRATION, procedureOnlineLevel: 'none' };

    it.each<TargetScope>([
      { kind: 'all' },
      { kind: 'agencyLevel', agencyLevel: 'commune' },
      { kind: 'agency', agencyCode: COMMUNE },
      { kind: 'agency', agencyCode: PROVINCE, includeSubtree: true },
    ])('is not held to an online-rate target by the broad scope %j', (scope) => {
      expect(matchTargetRule(rule(scope, 0.1), offline, COMMUNE_ANCESTRY)).toBeNull();
    });

    it.each<TargetScope>([
      { kind: 'procedure', procedureCode: BIRTH_REGISTRATION },
      { kind: 'agencyProcedure', agencyCode: COMMUNE, procedureCode: BIRTH_REGISTRATION },
    ])('is held to an online-rate target by a rule that names it: %j', (scope) => {
      expect(matchTargetRule(rule(scope, 0.1), offline, COMMUNE_ANCESTRY)).not.toBeNull();
    });

    it('is still held to an on-time target by broad scopes', () => {
      expect(matchTargetRule(rule({ kind: 'all' }, 0.9, { metric: 'onTimeRate' }), offline, COMMUNE_ANCESTRY)).toEqual({ kind: 'all' });
    });

    it('does not take the agency as a whole out of its online-rate target', () => {
      expect(matchTargetRule(rule({ kind: 'all' }, 0.1), commune, COMMUNE_ANCESTRY)).toEqual({ kind: 'all' });
    });
  });
});

describe('resolveEffectiveTargets', () => {
  // One rule per kind of scope, each with a distinct threshold, all matching communeBirthRegistration.
  const byKind = {
    agencyProcedure: rule({ kind: 'agencyProcedure', agencyCode: COMMUNE, procedureCode: BIRTH_REGISTRATION }, 0.61),
    procedure: rule({ kind: 'procedure', procedureCode: BIRTH_REGISTRATION }, 0.52),
    agency: rule({ kind: 'agency', agencyCode: COMMUNE }, 0.43),
    agencySubtree: rule({ kind: 'agency', agencyCode: DISTRICT, includeSubtree: true }, 0.34),
    onlineLevel: rule({ kind: 'onlineLevel', onlineLevel: 'full' }, 0.25),
    agencyLevel: rule({ kind: 'agencyLevel', agencyLevel: 'commune' }, 0.16),
    all: rule({ kind: 'all' }, 0.07),
  };

  it('documents the precedence it applies', () => {
    expect(TARGET_SCOPE_PRECEDENCE).toEqual(['agencyProcedure', 'procedure', 'agency', 'agencySubtree', 'onlineLevel', 'agencyLevel', 'all']);
  });

  it.each(TARGET_SCOPE_PRECEDENCE.map((kind, index) => [kind, index] as const))(
    '%s beats every less specific scope, whatever the order of the rules',
    (kind, index) => {
      const contenders = TARGET_SCOPE_PRECEDENCE.slice(index).map((k) => byKind[k]);
      for (const rules of [contenders, [...contenders].reverse()]) {
        const effective = winner(rules, communeBirthRegistration)!;
        expect(effective.rule).toBe(byKind[kind]);
        expect(effective.matchedBy.kind).toBe(kind);
        expect(effective.overridden.map((o) => o.rule)).toEqual(contenders.slice(1));
      }
    },
  );

  it('lets a looser specific target override a stricter general one (specificity, not strictness, decides)', () => {
    const lenientForProcedure = rule({ kind: 'procedure', procedureCode: BIRTH_REGISTRATION }, 0.2);
    const strictForAll = rule({ kind: 'all' }, 0.8);
    expect(winner([strictForAll, lenientForProcedure], communeBirthRegistration)?.rule).toBe(lenientForProcedure);
  });

  it('prefers an exact agency rule to a subtree rule naming the same agency', () => {
    const exact = rule({ kind: 'agency', agencyCode: COMMUNE }, 0.3);
    const subtree = rule({ kind: 'agency', agencyCode: COMMUNE, includeSubtree: true }, 0.9);
    expect(winner([subtree, exact], commune)?.rule).toBe(exact);
  });

  describe('subtree depth', () => {
    const province = rule({ kind: 'agency', agencyCode: PROVINCE, includeSubtree: true }, 0.9);
    const district = rule({ kind: 'agency', agencyCode: DISTRICT, includeSubtree: true }, 0.2);
    const itself = rule({ kind: 'agency', agencyCode: COMMUNE, includeSubtree: true }, 0.4);

    it('prefers the nearer ancestor, even with a lower threshold', () => {
      const effective = winner([province, district], commune)!;
      expect(effective.rule).toBe(district);
      expect(effective.matchedBy.subtreeRoot).toEqual({ agencyCode: DISTRICT, distance: 1 });
      expect(effective.overridden.map((o) => o.rule)).toEqual([province]);
    });

    it('prefers the agency’s own subtree rule (distance 0) to its parent’s', () => {
      expect(winner([province, district, itself], commune)?.rule).toBe(itself);
    });

    it('falls back to the farther ancestor for an agency outside the nearer subtree', () => {
      const otherDistrictCommune: TargetSubject = { agencyCode: '000.18.01.H31', agencyLevel: 'commune' };
      expect(winner([province, district], otherDistrictCommune, ['000.00.18.H31', PROVINCE])?.rule).toBe(province);
    });

    it('ranks any subtree rule above online-level and agency-level rules', () => {
      const level = rule({ kind: 'agencyLevel', agencyLevel: 'commune' }, 0.95);
      expect(winner([level, province], commune)?.rule).toBe(province);
    });
  });

  describe('ties in specificity', () => {
    it('go to the higher (stricter) threshold, whatever the order', () => {
      const looser = rule({ kind: 'procedure', procedureCode: BIRTH_REGISTRATION }, 0.3, { id: 'a' });
      const stricter = rule({ kind: 'procedure', procedureCode: BIRTH_REGISTRATION }, 0.6, { id: 'b' });
      expect(winner([looser, stricter], communeBirthRegistration)?.rule).toBe(stricter);
      expect(winner([stricter, looser], communeBirthRegistration)?.rule).toBe(stricter);
      expect(winner([looser, stricter], communeBirthRegistration)?.overridden.map((o) => o.rule)).toEqual([looser]);
    });

    it('then to the smaller id, whatever the order', () => {
      const first = rule({ kind: 'all' }, 0.5, { id: 'rule-a' });
      const second = rule({ kind: 'all' }, 0.5, { id: 'rule-b' });
      expect(winner([second, first], commune)?.rule).toBe(first);
      expect(winner([first, second], commune)?.rule).toBe(first);
    });
  });

  it('resolves each metric and severity on its own', () => {
    const criticalAll = rule({ kind: 'all' }, 0.1, { severity: 'critical' });
    const warningForCommune = rule({ kind: 'agency', agencyCode: COMMUNE }, 0.6, { severity: 'warning' });
    const onTimeForLevel = rule({ kind: 'agencyLevel', agencyLevel: 'commune' }, 0.95, { metric: 'onTimeRate', severity: 'critical' });
    const effective = resolveEffectiveTargets([criticalAll, warningForCommune, onTimeForLevel], commune, COMMUNE_ANCESTRY);
    expect(effective.onlineRate.critical?.rule).toBe(criticalAll);
    expect(effective.onlineRate.warning?.rule).toBe(warningForCommune);
    expect(effective.onTimeRate.critical?.rule).toBe(onTimeForLevel);
    expect(effective.onTimeRate.warning).toBeUndefined();
  });

  it('ignores disabled rules: they shadow nothing', () => {
    const disabledSpecific = rule({ kind: 'agencyProcedure', agencyCode: COMMUNE, procedureCode: BIRTH_REGISTRATION }, 0.9, { enabled: false });
    const general = rule({ kind: 'all' }, 0.5);
    const effective = winner([disabledSpecific, general], communeBirthRegistration)!;
    expect(effective.rule).toBe(general);
    expect(effective.overridden).toEqual([]);
    expect(winner([disabledSpecific], communeBirthRegistration)).toBeUndefined();
  });

  it('treats enabled: true like an absent flag', () => {
    const explicit = rule({ kind: 'all' }, 0.5, { enabled: true });
    expect(winner([explicit], commune)?.rule).toBe(explicit);
  });

  it('evaluates an agency as a whole without procedure or online-level rules', () => {
    const procedureRules = [byKind.agencyProcedure, byKind.procedure, byKind.onlineLevel];
    expect(winner(procedureRules, commune)).toBeUndefined();
    expect(winner([...procedureRules, byKind.agencyLevel], commune)?.rule).toBe(byKind.agencyLevel);
  });

  it('returns nothing when no rule matches', () => {
    expect(resolveEffectiveTargets([], commune, COMMUNE_ANCESTRY)).toEqual({ onlineRate: {}, onTimeRate: {} });
  });

  it('does not reorder the caller’s rules', () => {
    const rules = [byKind.all, byKind.agencyProcedure, byKind.agency];
    const copy = [...rules];
    resolveEffectiveTargets(rules, communeBirthRegistration, COMMUNE_ANCESTRY);
    expect(rules).toEqual(copy);
  });
});

describe('agencyAncestry', () => {
  const parents: Record<string, string | null> = { [COMMUNE]: DISTRICT, [DISTRICT]: PROVINCE, [PROVINCE]: null };

  it('walks up to the root, parent first', () => {
    expect(agencyAncestry(COMMUNE, (code) => parents[code])).toEqual([DISTRICT, PROVINCE]);
  });

  it('is empty for a root and for an unknown agency', () => {
    expect(agencyAncestry(PROVINCE, (code) => parents[code])).toEqual([]);
    expect(agencyAncestry('unknown', (code) => parents[code])).toEqual([]);
  });

  it('stops at a cycle in the reference data instead of looping', () => {
    const cyclic: Record<string, string> = { a: 'b', b: 'c', c: 'a' };
    expect(agencyAncestry('a', (code) => cyclic[code])).toEqual(['b', 'c']);
    expect(agencyAncestry('self', () => 'self')).toEqual([]);
  });
});

describe('targetRuleProblems', () => {
  it('accepts the boundaries 0 and 1', () => {
    expect(targetRuleProblems(rule({ kind: 'all' }, 0))).toEqual([]);
    expect(targetRuleProblems(rule({ kind: 'all' }, 1))).toEqual([]);
  });

  it.each([-0.01, 1.01, Number.NaN])('rejects threshold %p', (threshold) => {
    expect(targetRuleProblems(rule({ kind: 'all' }, threshold))).toEqual(['threshold must be a number between 0 and 1']);
  });

  it('lists every problem at once', () => {
    const bad = {
      id: '',
      scope: { kind: 'agencyProcedure', agencyCode: '', procedureCode: '' },
      metric: 'paidRate',
      threshold: 2,
      severity: 'info',
    } as unknown as TargetRule;
    expect(targetRuleProblems(bad)).toEqual([
      'id must not be empty',
      'metric must be one of onlineRate, onTimeRate',
      'severity must be one of critical, warning',
      'threshold must be a number between 0 and 1',
      'scope.agencyCode must not be empty',
      'scope.procedureCode must not be empty',
    ]);
  });

  it('rejects an online-level scope of "none"', () => {
    const bad = rule({ kind: 'onlineLevel', onlineLevel: 'none' } as unknown as TargetScope, 0.5);
    expect(targetRuleProblems(bad)).toEqual(['scope.onlineLevel must be one of full, partial']);
  });
});

describe('memoizedEffectiveTargets', () => {
  const OTHER_COMMUNE = '000.17.02.H31';
  const MARRIAGE = '1.000894';
  const CONSTRUCTION = '1.009994';
  const rules: TargetRule[] = [
    ...DEFAULT_TARGET_RULES,
    rule({ kind: 'agencyLevel', agencyLevel: 'commune' }, 0.3),
    rule({ kind: 'onlineLevel', onlineLevel: 'full' }, 0.6, { severity: 'critical' }),
    rule({ kind: 'agency', agencyCode: DISTRICT, includeSubtree: true }, 0.4, { metric: 'onTimeRate' }),
    rule({ kind: 'procedure', procedureCode: BIRTH_REGISTRATION }, 0.7),
    rule({ kind: 'agencyProcedure', agencyCode: OTHER_COMMUNE, procedureCode: MARRIAGE }, 0.2, { severity: 'critical' }),
    rule({ kind: 'all' }, 0.9, { enabled: false }),
  ];
  const ancestryOf: Record<string, string[]> = { [PROVINCE]: [], [DISTRICT]: [PROVINCE], [COMMUNE]: COMMUNE_ANCESTRY, [OTHER_COMMUNE]: COMMUNE_ANCESTRY };
  const levelOf = { [PROVINCE]: 'province', [DISTRICT]: 'district', [COMMUNE]: 'commune', [OTHER_COMMUNE]: 'commune' } as const;
  const subjects: TargetSubject[] = Object.keys(ancestryOf).flatMap((agencyCode) => [
    { agencyCode, agencyLevel: levelOf[agencyCode as keyof typeof levelOf] },
    ...[BIRTH_REGISTRATION, MARRIAGE, CONSTRUCTION, '1.000001'].flatMap((procedureCode) =>
      (['full', 'partial', 'none'] as const).map((procedureOnlineLevel) => ({
        agencyCode,
        agencyLevel: levelOf[agencyCode as keyof typeof levelOf],
        procedureCode,
        procedureOnlineLevel,
      })),
    ),
  ]);

  it('answers every subject exactly as resolveEffectiveTargets does, asked in any order and more than once', () => {
    const targetsOf = memoizedEffectiveTargets(rules);
    for (const subject of [...subjects, ...[...subjects].reverse()]) {
      expect(targetsOf(subject, ancestryOf[subject.agencyCode])).toEqual(resolveEffectiveTargets(rules, subject, ancestryOf[subject.agencyCode]));
    }
  });

  it('tells apart the procedures a rule names, and shares the answer of those no rule names', () => {
    const targetsOf = memoizedEffectiveTargets(rules);
    const at = (procedureCode: string) =>
      targetsOf({ agencyCode: COMMUNE, agencyLevel: 'commune', procedureCode, procedureOnlineLevel: 'partial' }, COMMUNE_ANCESTRY);
    expect(at(BIRTH_REGISTRATION).onlineRate.warning?.rule.threshold).toBe(0.7);
    expect(at(CONSTRUCTION).onlineRate.warning?.rule.threshold).toBe(0.3);
    expect(at(CONSTRUCTION)).toBe(at('1.000001'));
    expect(at(BIRTH_REGISTRATION)).not.toBe(at(CONSTRUCTION));
  });
});

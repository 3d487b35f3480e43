import type { AgencyLevel, OnlineLevel } from '@dvc/contracts';

/**
 * Targets: which threshold an agency, or an agency × procedure pair, is held to.
 *
 * A rule says "for this scope, the metric should not fall below this threshold, at this severity".
 * For a subject, every enabled rule whose scope matches competes, separately per metric and severity;
 * the most specific scope wins (see `TARGET_SCOPE_PRECEDENCE`).
 */

export const TARGET_METRICS = ['onlineRate', 'onTimeRate'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

export const ALERT_SEVERITIES = ['critical', 'warning'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Online levels a target can be scoped to: a procedure not offered online has no online level to target. */
export const TARGETABLE_ONLINE_LEVELS = ['full', 'partial'] as const;
export type TargetableOnlineLevel = (typeof TARGETABLE_ONLINE_LEVELS)[number];

export type TargetScope =
  | { kind: 'all' }
  | { kind: 'agencyLevel'; agencyLevel: AgencyLevel }
  | { kind: 'onlineLevel'; onlineLevel: TargetableOnlineLevel }
  /** Without `includeSubtree` the agency itself only; with it, the agency and every agency below it. */
  | { kind: 'agency'; agencyCode: string; includeSubtree?: boolean }
  | { kind: 'procedure'; procedureCode: string }
  | { kind: 'agencyProcedure'; agencyCode: string; procedureCode: string };

export type TargetScopeKind = TargetScope['kind'];

export interface TargetRule {
  id: string;
  scope: TargetScope;
  metric: TargetMetric;
  /** A ratio in [0, 1]: the subject is below target when its rate is below this. */
  threshold: number;
  severity: AlertSeverity;
  /** `false` takes the rule out of resolution entirely (it shadows nothing). Absent means enabled. */
  enabled?: boolean;
}

/**
 * What a target is resolved for: an agency as a whole (all its procedures: no `procedureCode`), or one
 * procedure at one agency.
 */
export interface TargetSubject {
  agencyCode: string;
  agencyLevel: AgencyLevel;
  procedureCode?: string;
  /** The procedure's online level; only meaningful with `procedureCode`. */
  procedureOnlineLevel?: OnlineLevel;
}

/**
 * How a rule's scope matched, from the most specific to the least. An agency rule with
 * `includeSubtree` matches as `agencySubtree` — also for the agency it names, at distance 0 — so an
 * exact rule on an agency beats a subtree rule on the same agency.
 */
export type TargetMatchKind =
  | 'agencyProcedure'
  | 'procedure'
  | 'agency'
  | 'agencySubtree'
  | 'onlineLevel'
  | 'agencyLevel'
  | 'all';

/** Most specific first. Within `agencySubtree`, the nearer ancestor wins (0 = the agency itself). */
export const TARGET_SCOPE_PRECEDENCE: readonly TargetMatchKind[] = [
  'agencyProcedure',
  'procedure',
  'agency',
  'agencySubtree',
  'onlineLevel',
  'agencyLevel',
  'all',
];

export interface TargetMatch {
  kind: TargetMatchKind;
  /** For `agencySubtree`: the agency the rule names and how many levels above the subject it is. */
  subtreeRoot?: { agencyCode: string; distance: number };
}

export interface EffectiveTarget {
  rule: TargetRule;
  /** Why this rule applies to the subject. */
  matchedBy: TargetMatch;
  /** Other enabled rules that matched for the same metric and severity but lost, best first. */
  overridden: Array<{ rule: TargetRule; matchedBy: TargetMatch }>;
}

export type EffectiveTargets = Record<TargetMetric, Partial<Record<AlertSeverity, EffectiveTarget>>>;

/**
 * The shipped defaults: critical below 10% online (the floor the press reports describe), warning below
 * 50% (the share that earns full points for indicator 3.3 of Decision 766/QĐ-TTg). Editable like any rule.
 */
export const DEFAULT_TARGET_RULES: readonly TargetRule[] = Object.freeze([
  Object.freeze({
    id: 'default-online-rate-critical',
    scope: Object.freeze({ kind: 'all' as const }),
    metric: 'onlineRate' as const,
    threshold: 0.1,
    severity: 'critical' as const,
    enabled: true,
  }),
  Object.freeze({
    id: 'default-online-rate-warning',
    scope: Object.freeze({ kind: 'all' as const }),
    metric: 'onlineRate' as const,
    threshold: 0.5,
    severity: 'warning' as const,
    enabled: true,
  }),
]);

/**
 * Whether `rule`'s scope covers `subject`, and how. `agencyAncestry` lists the subject agency's
 * ancestors, parent first (the agency itself may be left out; it is never needed there).
 *
 * For an agency as a whole, rules that name a procedure and online-level rules (an attribute of a
 * procedure) do not apply.
 *
 * A procedure not offered online (`none`) cannot receive online dossiers, so only rules that name it
 * (procedure, agency × procedure) hold it to an online-rate target; broad rules would otherwise alert on
 * every such procedure, which nobody can act on.
 */
export function matchTargetRule(
  rule: TargetRule,
  subject: TargetSubject,
  agencyAncestry: readonly string[],
): TargetMatch | null {
  const scope = rule.scope;
  const namesProcedure = scope.kind === 'procedure' || scope.kind === 'agencyProcedure';
  if (rule.metric === 'onlineRate' && isProcedureNotOfferedOnline(subject) && !namesProcedure) return null;
  switch (scope.kind) {
    case 'all':
      return { kind: 'all' };
    case 'agencyLevel':
      return scope.agencyLevel === subject.agencyLevel ? { kind: 'agencyLevel' } : null;
    case 'onlineLevel':
      return subject.procedureCode !== undefined && subject.procedureOnlineLevel === scope.onlineLevel
        ? { kind: 'onlineLevel' }
        : null;
    case 'procedure':
      return subject.procedureCode !== undefined && subject.procedureCode === scope.procedureCode
        ? { kind: 'procedure' }
        : null;
    case 'agencyProcedure':
      return subject.procedureCode !== undefined &&
        subject.procedureCode === scope.procedureCode &&
        subject.agencyCode === scope.agencyCode
        ? { kind: 'agencyProcedure' }
        : null;
    case 'agency': {
      if (!scope.includeSubtree) return scope.agencyCode === subject.agencyCode ? { kind: 'agency' } : null;
      const distance = distanceToAncestor(subject.agencyCode, scope.agencyCode, agencyAncestry);
      return distance === null ? null : { kind: 'agencySubtree', subtreeRoot: { agencyCode: scope.agencyCode, distance } };
    }
  }
}

/**
 * The winning rule per metric and severity for `subject`. Disabled rules are ignored (they shadow
 * nothing). Order of preference:
 *   1. the more specific scope (`TARGET_SCOPE_PRECEDENCE`);
 *   2. within subtree rules, the nearer ancestor;
 *   3. on a tie of scope (e.g. two rules for the same procedure), the higher — stricter — threshold, so
 *      that adding a duplicate rule can never silently loosen a target, whatever the rules' order;
 *   4. then the smaller `id`, so the answer never depends on the order the rules were loaded in.
 */
export function resolveEffectiveTargets(
  rules: readonly TargetRule[],
  subject: TargetSubject,
  agencyAncestry: readonly string[],
): EffectiveTargets {
  const candidates = new Map<string, Array<{ rule: TargetRule; matchedBy: TargetMatch }>>();
  for (const rule of rules) {
    if (rule.enabled === false) continue;
    const matchedBy = matchTargetRule(rule, subject, agencyAncestry);
    if (!matchedBy) continue;
    const key = `${rule.metric}/${rule.severity}`;
    const list = candidates.get(key) ?? [];
    list.push({ rule, matchedBy });
    candidates.set(key, list);
  }
  const result: EffectiveTargets = { onlineRate: {}, onTimeRate: {} };
  for (const metric of TARGET_METRICS) {
    for (const severity of ALERT_SEVERITIES) {
      const list = candidates.get(`${metric}/${severity}`);
      if (!list) continue;
      const [winner, ...overridden] = [...list].sort(compareCandidates);
      result[metric][severity] = { rule: winner.rule, matchedBy: winner.matchedBy, overridden };
    }
  }
  return result;
}

/**
 * `resolveEffectiveTargets` for many subjects under the same rules (a sweep judges hundreds of thousands of
 * agency × procedure pairs): the answer depends only on the agency (its level and ancestry come with it), on
 * whether a procedure is judged and its online level, and on the procedure's code only when a rule names it —
 * so it is computed once per such combination. The caller must pass the same ancestry for the same agency.
 * The answers are shared: treat them as read-only.
 */
export function memoizedEffectiveTargets(
  rules: readonly TargetRule[],
): (subject: TargetSubject, agencyAncestry: readonly string[]) => EffectiveTargets {
  const namedProcedures = new Set<string>();
  for (const rule of rules) {
    if (rule.scope.kind === 'procedure' || rule.scope.kind === 'agencyProcedure') namedProcedures.add(rule.scope.procedureCode);
  }
  const answers = new Map<string, EffectiveTargets>();
  return (subject, agencyAncestry) => {
    const procedurePart =
      subject.procedureCode === undefined
        ? '\u0001'
        : `${namedProcedures.has(subject.procedureCode) ? subject.procedureCode : ''}\u0000${subject.procedureOnlineLevel ?? ''}`;
    const key = `${subject.agencyCode}\u0000${subject.agencyLevel}\u0000${procedurePart}`;
    let answer = answers.get(key);
    if (!answer) {
      answer = resolveEffectiveTargets(rules, subject, agencyAncestry);
      answers.set(key, answer);
    }
    return answer;
  };
}

/**
 * An agency's ancestors, parent first, following `parentCodeOf` until a root. Stops at a cycle or a
 * self-parent in the reference data rather than looping.
 */
export function agencyAncestry(agencyCode: string, parentCodeOf: (code: string) => string | null | undefined): string[] {
  const ancestors: string[] = [];
  const seen = new Set([agencyCode]);
  let parent = parentCodeOf(agencyCode);
  while (parent && !seen.has(parent)) {
    ancestors.push(parent);
    seen.add(parent);
    parent = parentCodeOf(parent);
  }
  return ancestors;
}

/** Everything wrong with a rule, for the API to answer with a precise 4xx; empty when it is valid. */
export function targetRuleProblems(rule: TargetRule): string[] {
  const problems: string[] = [];
  if (!rule.id) problems.push('id must not be empty');
  if (!(TARGET_METRICS as readonly string[]).includes(rule.metric)) {
    problems.push(`metric must be one of ${TARGET_METRICS.join(', ')}`);
  }
  if (!(ALERT_SEVERITIES as readonly string[]).includes(rule.severity)) {
    problems.push(`severity must be one of ${ALERT_SEVERITIES.join(', ')}`);
  }
  if (typeof rule.threshold !== 'number' || !(rule.threshold >= 0 && rule.threshold <= 1)) {
    problems.push('threshold must be a number between 0 and 1');
  }
  const scope = rule.scope;
  if ('agencyCode' in scope && !scope.agencyCode) problems.push('scope.agencyCode must not be empty');
  if ('procedureCode' in scope && !scope.procedureCode) problems.push('scope.procedureCode must not be empty');
  if (scope.kind === 'onlineLevel' && !(TARGETABLE_ONLINE_LEVELS as readonly string[]).includes(scope.onlineLevel)) {
    problems.push(`scope.onlineLevel must be one of ${TARGETABLE_ONLINE_LEVELS.join(', ')}`);
  }
  return problems;
}

function isProcedureNotOfferedOnline(subject: TargetSubject): boolean {
  return subject.procedureCode !== undefined && subject.procedureOnlineLevel === 'none';
}

function distanceToAncestor(agencyCode: string, rootCode: string, ancestry: readonly string[]): number | null {
  if (agencyCode === rootCode) return 0;
  // Skip the agency itself should the caller have put it first, so distances stay "levels above".
  const ancestors = ancestry[0] === agencyCode ? ancestry.slice(1) : ancestry;
  const index = ancestors.indexOf(rootCode);
  return index === -1 ? null : index + 1;
}

function compareCandidates(
  a: { rule: TargetRule; matchedBy: TargetMatch },
  b: { rule: TargetRule; matchedBy: TargetMatch },
): number {
  return (
    TARGET_SCOPE_PRECEDENCE.indexOf(a.matchedBy.kind) - TARGET_SCOPE_PRECEDENCE.indexOf(b.matchedBy.kind) ||
    (a.matchedBy.subtreeRoot?.distance ?? 0) - (b.matchedBy.subtreeRoot?.distance ?? 0) ||
    b.rule.threshold - a.rule.threshold ||
    (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0)
  );
}

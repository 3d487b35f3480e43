import { rateTrend, sampleForMetric } from '@dvc/domain';
import type { AlertExplanation, Counts, Evaluation, SweepPlan } from './sweep-plan';

/**
 * The scopes whose explanations compare with the previous window: the alerts the plan opens or resolves
 * (recovered). Nothing else of a sweep needs the previous window's counts.
 */
export function explainedScopes(plan: SweepPlan): Array<{ agencyCode: string; procedureCode: string | null; windowKind: string; evaluation: Evaluation; explanation: AlertExplanation }> {
  return [
    ...plan.opened.map((a) => ({ agencyCode: a.agencyCode, procedureCode: a.procedureCode, windowKind: a.windowKind, evaluation: a.evaluation, explanation: a.explanation })),
    ...plan.resolved.flatMap((r) =>
      r.evaluation !== null && r.explanation !== null
        ? [{ agencyCode: r.alert.agencyCode, procedureCode: r.alert.procedureCode, windowKind: r.alert.windowKind, evaluation: r.evaluation, explanation: r.explanation }]
        : [],
    ),
  ];
}

/**
 * Puts the previous window's counts (read for just the explained scopes) into an explanation made from
 * counts without them: its `previous` sample and the trend, exactly as `explain` computes them when the
 * subject's previous counts are known.
 */
export function withPreviousCounts(scope: { evaluation: Evaluation; explanation: AlertExplanation }, previous: Counts): void {
  const sample = sampleForMetric(scope.explanation.target.metric, previous);
  scope.explanation.previous = sample;
  scope.explanation.trend = rateTrend({ successes: scope.evaluation.successes, trials: scope.evaluation.trials }, sample);
}

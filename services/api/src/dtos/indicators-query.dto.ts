import { z } from 'zod';
import { INDICATORS, IndicatorName, ParsedPeriod } from '@dvc/domain';
import { codeParam, enumParam } from './query-params';
import { GROUP_KEYS, GroupKey, periodOfLabel } from './rates-query.dto';

/** The indicators that are ratios of dossiers (or procedures): what a ranking can order peers by. */
export const RANKABLE_INDICATORS = (Object.keys(INDICATORS) as IndicatorName[]).filter((name) => INDICATORS[name].unit === 'ratio') as [
  IndicatorName,
  ...IndicatorName[],
];

const PERIOD_REQUIRED = 'is required: a period label, e.g. 2025-03 (a month), 2025-Q1, 2025 or 2025-03-01';

// Only a missing period fails the string check: ZodQueryPipe refuses a repeated parameter before.
const requiredPeriod = z
  .string({ error: PERIOD_REQUIRED })
  .transform(periodOfLabel)
  .meta({ description: 'Kỳ (one period label): 2025-03-01, 2025-03, 2025-Q1 or 2025' });

const groupByOne = z
  .string()
  .optional()
  .transform((value, ctx): GroupKey | null => {
    if (value === undefined || value === '') return null;
    if ((GROUP_KEYS as readonly string[]).includes(value)) return value as GroupKey;
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value.slice(0, 40))} is not a grouping; use one of ${GROUP_KEYS.join(', ')}, or leave it out for one total` });
    return z.NEVER;
  })
  .meta({ enum: [...GROUP_KEYS], description: 'One item per agency, procedure or sector; one total when absent' });

export interface IndicatorsQuery {
  period: ParsedPeriod;
  agency: string | null;
  subtree: boolean;
  groupBy: GroupKey | null;
}

const indicatorsFields = z.object({
  period: requiredPeriod,
  agency: codeParam.optional().meta({ description: 'Mã cơ quan: only this agency (with subtree=true, and its descendants)' }),
  subtree: enumParam(['true', 'false']).optional().meta({ description: 'true: the agency with all its descendants (needs agency)' }),
  groupBy: groupByOne,
});

function toIndicatorsQuery(
  query: { period: ParsedPeriod; agency?: string; subtree?: 'true' | 'false'; groupBy: GroupKey | null },
  ctx: z.RefinementCtx,
): IndicatorsQuery {
  if (query.subtree !== undefined && query.agency === undefined) {
    ctx.addIssue({ code: 'custom', path: ['subtree'], message: 'needs agency, the root of the subtree; give agency or leave subtree out' });
  }
  return { period: query.period, agency: query.agency ?? null, subtree: query.subtree === 'true', groupBy: query.groupBy };
}

export const indicatorsQuerySchema = indicatorsFields.transform(toIndicatorsQuery);

/** Reports are one row per agency: the same parameters without groupBy. */
export const reportQuerySchema = indicatorsFields
  .omit({ groupBy: true })
  .transform((query, ctx) => toIndicatorsQuery({ ...query, groupBy: 'agency' }, ctx));

export interface RankingQuery {
  period: ParsedPeriod;
  indicator: IndicatorName;
  agency: string | null;
  parent: string | null;
}

export const rankingQuerySchema = z
  .object({
    period: requiredPeriod,
    indicator: enumParam(RANKABLE_INDICATORS).default('onlineSubmission').meta({ description: 'Default onlineSubmission' }),
    agency: codeParam.optional().meta({ description: 'Rank this agency among its peers' }),
    parent: codeParam.optional().meta({ description: 'Rank the children of this agency (instead of agency)' }),
  })
  .transform((query, ctx): RankingQuery => {
    if ((query.agency === undefined) === (query.parent === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['agency'], message: 'give exactly one of agency (rank it among its peers) or parent (rank its children)' });
    }
    return { period: query.period, indicator: query.indicator, agency: query.agency ?? null, parent: query.parent ?? null };
  });

export interface ForecastQuery {
  agency: string;
  subtree: boolean;
}

export const forecastQuerySchema = z
  .object({
    agency: codeParam.meta({ description: 'Mã cơ quan (in your scope; 404 otherwise)' }),
    subtree: enumParam(['true', 'false']).optional().meta({ description: 'true: with all its descendants' }),
  })
  .transform((query): ForecastQuery => ({ agency: query.agency, subtree: query.subtree === 'true' }));

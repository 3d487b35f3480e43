import { z } from 'zod';
import { PERIOD_KINDS, ParsedPeriod, PeriodKind, parsePeriodLabel } from '@dvc/domain';
import { decodeCursor } from '../utils/cursor.util';
import { CURSOR_DESCRIPTION, CURSOR_MESSAGE, codeParam, enumParam, limitParam, quote } from './query-params';

/** Grouping keys in the order items are sorted by, whatever order `groupBy` lists them in. */
export const GROUP_KEYS = ['agency', 'procedure', 'sector'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

/** `GET /v1/rates`, validated and normalised. */
export interface RatesQuery {
  period: PeriodKind;
  /** Inclusive `YYYY-MM-DD` bounds; `null` for no bound. */
  fromDay: string | null;
  toDay: string | null;
  groupBy: GroupKey[];
  agency: string | null;
  subtree: boolean;
  procedure: string | null;
  limit: number;
  /** Sort key of the last item of the previous page: the period label, then one value per group key. */
  after: string[] | null;
}

const LABEL_FORMS = 'use a day 2025-03-01, a month 2025-03, a quarter 2025-Q1 or a year 2025';
const LABEL_HELP = 'Nhãn kỳ (period label), inclusive: 2025-03-01, 2025-03, 2025-Q1 or 2025';

/** What the document says of `from` and `to`, periods given by label. */
export const PERIOD_BOUNDS_HELP = {
  from: `${LABEL_HELP}; its first day. No lower bound when absent`,
  to: `${LABEL_HELP}; its last day. No upper bound when absent`,
};
/** What the document says of `period`, a period kind. */
export const PERIOD_KIND_HELP = 'Loại kỳ (period kind); default month';

/** The period a label names, or an issue that says which labels there are. */
export function periodOfLabel(value: string, ctx: z.RefinementCtx): ParsedPeriod {
  const parsed = parsePeriodLabel(value);
  // PostgreSQL dates start at year 1; year 0000 would otherwise fail inside the query as a 500.
  if (parsed && parsed.firstDay >= '0001-01-01') return parsed;
  ctx.addIssue({ code: 'custom', message: `${quote(value)} is not a period label; ${LABEL_FORMS}` });
  return z.NEVER;
}

export const periodLabelParam = z
  .string()
  .optional()
  .transform((value, ctx): ParsedPeriod | null => (value === undefined ? null : periodOfLabel(value, ctx)));

const groupByParam = z
  .string()
  .optional()
  .transform((value, ctx): GroupKey[] => {
    const listed = value ? value.split(',').map((key) => key.trim()) : [];
    const allowed = `allowed: a comma list of ${GROUP_KEYS.join(', ')}, or empty for one total per period`;
    for (const [index, key] of listed.entries()) {
      if (!(GROUP_KEYS as readonly string[]).includes(key)) {
        ctx.addIssue({ code: 'custom', message: `${quote(key)} is not a grouping; ${allowed}` });
      } else if (listed.indexOf(key) !== index) {
        ctx.addIssue({ code: 'custom', message: `${quote(key)} is listed twice; ${allowed}` });
      }
    }
    return GROUP_KEYS.filter((key) => listed.includes(key));
  })
  .meta({ description: `Comma list of ${GROUP_KEYS.join(', ')}; empty for one total per period`, example: 'agency,procedure' });

const fields = z.object({
  period: enumParam(PERIOD_KINDS).default('month').meta({ description: PERIOD_KIND_HELP }),
  from: periodLabelParam.meta({ description: PERIOD_BOUNDS_HELP.from }),
  to: periodLabelParam.meta({ description: PERIOD_BOUNDS_HELP.to }),
  groupBy: groupByParam,
  agency: codeParam.optional().meta({ description: 'Mã cơ quan (exact agency code)' }),
  subtree: enumParam(['true', 'false']).optional().meta({ description: 'true: the agency with all its descendants (needs agency)' }),
  procedure: codeParam.optional().meta({ description: 'Mã thủ tục (exact procedure code)' }),
  limit: limitParam,
  cursor: z.string().optional().meta({ description: CURSOR_DESCRIPTION }),
});

export const ratesQuerySchema = fields.transform((query, ctx): RatesQuery => {
  if (query.from && query.to && query.from.firstDay > query.to.lastDay) {
    ctx.addIssue({
      code: 'custom',
      path: ['from'],
      message: `starts (${query.from.firstDay}) after to ends (${query.to.lastDay}); from must not be after to`,
    });
  }
  if (query.subtree !== undefined && query.agency === undefined) {
    ctx.addIssue({ code: 'custom', path: ['subtree'], message: 'needs agency, the root of the subtree; give agency or leave subtree out' });
  }
  const after = query.cursor === undefined ? null : decodeRatesCursor(query.cursor, query.period, query.groupBy.length);
  if (after === undefined) ctx.addIssue({ code: 'custom', path: ['cursor'], message: CURSOR_MESSAGE });
  return {
    period: query.period,
    fromDay: query.from?.firstDay ?? null,
    toDay: query.to?.lastDay ?? null,
    groupBy: query.groupBy,
    agency: query.agency ?? null,
    subtree: query.subtree === 'true',
    procedure: query.procedure ?? null,
    limit: query.limit,
    after: after ?? null,
  };
});

function decodeRatesCursor(cursor: string, period: PeriodKind, groupCount: number): string[] | undefined {
  const sortKey = decodeCursor(cursor, 1 + groupCount);
  if (!sortKey || parsePeriodLabel(sortKey[0])?.kind !== period) return undefined;
  return sortKey;
}

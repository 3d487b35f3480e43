import { z } from 'zod';
import { PERIOD_KINDS, PeriodKind, parsePeriodLabel } from '@dvc/domain';
import { decodeCursor } from '../utils/cursor.util';
import { CURSOR_DESCRIPTION, CURSOR_MESSAGE, codeParam, enumParam, limitParam, quote } from './query-params';
import { PERIOD_BOUNDS_HELP, PERIOD_KIND_HELP, periodLabelParam } from './rates-query.dto';

export const DEFAULT_MIN_RECEIVED = 1;
export const MAX_MIN_RECEIVED = 1_000_000_000;

/** `GET /v1/zero-uptake`, validated and normalised. */
export interface ZeroUptakeQuery {
  period: PeriodKind;
  /** Inclusive `YYYY-MM-DD` bounds; `null` for no bound. */
  fromDay: string | null;
  toDay: string | null;
  agency: string | null;
  subtree: boolean;
  minReceived: number;
  limit: number;
  /** Sort key of the last item shown: first day of its period, received, agency, procedure. */
  after: { periodStart: string; received: number; agencyCode: string; procedureCode: string } | null;
}

const minReceivedParam = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return DEFAULT_MIN_RECEIVED;
    const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (n >= 1 && n <= MAX_MIN_RECEIVED) return n;
    ctx.addIssue({ code: 'custom', message: `${quote(value)} is not allowed; give a whole number of dossiers from 1 to ${MAX_MIN_RECEIVED} (default ${DEFAULT_MIN_RECEIVED})` });
    return z.NEVER;
  })
  .meta({
    type: 'integer',
    minimum: 1,
    maximum: MAX_MIN_RECEIVED,
    default: DEFAULT_MIN_RECEIVED,
    description: `Dossiers received at least; default ${DEFAULT_MIN_RECEIVED}`,
  });

const fields = z.object({
  period: enumParam(PERIOD_KINDS).default('month').meta({ description: PERIOD_KIND_HELP }),
  from: periodLabelParam.meta({ description: PERIOD_BOUNDS_HELP.from }),
  to: periodLabelParam.meta({ description: PERIOD_BOUNDS_HELP.to }),
  agency: codeParam.optional().meta({ description: 'Mã cơ quan (exact agency code)' }),
  subtree: enumParam(['true', 'false']).optional().meta({ description: 'true: the agency with all its descendants (needs agency)' }),
  minReceived: minReceivedParam,
  limit: limitParam,
  cursor: z.string().optional().meta({ description: CURSOR_DESCRIPTION }),
});

export const zeroUptakeQuerySchema = fields.transform((query, ctx): ZeroUptakeQuery => {
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
  const after = query.cursor === undefined ? null : decodeZeroUptakeCursor(query.cursor, query.period);
  if (after === undefined) ctx.addIssue({ code: 'custom', path: ['cursor'], message: CURSOR_MESSAGE });
  return {
    period: query.period,
    fromDay: query.from?.firstDay ?? null,
    toDay: query.to?.lastDay ?? null,
    agency: query.agency ?? null,
    subtree: query.subtree === 'true',
    minReceived: query.minReceived,
    limit: query.limit,
    after: after ?? null,
  };
});

/** The cursor is `[period label, received, agency, procedure]` of the last item shown. */
export function zeroUptakeSortKey(item: { period: string; received: number; agencyCode: string; procedureCode: string }): string[] {
  return [item.period, String(item.received), item.agencyCode, item.procedureCode];
}

function decodeZeroUptakeCursor(cursor: string, period: PeriodKind): ZeroUptakeQuery['after'] | undefined {
  const key = decodeCursor(cursor, 4);
  if (!key) return undefined;
  const label = parsePeriodLabel(key[0]);
  if (label?.kind !== period || !/^[1-9]\d{0,15}$/.test(key[1])) return undefined;
  return { periodStart: label.firstDay, received: Number(key[1]), agencyCode: key[2], procedureCode: key[3] };
}

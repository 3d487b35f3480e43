import { z } from 'zod';
import { tryParseRfc3339 } from '@dvc/contracts';
import { ALERT_SEVERITIES, TARGET_METRICS } from '@dvc/domain';
import { decodeCursor } from '../utils/cursor.util';
import { CURSOR_DESCRIPTION, CURSOR_MESSAGE, codeParam, enumParam, limitParam, quote } from './query-params';
import { isUuid, show, strictObject } from './targets-input.dto';

export const ALERT_STATUSES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
/** `open` = firing + acknowledged (the default); `all` = every status. */
export const ALERT_STATUS_FILTERS = [...ALERT_STATUSES, 'open', 'all'] as const;
export const MAX_COMMENT_LENGTH = 2_000;
/**
 * What an alert is about: `belowTarget` (a target rule on an agency, or one procedure there, over a
 * window), `zeroUptake` (a procedure offered online at an agency that received dossiers but none online;
 * no target rule) or `silentSource` (a one-stop system that stopped sending; an operator alert, no agency).
 */
export const ALERT_KINDS = ['belowTarget', 'zeroUptake', 'silentSource'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
/** `monthToDate`, or `rolling<N>d` (as the alerting service names its windows). */
export const WINDOW_KIND_PATTERN = /^(monthToDate|rolling[1-9]\d{0,3}d)$/;

// ---------------------------------------------------------------------------------------------------
// GET /v1/alerts

export interface AlertsQuery {
  statuses: AlertStatus[];
  kind: AlertKind | null;
  severity: string | null;
  metric: string | null;
  agency: string | null;
  subtree: boolean;
  procedure: string | null;
  windowKind: string | null;
  /** Inclusive bounds on opened_at, canonical UTC instants. */
  openedFrom: string | null;
  openedTo: string | null;
  limit: number;
  /** Sort key of the last item shown: opened_at (UTC, microseconds) and id; newest first. */
  after: { openedAt: string; id: string } | null;
}

const STATUS_HELP = `a comma list of ${ALERT_STATUSES.join(', ')}, or open (firing and acknowledged, the default) or all`;

const statusParam = z
  .string()
  .optional()
  .transform((value, ctx): AlertStatus[] => {
    if (value === undefined) return ['firing', 'acknowledged'];
    const listed = value.split(',').map((item) => item.trim());
    const statuses = new Set<AlertStatus>();
    for (const item of listed) {
      if (item === 'open') ['firing', 'acknowledged'].forEach((s) => statuses.add(s as AlertStatus));
      else if (item === 'all') ALERT_STATUSES.forEach((s) => statuses.add(s));
      else if ((ALERT_STATUSES as readonly string[]).includes(item)) statuses.add(item as AlertStatus);
      else ctx.addIssue({ code: 'custom', message: `${quote(item)} is not a status; use ${STATUS_HELP}` });
    }
    return ALERT_STATUSES.filter((s) => statuses.has(s));
  })
  .meta({
    description: 'Trạng thái: one of firing, acknowledged, resolved, open, all, or a comma list (firing,resolved). open = firing + acknowledged (default); all = every status',
    example: 'open',
  });

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT_HELP = 'a day 2025-03-01 (Asia/Ho_Chi_Minh) or an RFC 3339 date-time with an offset';

/**
 * An instant (RFC 3339 with offset) or a day `YYYY-MM-DD` in Asia/Ho_Chi_Minh: as a lower bound its
 * first instant, as an upper bound its last (both bounds inclusive).
 */
function instantParam(bound: 'from' | 'to') {
  return z
    .string()
    .optional()
    .transform((value, ctx): string | null => {
      if (value === undefined) return null;
      const text = DAY.test(value) ? (bound === 'from' ? `${value}T00:00:00+07:00` : `${value}T23:59:59.999999+07:00`) : value;
      const parsed = tryParseRfc3339(text);
      if (parsed.ok && parsed.instant >= '0001-01-01') return parsed.instant;
      ctx.addIssue({
        code: 'custom',
        message: `${quote(value)} is not a day (2025-03-01, Asia/Ho_Chi_Minh) or an RFC 3339 date-time with an offset (2025-03-01T08:00:00+07:00)`,
      });
      return z.NEVER;
    })
    .meta({ description: `Opened at or ${bound === 'from' ? 'after' : 'before'}: ${INSTANT_HELP} (its ${bound === 'from' ? 'first' : 'last'} instant)` });
}

const alertsCursorParam = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return null;
    const key = decodeCursor(value, 2);
    if (key && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(key[0]) && !Number.isNaN(Date.parse(key[0])) && isUuid(key[1])) {
      return { openedAt: key[0], id: key[1] };
    }
    ctx.addIssue({ code: 'custom', message: CURSOR_MESSAGE });
    return z.NEVER;
  })
  .meta({ description: CURSOR_DESCRIPTION });

const alertsFields = z.object({
  status: statusParam,
  kind: enumParam(ALERT_KINDS).optional().meta({ description: 'Loại cảnh báo; default: every kind' }),
  severity: enumParam(ALERT_SEVERITIES).optional(),
  metric: enumParam(TARGET_METRICS).optional(),
  agency: codeParam.optional().meta({ description: 'Mã cơ quan (exact agency code)' }),
  subtree: enumParam(['true', 'false']).optional().meta({ description: 'true: the agency with all its descendants (needs agency)' }),
  procedure: codeParam.optional().meta({ description: 'Mã thủ tục (exact); alerts on the agency as a whole have none' }),
  window: z
    .string()
    .optional()
    .refine((value) => value === undefined || WINDOW_KIND_PATTERN.test(value), {
      error: (issue) => `${quote(String(issue.input))} is not a window; use monthToDate or rolling<N>d such as rolling30d`,
    })
    .meta({ description: 'Evaluation window: monthToDate or rolling<N>d, e.g. rolling30d' }),
  openedFrom: instantParam('from'),
  openedTo: instantParam('to'),
  limit: limitParam,
  cursor: alertsCursorParam,
});

export const alertsQuerySchema = alertsFields.transform((query, ctx): AlertsQuery => {
  if (query.subtree !== undefined && query.agency === undefined) {
    ctx.addIssue({ code: 'custom', path: ['subtree'], message: 'needs agency, the root of the subtree; give agency or leave subtree out' });
  }
  if (query.openedFrom !== null && query.openedTo !== null && query.openedFrom > query.openedTo) {
    ctx.addIssue({ code: 'custom', path: ['openedFrom'], message: 'is after openedTo; openedFrom must not be after openedTo' });
  }
  return {
    statuses: query.status,
    kind: query.kind ?? null,
    severity: query.severity ?? null,
    metric: query.metric ?? null,
    agency: query.agency ?? null,
    subtree: query.subtree === 'true',
    procedure: query.procedure ?? null,
    windowKind: query.window ?? null,
    openedFrom: query.openedFrom,
    openedTo: query.openedTo,
    limit: query.limit,
    after: query.cursor,
  };
});

// ---------------------------------------------------------------------------------------------------
// POST /v1/alerts/:id/acknowledge

export const acknowledgeBodySchema = strictObject(
  {
    comment: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'is required: say what is being done about the alert (ghi chú xử lý)'
            : `${show(issue.input)} is not allowed; give a text`,
      })
      .trim()
      .min(1, 'must not be empty or blank; say what is being done about the alert')
      .max(MAX_COMMENT_LENGTH, `must be at most ${MAX_COMMENT_LENGTH} characters`)
      .meta({ description: 'Ghi chú xử lý: what is being done about it (required, not blank)', example: 'Đã giao phòng Tư pháp rà soát' }),
  },
  'an acknowledgement',
);

export type AcknowledgeBody = z.output<typeof acknowledgeBodySchema>;

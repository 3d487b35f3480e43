import { z } from 'zod';
import { ALERT_SEVERITIES, TARGET_METRICS, TARGETABLE_ONLINE_LEVELS, TargetScope, TargetScopeKind } from '@dvc/domain';
import { decodeCursor } from '../utils/cursor.util';
import { AGENCY_LEVELS } from './agencies-query.dto';
import { documentAs } from '../pipes/zod-request';
import { CURSOR_MESSAGE, CURSOR_DESCRIPTION, MAX_CODE_LENGTH, codeParam, enumParam, limitParam, quote } from './query-params';

export const TARGET_SCOPE_KINDS = ['all', 'agencyLevel', 'onlineLevel', 'agency', 'procedure', 'agencyProcedure'] as const satisfies readonly TargetScopeKind[];
export const AUDIT_ACTIONS = ['create', 'update', 'delete'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const MAX_NOTE_LENGTH = 2_000;

export const SCOPE_HELP =
  'Phạm vi (scope). kind decides which other fields it has, and it has no others: ' +
  'all — everything; agencyLevel — agencyLevel; onlineLevel — onlineLevel (full or partial; applies to procedures); ' +
  'agency — agencyCode and includeSubtree (false: that agency only; true: it and every agency below it); ' +
  'procedure — procedureCode; agencyProcedure — agencyCode and procedureCode. ' +
  'Codes are exact, trimmed, and need not have been seen in the events yet.';

// ---------------------------------------------------------------------------------------------------
// Request bodies (JSON). Every object is strict: a property it does not name is a 400, so a typo
// (`treshold`) is never silently dropped.

/** A JSON body field that must be one of `values`. */
export function enumField<const Values extends readonly [string, ...string[]]>(values: Values) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined ? `is required; use one of ${values.join(', ')}` : `${show(issue.input)} is not allowed; use one of ${values.join(', ')}`,
  });
}

/** An agency or procedure code: any string (it may not have been seen in the events yet), trimmed, not empty. */
export const codeField = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required; give the exact code' : 'must be a string, the exact code') })
  .trim()
  .min(1, 'must not be empty or blank; give the exact code')
  .max(MAX_CODE_LENGTH, `must be at most ${MAX_CODE_LENGTH} characters (an exact code)`);

const thresholdField = z
  .number({ error: (issue) => (issue.input === undefined ? 'is required; a number from 0 to 1' : `${show(issue.input)} is not a number; give a ratio from 0 to 1, e.g. 0.5`) })
  .min(0, 'must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)')
  .max(1, 'must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)')
  .meta({ description: 'Ngưỡng (ratio 0–1): below it is below target', example: 0.3 });

const enabledField = z.boolean({ error: (issue) => `${show(issue.input)} is not allowed; use true or false` });

const noteField = z
  .string({ error: (issue) => `${show(issue.input)} is not allowed; give a text, or null for none` })
  .max(MAX_NOTE_LENGTH, `must be at most ${MAX_NOTE_LENGTH} characters`)
  .nullable();

/** `z.strictObject` whose unknown properties are reported as such, with what is allowed there. */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape, what: string) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown property; ${what} has ${allowed}`
        : issue.input === undefined
          ? 'is required'
          : `must be a JSON object (${what})`,
  });
}

const SCOPE_SCHEMAS = {
  all: strictObject({ kind: z.literal('all') }, 'an "all" scope'),
  agencyLevel: strictObject({ kind: z.literal('agencyLevel'), agencyLevel: enumField(AGENCY_LEVELS) }, 'an "agencyLevel" scope'),
  onlineLevel: strictObject({ kind: z.literal('onlineLevel'), onlineLevel: enumField(TARGETABLE_ONLINE_LEVELS) }, 'an "onlineLevel" scope'),
  agency: strictObject(
    { kind: z.literal('agency'), agencyCode: codeField, includeSubtree: enabledField.optional() },
    'an "agency" scope',
  ).transform((scope): TargetScope => ({ kind: 'agency', agencyCode: scope.agencyCode, includeSubtree: scope.includeSubtree ?? false })),
  procedure: strictObject({ kind: z.literal('procedure'), procedureCode: codeField }, 'a "procedure" scope'),
  agencyProcedure: strictObject(
    { kind: z.literal('agencyProcedure'), agencyCode: codeField, procedureCode: codeField },
    'an "agencyProcedure" scope',
  ),
} satisfies Record<TargetScopeKind, z.ZodType<TargetScope, unknown>>;

/** The scope: `kind` decides which other properties it must have, and it may have no others. */
const scopeField = z.unknown().transform((value, ctx): TargetScope => {
  if (value === undefined) return fail(ctx, [], 'is required; an object with kind and the fields of that kind');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(ctx, [], 'must be a JSON object with kind and the fields of that kind');
  }
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(TARGET_SCOPE_KINDS as readonly string[]).includes(kind)) {
    const what = kind === undefined ? 'is required' : `${show(kind)} is not allowed`;
    return fail(ctx, ['kind'], `${what}; use one of ${TARGET_SCOPE_KINDS.join(', ')}`);
  }
  const result = (SCOPE_SCHEMAS[kind as TargetScopeKind] as z.ZodType<TargetScope>).safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path, message: issue.message, ...keysOf(issue) });
  return z.NEVER;
});
// Checked by hand above, for messages that name the kind; documented as the union of the kinds.
const { all, agencyLevel, onlineLevel, agency, procedure, agencyProcedure } = SCOPE_SCHEMAS;
documentAs(scopeField, z.union([all, agencyLevel, onlineLevel, agency, procedure, agencyProcedure]).meta({ description: SCOPE_HELP }));

export const createTargetBodySchema = strictObject(
  {
    scope: scopeField,
    metric: enumField(TARGET_METRICS),
    threshold: thresholdField,
    severity: enumField(ALERT_SEVERITIES),
    enabled: enabledField.optional().meta({ default: true }),
    note: noteField.optional(),
  },
  'a target',
);

export type CreateTargetBody = z.output<typeof createTargetBodySchema>;

export const updateTargetBodySchema = strictObject(
  {
    version: z
      .number({
        error: (issue) =>
          issue.input === undefined
            ? 'is required: the version you read (GET), so that a change made meanwhile is not overwritten'
            : `${show(issue.input)} is not a version; give the integer version you read`,
      })
      .int('must be an integer, the version you read')
      .min(1, 'must be at least 1, the version you read')
      .meta({
        description: 'The version you read. If the target has changed since (its version is different), the answer is 409 and nothing changes.',
        example: 1,
      }),
    threshold: thresholdField.optional(),
    severity: enumField(ALERT_SEVERITIES).optional(),
    enabled: enabledField.optional(),
    note: noteField.optional().meta({ description: 'null clears it' }),
  },
  'a target update',
).superRefine((body, ctx) => {
  if (body.threshold === undefined && body.severity === undefined && body.enabled === undefined && body.note === undefined) {
    ctx.addIssue({ code: 'custom', path: [], message: 'nothing to change; give at least one of threshold, severity, enabled, note' });
  }
});

export type UpdateTargetBody = z.output<typeof updateTargetBodySchema>;

// ---------------------------------------------------------------------------------------------------
// Query strings (for ZodQueryPipe).

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** Sort key of the list: creation time (UTC ISO 8601, microseconds) and id. */
const targetsCursorParam = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return null;
    const key = decodeCursor(value, 2);
    if (key && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(key[0]) && !Number.isNaN(Date.parse(key[0])) && isUuid(key[1])) {
      return { createdAt: key[0], id: key[1] };
    }
    ctx.addIssue({ code: 'custom', message: CURSOR_MESSAGE });
    return z.NEVER;
  })
  .meta({ description: CURSOR_DESCRIPTION });

export const targetsQuerySchema = z.object({
  scopeKind: enumParam(TARGET_SCOPE_KINDS).optional(),
  metric: enumParam(TARGET_METRICS).optional(),
  agency: codeParam.optional().meta({ description: 'Targets whose scope names this agency code (agency, agencyProcedure)' }),
  procedure: codeParam.optional().meta({ description: 'Targets whose scope names this procedure code (procedure, agencyProcedure)' }),
  limit: limitParam,
  cursor: targetsCursorParam,
});

export type TargetsQuery = z.output<typeof targetsQuerySchema>;

/** Audit entries are listed newest first; the cursor is the last entry's id. */
const auditCursorParam = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return null;
    const key = decodeCursor(value, 1);
    if (key && /^[1-9]\d{0,17}$/.test(key[0])) return key[0];
    ctx.addIssue({ code: 'custom', message: CURSOR_MESSAGE });
    return z.NEVER;
  })
  .meta({ description: CURSOR_DESCRIPTION });

export const targetAuditQuerySchema = z.object({
  targetId: z
    .string()
    .refine(isUuid, { error: (issue) => `${quote(String(issue.input))} is not a target id (a UUID)` })
    .optional()
    .meta({ description: 'Only this target (also a deleted one)' }),
  actor: z
    .string()
    .min(1, 'must not be empty; give the exact actor')
    .max(256, 'must be at most 256 characters')
    .optional()
    .meta({ description: 'Only changes by this actor (exact)' }),
  action: enumParam(AUDIT_ACTIONS).optional(),
  limit: limitParam,
  cursor: auditCursorParam,
});

export type TargetAuditQuery = z.output<typeof targetAuditQuerySchema>;

/** `GET /v1/targets/:id/audit`: only paging. */
export const oneTargetAuditQuerySchema = targetAuditQuerySchema.pick({ limit: true, cursor: true });
export type OneTargetAuditQuery = z.output<typeof oneTargetAuditQuerySchema>;

export const effectiveTargetsQuerySchema = z.object({
  agency: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required: the agency whose targets to resolve' : 'give it once, as a plain value') })
    .min(1, 'must not be empty; give an exact code')
    .max(MAX_CODE_LENGTH, `must be at most ${MAX_CODE_LENGTH} characters (an exact code)`)
    .meta({ description: 'Mã cơ quan (exact agency code)' }),
  procedure: codeParam.optional().meta({ description: 'Mã thủ tục (exact procedure code); absent: the agency as a whole' }),
  metric: enumParam(TARGET_METRICS).optional().meta({ description: 'Only this metric; default both' }),
});

export type EffectiveTargetsQuery = z.output<typeof effectiveTargetsQuerySchema>;

// ---------------------------------------------------------------------------------------------------

export function show(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function fail(ctx: z.RefinementCtx, path: PropertyKey[], message: string): never {
  ctx.addIssue({ code: 'custom', path, message });
  return z.NEVER as never;
}

function keysOf(issue: z.core.$ZodIssue): { params?: { keys: string[] } } {
  return issue.code === 'unrecognized_keys' ? { params: { keys: issue.keys } } : {};
}

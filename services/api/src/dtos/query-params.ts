import { z } from 'zod';
import { decodeCursor } from '../utils/cursor.util';

export const MAX_LIMIT = 1_000;
export const DEFAULT_LIMIT = 100;
/** The contract's bound on agency and procedure codes. */
export const MAX_CODE_LENGTH = 64;

/** Shows a rejected value in a message without letting a huge one flood it. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

export const limitParam = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return DEFAULT_LIMIT;
    const limit = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
    if (limit >= 1 && limit <= MAX_LIMIT) return limit;
    ctx.addIssue({ code: 'custom', message: `${quote(value)} is not allowed; give an integer from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})` });
    return z.NEVER;
  })
  .meta({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: `Items per page, 1–${MAX_LIMIT}; default ${DEFAULT_LIMIT}` });

export const codeParam = z
  .string()
  .min(1, 'must not be empty; give an exact code')
  .max(MAX_CODE_LENGTH, `must be at most ${MAX_CODE_LENGTH} characters (an exact code)`);

export function enumParam<const Values extends readonly [string, ...string[]]>(values: Values) {
  return z.enum(values, { error: (issue) => `${quote(String(issue.input))} is not allowed; use one of ${values.join(', ')}` });
}

export const CURSOR_MESSAGE = 'is not a cursor this endpoint returned for these parameters; start again without cursor';
/** What the document says of every `cursor` parameter. */
export const CURSOR_DESCRIPTION = 'The nextCursor of the previous page';

/** A cursor over rows sorted by one code. */
export const singleKeyCursorParam = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return null;
    const sortKey = decodeCursor(value, 1);
    if (sortKey) return sortKey[0];
    ctx.addIssue({ code: 'custom', message: CURSOR_MESSAGE });
    return z.NEVER;
  })
  .meta({ description: CURSOR_DESCRIPTION });

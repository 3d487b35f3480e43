import { z } from 'zod';
import { decodeCursor } from '../utils/cursor.util';
import { CURSOR_DESCRIPTION, CURSOR_MESSAGE, codeParam, enumParam, limitParam, singleKeyCursorParam } from './query-params';
import { codeField, isUuid, show, strictObject } from './targets-input.dto';

export const MAX_WEBHOOK_URL_LENGTH = 2_048;
export const MAX_WEBHOOK_NAME_LENGTH = 200;
/** `webhook_endpoints.secret` has CHECK (length(secret) >= 16). */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;
export const MAX_WEBHOOK_SECRET_LENGTH = 256;

const SECRET_HELP = `${MIN_WEBHOOK_SECRET_LENGTH}–${MAX_WEBHOOK_SECRET_LENGTH} printable ASCII characters without spaces`;

/**
 * An absolute http(s) URL, as the receiver is called. Refused: other schemes (the table has
 * CHECK (url ~ '^https?://')), no host, and user:password@ (the URL is shown by GET; the shared secret
 * is what authenticates the sender). The scheme is stored in lower case; the rest as given.
 */
export const webhookUrlField = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required; the http:// or https:// URL to POST alerts to' : `${show(issue.input)} is not allowed; give an http:// or https:// URL`) })
  .trim()
  .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .transform((value, ctx): string => {
    let parsed: URL | null = null;
    try {
      parsed = new URL(value);
    } catch {
      parsed = null;
    }
    const problem = !/^https?:\/\//i.test(value) || !parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      ? 'is not an http:// or https:// URL'
      : !parsed.hostname
        ? 'has no host'
        : parsed.username || parsed.password
          ? 'must not carry a user name or password (the URL is shown to every reader; the secret signs the calls)'
          : null;
    if (problem === null) return value.replace(/^https?/i, (scheme) => scheme.toLowerCase());
    ctx.addIssue({ code: 'custom', message: `${show(value)} ${problem}` });
    return z.NEVER;
  })
  .meta({ description: 'http:// or https:// only; no user:password@', example: 'https://ioc.hungyen.gov.vn/hooks/dvc' });

/** A client-chosen shared secret (the receiver recomputes the HMAC-SHA256 with it). */
export const webhookSecretField = z
  .string({ error: (issue) => `${show(issue.input)} is not allowed; give a secret of ${SECRET_HELP}, or leave it out to have one generated` })
  .min(MIN_WEBHOOK_SECRET_LENGTH, `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (${SECRET_HELP})`)
  .max(MAX_WEBHOOK_SECRET_LENGTH, `must be at most ${MAX_WEBHOOK_SECRET_LENGTH} characters`)
  .regex(/^[\x21-\x7e]+$/, `must be ${SECRET_HELP}`);

const nameField = z
  .string({ error: (issue) => `${show(issue.input)} is not allowed; give a text, or null for none` })
  .trim()
  .max(MAX_WEBHOOK_NAME_LENGTH, `must be at most ${MAX_WEBHOOK_NAME_LENGTH} characters`)
  .nullable()
  // A blank name is no name.
  .transform((name) => (name ? name : null));

/** null: every alert, operator alerts (silent sources) included; a code: that agency and its subtree. */
const agencyCodeField = codeField.nullable();

const enabledField = z.boolean({ error: (issue) => `${show(issue.input)} is not allowed; use true or false` });

// ---------------------------------------------------------------------------------------------------
// POST /v1/webhooks

export const createWebhookBodySchema = strictObject(
  {
    url: webhookUrlField,
    secret: webhookSecretField.optional().meta({
      description: 'Your own shared secret (printable ASCII, no spaces). Leave it out to have a random one generated; either way it is in the response once and never again',
    }),
    name: nameField.optional(),
    agencyCode: agencyCodeField.optional().meta({ description: 'Only this agency’s (and its subtree’s) alerts; null or absent: every alert' }),
    enabled: enabledField.optional().meta({ default: true }),
  },
  'a webhook endpoint',
).transform((body) => ({
  url: body.url,
  secret: body.secret ?? null,
  name: body.name ?? null,
  agencyCode: body.agencyCode ?? null,
  enabled: body.enabled ?? true,
}));

export type CreateWebhookBody = z.output<typeof createWebhookBodySchema>;

// ---------------------------------------------------------------------------------------------------
// PATCH /v1/webhooks/:id

const UPDATABLE = ['url', 'name', 'agencyCode', 'enabled', 'secret', 'rotateSecret'] as const;

export const updateWebhookBodySchema = strictObject(
  {
    url: webhookUrlField.optional(),
    name: nameField.optional(),
    agencyCode: agencyCodeField.optional().meta({ description: 'null: every alert' }),
    enabled: enabledField.optional(),
    secret: webhookSecretField.optional().meta({ description: 'Replace the secret with your own (not with rotateSecret)' }),
    rotateSecret: z
      .literal(true, { error: (issue) => `${show(issue.input)} is not allowed; give true to have a new secret generated, or leave it out` })
      .optional()
      .meta({ description: 'true: replace the secret with a generated one, returned in this response only (not with secret)' }),
  },
  'a webhook change',
).transform((body, ctx) => {
  if (UPDATABLE.every((key) => body[key] === undefined)) {
    ctx.addIssue({ code: 'custom', message: `nothing to change; give at least one of ${UPDATABLE.join(', ')}` });
  }
  if (body.secret !== undefined && body.rotateSecret !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['rotateSecret'], message: 'give either secret (your own) or rotateSecret (a generated one), not both' });
  }
  return body;
});

export type UpdateWebhookBody = z.output<typeof updateWebhookBodySchema>;

// ---------------------------------------------------------------------------------------------------
// GET /v1/webhooks

/** Sorted by creation time (UTC, microseconds), then id; the cursor is that key. */
const webhooksCursorParam = z
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

export const webhooksQuerySchema = z
  .object({
    agency: codeParam.optional().meta({ description: 'Mã cơ quan (exact): only endpoints scoped to this agency' }),
    enabled: enumParam(['true', 'false']).optional(),
    limit: limitParam,
    cursor: webhooksCursorParam,
  })
  .transform((query) => ({
    agency: query.agency ?? null,
    enabled: query.enabled === undefined ? null : query.enabled === 'true',
    limit: query.limit,
    after: query.cursor,
  }));

export type WebhooksQuery = z.output<typeof webhooksQuerySchema>;

// ---------------------------------------------------------------------------------------------------
// GET /v1/sources/activity

export const sourceActivityQuerySchema = z.object({
  limit: limitParam,
  cursor: singleKeyCursorParam,
});

export type SourceActivityQuery = z.output<typeof sourceActivityQuerySchema>;

import { z } from 'zod';
import { decodeCursor } from '../utils/cursor.util';
import { CURSOR_DESCRIPTION, CURSOR_MESSAGE, codeParam, limitParam } from './query-params';
import { codeField, show, strictObject } from './targets-input.dto';

/** RFC 5321's bound on a forward path. */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_RECIPIENT_NAME_LENGTH = 200;

// ---------------------------------------------------------------------------------------------------
// POST /v1/recipients

export const createRecipientBodySchema = strictObject(
  {
    agencyCode: codeField.meta({ description: 'Mã cơ quan (exact; need not have been seen in the events yet)', example: '000.00.17.H31' }),
    email: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required; the e-mail address to notify' : `${show(issue.input)} is not allowed; give an e-mail address`) })
      .trim()
      .max(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`)
      .pipe(z.email({ error: (issue) => `${show(issue.input)} is not an e-mail address (ASCII, like nguyen.van.a@hungyen.gov.vn)` }))
      .meta({ description: 'E-mail address (ASCII)', example: 'nguyen.van.a@hungyen.gov.vn' }),
    name: z
      .string({ error: (issue) => `${show(issue.input)} is not allowed; give a text, or null for none` })
      .trim()
      .max(MAX_RECIPIENT_NAME_LENGTH, `must be at most ${MAX_RECIPIENT_NAME_LENGTH} characters`)
      .nullable()
      .optional()
      // A blank name is no name.
      .transform((name) => (name ? name : null))
      .meta({ example: 'Nguyễn Văn A' }),
  },
  'a recipient',
);

export type CreateRecipientBody = z.output<typeof createRecipientBodySchema>;

// ---------------------------------------------------------------------------------------------------
// GET /v1/recipients

/** Sorted by agency code, then e-mail address (lower case), both in byte order; the cursor is that key. */
const recipientsCursorParam = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return null;
    const key = decodeCursor(value, 2);
    if (key) return { agencyCode: key[0], email: key[1] };
    ctx.addIssue({ code: 'custom', message: CURSOR_MESSAGE });
    return z.NEVER;
  })
  .meta({ description: CURSOR_DESCRIPTION });

export const recipientsQuerySchema = z.object({
  agency: codeParam.optional().meta({ description: 'Mã cơ quan (exact): only this agency’s recipients' }),
  limit: limitParam,
  cursor: recipientsCursorParam,
});

export type RecipientsQuery = z.output<typeof recipientsQuerySchema>;

/** Recipient ids are positive 64-bit integers (bigserial). */
export function isRecipientId(value: string): boolean {
  return /^[1-9]\d{0,17}$/.test(value);
}

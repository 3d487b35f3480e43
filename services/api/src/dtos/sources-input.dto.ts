import { z } from 'zod';
import { agencyEntryProblems, SOURCE_KEY_PATTERN } from '@dvc/domain';
import { show, strictObject } from './targets-input.dto';

export const MAX_SOURCE_NAME_LENGTH = 200;
export const MAX_SOURCE_URI_LENGTH = 1_024;

export const AGENCIES_HELP =
  'Agency codes, each with its whole subtree in the recorded hierarchy, and patterns with the wildcard * (e.g. "*.H31": ' +
  'every code of the province suffix H31). An event about any other agency is dead-lettered with agency-not-allowed-for-source.';

const nameField = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required; a name for people, e.g. "Một cửa Hưng Yên"' : `${show(issue.input)} is not allowed; give a text`) })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_SOURCE_NAME_LENGTH, `must be at most ${MAX_SOURCE_NAME_LENGTH} characters`);

/** The CloudEvents `source` the system puts in its events: a URI-reference (event-contract.md), e.g. `urn:dvc:motcua:hung-yen`. */
const sourceUriField = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required; the CloudEvents source of the system’s events' : `${show(issue.input)} is not allowed; give a URI`) })
  .min(1, 'must not be empty')
  .max(MAX_SOURCE_URI_LENGTH, `must be at most ${MAX_SOURCE_URI_LENGTH} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be a URI without spaces');

/** Agency codes (each with its subtree) and `*` patterns such as `*.H31` (libs/domain/src/source-agencies.ts). */
const allowedAgenciesField = z
  .array(z.string({ error: (issue) => `${show(issue.input)} is not allowed; give an agency code or a pattern such as "*.H31"` }), {
    error: (issue) => (issue.input === undefined ? 'is required; the agency codes and patterns this source may report for' : `${show(issue.input)} is not allowed; give an array of agency codes and patterns`),
  })
  .transform((entries, ctx) => {
    const unique = [...new Set(entries.map((entry) => entry.trim()))];
    const problems = agencyEntryProblems(unique);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return problems.length ? z.NEVER : unique;
  })
  .meta({ description: AGENCIES_HELP });

const kafkaTopicKeyField = z
  .string({ error: (issue) => `${show(issue.input)} is not allowed; give a key of 1–40 characters a-z, 0-9 and "-"` })
  .regex(SOURCE_KEY_PATTERN, 'must be 1–40 characters of a-z, 0-9 and "-", starting and ending with a letter or digit (the topic is <input topic>.<key>, the broker user src-<key>)');

const trueOnly = (what: string) => z.literal(true, { error: (issue) => `${show(issue.input)} is not allowed; give true to ${what}, or leave it out` });

// ---------------------------------------------------------------------------------------------------
// POST /v1/sources

export const createSourceBodySchema = strictObject(
  {
    name: nameField.meta({ example: 'Một cửa Hưng Yên' }),
    sourceUri: sourceUriField.meta({ example: 'urn:dvc:motcua:hung-yen' }),
    allowedAgencies: allowedAgenciesField.meta({ example: ['*.H31'] }),
    kafkaTopicKey: kafkaTopicKeyField.optional().meta({
      description: 'Its own Kafka topic <input topic>.<key>; the broker user, ACLs and topic are made with deploy/kafka/kafka.sh add-source <key>',
      example: 'hung-yen',
    }),
    issueApiKey: z
      .boolean({ error: (issue) => `${show(issue.input)} is not allowed; use true or false` })
      .optional()
      .meta({ description: 'Issue an HTTP API key (default: true unless kafkaTopicKey is given)' }),
  },
  'a source',
).transform((body, ctx) => {
  // An HTTP key unless the system sends only over Kafka.
  const issueApiKey = body.issueApiKey ?? body.kafkaTopicKey === undefined;
  if (!issueApiKey && body.kafkaTopicKey === undefined) {
    ctx.addIssue({ code: 'custom', path: ['issueApiKey'], message: 'a source needs an API key (issueApiKey: true) or a kafkaTopicKey, or both' });
    return z.NEVER;
  }
  return { name: body.name, sourceUri: body.sourceUri, allowedAgencies: body.allowedAgencies, kafkaTopicKey: body.kafkaTopicKey ?? null, issueApiKey };
});

export type CreateSourceBody = z.output<typeof createSourceBodySchema>;

// ---------------------------------------------------------------------------------------------------
// PATCH /v1/sources/:id

export const updateSourceBodySchema = strictObject(
  {
    name: nameField.optional(),
    allowedAgencies: allowedAgenciesField.optional(),
    rotateApiKey: trueOnly('issue a new API key (the old one stops working at once)')
      .optional()
      .meta({ description: 'Issue a new API key; the old one stops working at once' }),
  },
  'a source change',
).transform((body, ctx) => {
  if (body.name === undefined && body.allowedAgencies === undefined && body.rotateApiKey === undefined) {
    ctx.addIssue({ code: 'custom', message: 'nothing to change; give name, allowedAgencies or rotateApiKey' });
    return z.NEVER;
  }
  return body;
});

export type UpdateSourceBody = z.output<typeof updateSourceBodySchema>;

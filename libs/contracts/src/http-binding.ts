import { parseJsonBytes } from './json-bytes';
import { LIMITS } from './limits';
import { isUtf8Charset, MEDIA_TYPES, parseMediaType } from './media-type';

export type HttpBodyDecode =
  | { ok: true; items: unknown[]; batch: boolean }
  | { ok: false; status: 400 | 415; reason: string };

const ACCEPTED = `${MEDIA_TYPES.cloudEvent} or ${MEDIA_TYPES.cloudEventBatch}`;

/**
 * Splits a `POST /v1/events` body into raw events by the CloudEvents HTTP binding (structured and batched
 * modes). Each item is then validated on its own with `validateCloudEvent`, so one bad event does not
 * refuse its batch.
 */
export function decodeHttpBody(contentType: string | undefined, body: Buffer): HttpBodyDecode {
  if (contentType === undefined || contentType.trim() === '') {
    return { ok: false, status: 415, reason: `Content-Type is missing; it must be ${ACCEPTED}` };
  }
  const mediaType = parseMediaType(contentType);
  const batch = mediaType.essence === MEDIA_TYPES.cloudEventBatch;
  if (!batch && mediaType.essence !== MEDIA_TYPES.cloudEvent) {
    return { ok: false, status: 415, reason: `Content-Type must be ${ACCEPTED} (got ${JSON.stringify(contentType)})` };
  }
  if (!isUtf8Charset(mediaType.charset)) {
    return { ok: false, status: 415, reason: `charset must be utf-8 (got ${JSON.stringify(mediaType.charset)})` };
  }
  // A batch's array is one level more than the events in it.
  const parsed = parseJsonBytes(body, 'the request body', batch ? LIMITS.nestingDepth + 1 : LIMITS.nestingDepth);
  if (!parsed.ok) return { ok: false, status: 400, reason: parsed.reason };
  if (!batch) return { ok: true, items: [parsed.value], batch: false };
  if (!Array.isArray(parsed.value)) {
    return { ok: false, status: 400, reason: `a ${MEDIA_TYPES.cloudEventBatch} body must be a JSON array of events` };
  }
  return { ok: true, items: parsed.value, batch: true };
}

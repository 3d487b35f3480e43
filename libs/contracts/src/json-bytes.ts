import { isUtf8 } from 'node:buffer';

export type JsonParse = { ok: true; value: unknown } | { ok: false; reason: string };

const BOM = 0xfeff;

/** Parses UTF-8 JSON bytes; `what` names them in the reason, e.g. `the message value`. */
export function parseJsonBytes(bytes: Buffer, what: string): JsonParse {
  if (bytes.length === 0) return { ok: false, reason: `${what} is empty; it must be JSON` };
  if (!isUtf8(bytes)) return { ok: false, reason: `${what} is not valid UTF-8` };
  let text = bytes.toString('utf8');
  // RFC 8259 lets parsers ignore a byte order mark, which some Windows producers still write.
  if (text.charCodeAt(0) === BOM) text = text.slice(1);
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, reason: `${what} is not valid JSON: ${(e as Error).message}` };
  }
}

import { isUtf8 } from 'node:buffer';
import { LIMITS } from './limits';

export type JsonParse = { ok: true; value: unknown } | { ok: false; reason: string };

const BOM = 0xfeff;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Parses UTF-8 JSON bytes; `what` names them in the reason, e.g. `the message value`. Beyond RFC 8259 it
 * refuses what I-JSON (RFC 7493) refuses and parsers disagree on: a name twice in one object (JSON.parse
 * keeps the last, other readers the first), and nesting deeper than `maxDepth`.
 */
export function parseJsonBytes(bytes: Buffer, what: string, maxDepth: number = LIMITS.nestingDepth): JsonParse {
  if (bytes.length === 0) return { ok: false, reason: `${what} is empty; it must be JSON` };
  if (!isUtf8(bytes)) return { ok: false, reason: `${what} is not valid UTF-8` };
  let text = bytes.toString('utf8');
  // RFC 8259 lets parsers ignore a byte order mark, which some Windows producers still write.
  if (text.charCodeAt(0) === BOM) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `${what} is not valid JSON: ${(e as Error).message}` };
  }
  const problem = structureProblem(text, maxDepth);
  return problem === null ? { ok: true, value } : { ok: false, reason: `${what} ${problem}` };
}

interface Frame {
  /** Names seen so far; `null` for an array. */
  names: Set<string> | null;
  expectingName: boolean;
}

/**
 * One pass over text already known to be valid JSON: the nesting depth, and each object's names (compared
 * after unescaping, so `"id"` and `"\u0069d"` are the same name). Returns why it is refused, or `null`.
 */
function structureProblem(text: string, maxDepth: number): string | null {
  const frames: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; text.charCodeAt(i) !== QUOTE; i++) {
        if (text.charCodeAt(i) === BACKSLASH) {
          escaped = true;
          i++;
        }
      }
      const frame = frames[frames.length - 1];
      if (frame?.expectingName) {
        const name = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        if (frame.names!.has(name)) return `has the name ${JSON.stringify(name)} twice in one object; names must be unique`;
        frame.names!.add(name);
        frame.expectingName = false;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (frames.length === maxDepth) return `is nested more than ${maxDepth} levels deep`;
      frames.push({ names: c === OPEN_OBJECT ? new Set() : null, expectingName: c === OPEN_OBJECT });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      frames.pop();
    } else if (c === COMMA) {
      const frame = frames[frames.length - 1];
      if (frame.names !== null) frame.expectingName = true;
    }
  }
  return null;
}

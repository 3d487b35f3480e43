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
  const problem = structureProblem(text, value, maxDepth);
  return problem === null ? { ok: true, value } : { ok: false, reason: `${what} ${problem}` };
}

interface Frame {
  /** Names seen so far; `null` for an array. */
  names: Set<string> | null;
  expectingName: boolean;
}

/**
 * The nesting depth and the uniqueness of names, of text already known to be valid JSON (`value` is its parse).
 * The fast path, run by ingest on every event, only counts: the names written in the text equal the keys of the
 * parsed objects exactly when no object has a name twice (JSON.parse keeps one of each). Only when they differ
 * is the text read again, with each object's names (compared after unescaping, so `"id"` and `"\u0069d"` are
 * one name), to say which name is repeated.
 */
function structureProblem(text: string, value: unknown, maxDepth: number): string | null {
  const scan = scanStructure(text, maxDepth, null);
  if (typeof scan === 'string') return scan;
  if (scan === keysOf(value)) return null;
  return scanStructure(text, maxDepth, []) as string;
}

function keysOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += keysOf(item);
    return count;
  }
  for (const key of Object.keys(value)) count += 1 + keysOf((value as Record<string, unknown>)[key]);
  return count;
}

/**
 * One pass: refuses nesting deeper than `maxDepth`; counts the names written in the text, or, given `frames`,
 * returns the first name repeated in one object. Strings are skipped with `indexOf`, not a character at a time.
 */
function scanStructure(text: string, maxDepth: number, frames: Frame[] | null): string | number {
  let depth = 0;
  let names = 0;
  // Whether the next string is a name: just after `{`, or after `,` in an object. Tracked per level in `inObject`.
  const inObject: boolean[] = [];
  let expectingName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (expectingName) {
        names++;
        expectingName = false;
        if (frames) {
          const raw = text.slice(i + 1, end);
          const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
          const frame = frames[frames.length - 1];
          if (frame.names!.has(name)) return `has the name ${JSON.stringify(name)} twice in one object; names must be unique`;
          frame.names!.add(name);
        }
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === maxDepth) return `is nested more than ${maxDepth} levels deep`;
      depth++;
      inObject.push(c === OPEN_OBJECT);
      expectingName = c === OPEN_OBJECT;
      frames?.push({ names: c === OPEN_OBJECT ? new Set() : null, expectingName });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      inObject.pop();
      frames?.pop();
    } else if (c === COMMA) {
      expectingName = inObject[inObject.length - 1] === true;
    }
  }
  return names;
}

/** The index of the quote that closes the string opening at `start`: the next quote not escaped by a backslash. */
function closingQuote(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    // An even run of backslashes escapes itself, not the quote.
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

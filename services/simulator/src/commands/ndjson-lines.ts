import { createReadStream } from 'node:fs';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SUBJECT = Buffer.from('"subject":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The non-empty lines of a file as byte views, read in large chunks: no decoding to strings and back,
 * which was most of replay's time besides Kafka itself. Memory holds one chunk and one partial line.
 */
export async function* readNdjsonLines(path: string): AsyncGenerator<Buffer> {
  let rest: Buffer | null = null;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const data: Buffer = rest === null ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
      const line = trimLine(data, start, end);
      if (line !== null) yield line;
      start = end + 1;
    }
    rest = start < data.length ? data.subarray(start) : null;
  }
  if (rest !== null) {
    const line = trimLine(rest, 0, rest.length);
    if (line !== null) yield line;
  }
}

function trimLine(data: Buffer, start: number, end: number): Buffer | null {
  const stop = end > start && data[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
  for (let i = start; i < stop; i++) {
    const c = data[i];
    if (c !== 0x20 && c !== 0x09) return data.subarray(start, stop);
  }
  return null;
}

/**
 * The event's `subject`, to key the message by, read from the bytes: the first `"subject":"…"` of
 * the line, which for the contract's flat attributes is the event's own. A subject with escapes, or
 * none, falls back to parsing the line; null when the line is not an event with a string subject.
 */
export function subjectKey(line: Buffer): Buffer | null {
  const at = line.indexOf(SUBJECT);
  if (at !== -1) {
    const start = at + SUBJECT.length;
    const end = line.indexOf(QUOTE, start);
    if (end !== -1 && line.subarray(start, end).indexOf(BACKSLASH) === -1) return line.subarray(start, end);
  }
  try {
    const parsed: unknown = JSON.parse(line.toString('utf8'));
    const subject = typeof parsed === 'object' && parsed !== null ? (parsed as { subject?: unknown }).subject : undefined;
    return typeof subject === 'string' ? Buffer.from(subject) : null;
  } catch {
    return null;
  }
}

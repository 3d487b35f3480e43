/**
 * Opaque keyset cursors: base64url of the JSON array of the last row's sort key. Decoding is strict
 * (canonical encoding, exact shape) so that a tampered or foreign cursor is refused, not half-used.
 */
export function encodeCursor(sortKey: readonly string[]): string {
  return Buffer.from(JSON.stringify(sortKey), 'utf8').toString('base64url');
}

const MAX_CURSOR_LENGTH = 1_024;

/** The sort key in `cursor`, or `null` unless it is a cursor of exactly `keyCount` strings. */
export function decodeCursor(cursor: string, keyCount: number): string[] | null {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let sortKey: unknown;
  try {
    sortKey = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(sortKey) || sortKey.length !== keyCount) return null;
  if (!sortKey.every((key): key is string => typeof key === 'string')) return null;
  return encodeCursor(sortKey) === cursor ? sortKey : null;
}

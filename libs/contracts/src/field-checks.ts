import type { Instant } from './dossier-event';
import { RFC3339_EXPECTATION, tryParseRfc3339 } from './instant';

/**
 * Thrown by the checks below and caught by the validator. Deliberately not an `Error`: no stack trace
 * is captured, so a flood of bad events costs little more than good ones.
 */
export class FieldRejection {
  constructor(
    readonly field: string | null,
    readonly reason: string,
  ) {}
}

export type JsonObject = Record<string, unknown>;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}…` : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return Array.isArray(value) ? 'an array' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** `expectation` continues the field name, e.g. `must be one of a, b`. */
export function fail(field: string, value: unknown, expectation: string): never {
  throw new FieldRejection(
    field,
    value === undefined ? `${field} is missing; it ${expectation}` : `${field} ${expectation} (got ${describe(value)})`,
  );
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string): JsonObject {
  if (!isJsonObject(value)) fail(field, value, 'must be an object');
  return value;
}

/** A string compared exactly: nothing trimmed or normalised. */
export function requireString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') fail(field, value, `must be a string of 1–${max} characters`);
  if (value.length === 0) throw new FieldRejection(field, `${field} must not be empty`);
  checkWellFormed(value, field);
  checkLengthAndNul(value, field, max);
  return value;
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A CloudEvents context attribute: a string as `requireString` takes it, without the control characters
 * CloudEvents 1.0 forbids in every String attribute (a line break in a Kafka header or a log line).
 */
export function requireAttributeString(value: unknown, field: string, max: number): string {
  const text = requireString(value, field, max);
  if (CONTROL_CHARACTER.test(text)) {
    fail(field, text, 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)');
  }
  return text;
}

export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/** Free text, stored in Unicode NFC; may be empty. */
export function requireText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') fail(field, value, `must be a string of at most ${max} characters`);
  checkWellFormed(value, field);
  const text = value.normalize('NFC');
  checkLengthAndNul(text, field, max);
  return text;
}

export function requireEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(field, value, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Absent and `null` both mean "not given". */
export function optionalEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | null {
  return value === undefined || value === null ? null : requireEnum(value, field, allowed);
}

export function requireInstant(value: unknown, field: string): Instant {
  if (typeof value !== 'string') fail(field, value, RFC3339_EXPECTATION);
  const parsed = tryParseRfc3339(value);
  if (!parsed.ok) {
    throw new FieldRejection(field, `${field} ${RFC3339_EXPECTATION} (got ${describe(value)}: ${parsed.detail})`);
  }
  return parsed.instant;
}

export function optionalInstant(value: unknown, field: string): Instant | null {
  return value === undefined || value === null ? null : requireInstant(value, field);
}

export function requireSafeNonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(field, value, 'must be an integer from 0 to 9007199254740991');
  }
  return value;
}

function checkLengthAndNul(text: string, field: string, max: number): void {
  // UTF-16 length is an upper bound of the code point count, so the exact count is only needed past it.
  if (text.length > max) {
    const codePoints = [...text].length;
    if (codePoints > max) {
      throw new FieldRejection(field, `${field} must be at most ${max} characters (got ${codePoints})`);
    }
  }
  // PostgreSQL text cannot hold U+0000; refusing it here keeps one bad event from failing a whole batch later.
  if (text.includes('\u0000')) throw new FieldRejection(field, `${field} must not contain the character U+0000`);
}

/**
 * A `\ud800`-style escape in JSON can give a string half of a surrogate pair: no Unicode text, and not
 * storable as UTF-8 as it was sent (it would become U+FFFD on the way to PostgreSQL).
 */
function checkWellFormed(text: string, field: string): void {
  if (!(text as unknown as WellFormedString).isWellFormed()) {
    throw new FieldRejection(field, `${field} must not contain an unpaired surrogate (U+D800–U+DFFF)`);
  }
}

/** `String.prototype.isWellFormed` (Node 20; in TypeScript's ES2024 library, newer than this project's). */
interface WellFormedString {
  isWellFormed(): boolean;
}

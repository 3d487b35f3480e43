import { PageError } from '../web/page-errors';

const AGENCY_CODE = /^[A-Za-z0-9._-]{1,64}$/;

/** An agency code from a path or a form: the contract's characters only, else a 400 page. */
export function agencyCodeOf(value: unknown): string {
  if (typeof value !== 'string' || !AGENCY_CODE.test(value)) throw new PageError(400, 'error.400', `"${String(value)}" is not an agency code`);
  return value;
}

/** The API's ids are UUIDs; anything else never reaches it. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function idOf(value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new PageError(400, 'error.400', `"${String(value)}" is not an id`);
  return value;
}

export function textField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A percentage as people type it (60, 60.5, 60,5 — Vietnamese writes a decimal comma) as the API's ratio. */
export function percentField(body: Record<string, unknown>, name: string): number {
  const text = textField(body, name).replace(',', '.').replace(/%$/, '').trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new PageError(400, 'error.400', `${name}: "${textField(body, name)}" is not a percentage from 0 to 100`);
  }
  // Four decimals of a ratio are hundredths of a percent: enough, and free of binary noise (0.605, not 0.6050000001).
  return Math.round(value * 100) / 10_000;
}

export function integerField(body: Record<string, unknown>, name: string): number {
  const value = Number(textField(body, name));
  if (!Number.isSafeInteger(value) || value < 1) throw new PageError(400, 'error.400', `${name}: not a positive integer`);
  return value;
}

/** An HTML checkbox: present (any value) when ticked, absent when not. */
export function checkboxField(body: Record<string, unknown>, name: string): boolean {
  return body[name] !== undefined;
}

/** `?notice=` after post/redirect/get: only the message keys this console defines, never free text from a URL. */
export function redirectWithNotice(path: string, noticeKey: string): string {
  const separator = path.includes('?') ? '&' : '?';
  return `${path}${separator}notice=${encodeURIComponent(noticeKey)}`;
}

import { en } from './en';
import { vi } from './vi';

/**
 * Everything the console says, Vietnamese first (vi.ts, en.ts). A key missing in English falls back to the
 * Vietnamese text (never to the key), so a page is always readable; form-fields.spec.ts checks the catalogues.
 */
export const LANGUAGES = ['vi', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const CATALOGUES: Record<Language, Record<string, string>> = { vi, en };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The text of `key` in `language` with `{{name}}` placeholders filled; Vietnamese when English lacks it. */
export function translate(language: Language, key: string, values: Record<string, unknown> = {}): string {
  const template = CATALOGUES[language][key] ?? vi[key] ?? key;
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => (values[name] === undefined || values[name] === null ? '—' : String(values[name])));
}

/** Keys Vietnamese has and English lacks (a test keeps this to the ones meant to be shared). */
export function missingEnglish(): string[] {
  return Object.keys(vi).filter((key) => !(key in en));
}

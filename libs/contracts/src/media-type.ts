export const MEDIA_TYPES = {
  json: 'application/json',
  cloudEvent: 'application/cloudevents+json',
  cloudEventBatch: 'application/cloudevents-batch+json',
} as const;

export interface MediaType {
  /** `type/subtype`, lower case, without parameters. */
  essence: string;
  /** The `charset` parameter, lower case, when present. */
  charset: string | null;
}

/** Parses a Content-Type value leniently: case-insensitive, parameters other than charset ignored. */
export function parseMediaType(contentType: string): MediaType {
  const parts = contentType.split(';');
  let charset: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq > 0 && parts[i].slice(0, eq).trim().toLowerCase() === 'charset') {
      charset = parts[i].slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    }
  }
  return { essence: parts[0].trim().toLowerCase(), charset };
}

export function isUtf8Charset(charset: string | null): boolean {
  return charset === null || charset === 'utf-8' || charset === 'utf8';
}

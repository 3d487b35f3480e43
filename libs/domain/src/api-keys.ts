import { createHash, randomBytes } from 'node:crypto';

/**
 * Ingest API keys: 24 random bytes, base64url, prefixed `dvc_` (so secret scanners and people recognise them).
 * Only the SHA-256 is stored (`ingest_sources.api_key_hash`): the API issues keys, ingest checks them.
 */
export function generateApiKey(): string {
  return `dvc_${randomBytes(24).toString('base64url')}`;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

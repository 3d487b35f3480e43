import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets the services must read back (webhook signing secrets) are kept encrypted at rest: AES-256-GCM with a key
 * from the environment (SECRETS_ENCRYPTION_KEY), never in the database. A sealed value names its key
 * (`v1:<key id>:<iv>:<tag>:<ciphertext>`, base64url), so a keyring of the current key and the previous ones opens
 * values sealed before a rotation, and the API re-seals them with the current key when it starts.
 */
export interface Keyring {
  current: { id: string; key: Buffer };
  all: ReadonlyMap<string, Buffer>;
}

const VERSION = 'v1';

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A 32-byte key from its base64 (or base64url) text; throws a message naming `what` otherwise. */
export function parseEncryptionKey(text: string, what: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${what} must be 32 random bytes in base64 (e.g. openssl rand -base64 32), not ${key.length} bytes`);
  return key;
}

export function keyringOf(current: Buffer, previous: readonly Buffer[] = []): Keyring {
  const all = new Map<string, Buffer>();
  for (const key of [current, ...previous]) all.set(keyIdOf(key), key);
  return { current: { id: keyIdOf(current), key: current }, all };
}

export function sealSecret(keyring: Keyring, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, keyring.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
}

/** The key id a sealed value was sealed with, or null when it is not a sealed value. */
export function sealedWith(sealed: string): string | null {
  const parts = sealed.split(':');
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : null;
}

/** Opens a sealed value; throws when its key is not in the keyring or the value was altered (GCM tag). */
export function openSecret(keyring: Keyring, sealed: string): string {
  const parts = sealed.split(':');
  if (parts.length !== 5 || parts[0] !== VERSION) throw new Error('not a sealed secret');
  const [, keyId, iv, tag, ciphertext] = parts;
  const key = keyring.all.get(keyId);
  if (!key) throw new Error(`sealed with key ${keyId}, which is neither SECRETS_ENCRYPTION_KEY nor one of SECRETS_ENCRYPTION_PREVIOUS_KEYS`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

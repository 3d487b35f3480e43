import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Keyring, keyringOf, parseEncryptionKey } from '@dvc/domain';

/**
 * The key that seals secrets at rest (libs/domain/src/secret-envelope.ts): SECRETS_ENCRYPTION_KEY (32 bytes,
 * base64) or a file holding it (SECRETS_ENCRYPTION_KEY_FILE, e.g. a mounted Kubernetes secret), and the keys it
 * replaced (SECRETS_ENCRYPTION_PREVIOUS_KEYS, comma-separated), still accepted for opening while rows are re-sealed.
 */
export const secretsEnvironment = z.object({
  SECRETS_ENCRYPTION_KEY: z.string().min(1).optional(),
  SECRETS_ENCRYPTION_KEY_FILE: z.string().min(1).optional(),
  SECRETS_ENCRYPTION_PREVIOUS_KEYS: z.string().default(''),
});

export type SecretsEnvironment = z.infer<typeof secretsEnvironment>;

/** The keyring of the environment; throws one clear message when the key is missing or malformed. */
export function secretsKeyring(environment: SecretsEnvironment): Keyring {
  const { SECRETS_ENCRYPTION_KEY: inline, SECRETS_ENCRYPTION_KEY_FILE: file } = environment;
  if (inline !== undefined && file !== undefined) throw new Error('SECRETS_ENCRYPTION_KEY and SECRETS_ENCRYPTION_KEY_FILE are both set: set one');
  if (inline === undefined && file === undefined) {
    throw new Error('SECRETS_ENCRYPTION_KEY (or SECRETS_ENCRYPTION_KEY_FILE) is required: 32 random bytes in base64, e.g. openssl rand -base64 32');
  }
  const current = inline !== undefined ? parseEncryptionKey(inline, 'SECRETS_ENCRYPTION_KEY') : parseEncryptionKey(readFileSync(file!, 'utf8'), `the key in ${file}`);
  const previous = environment.SECRETS_ENCRYPTION_PREVIOUS_KEYS.split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((text, index) => parseEncryptionKey(text, `SECRETS_ENCRYPTION_PREVIOUS_KEYS[${index}]`));
  return keyringOf(current, previous);
}

/** Zod refinement: the same checks at start-up, as issues of the environment (no key material in messages). */
export function checkSecrets(environment: SecretsEnvironment, context: z.RefinementCtx): void {
  try {
    secretsKeyring(environment);
  } catch (error) {
    context.addIssue({ code: 'custom', path: ['SECRETS_ENCRYPTION_KEY'], message: (error as Error).message });
  }
}

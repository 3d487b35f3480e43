import { randomBytes } from 'node:crypto';
import { keyIdOf, keyringOf, openSecret, parseEncryptionKey, sealedWith, sealSecret } from './secret-envelope';

describe('sealed secrets', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('round-trips, with a fresh IV each time and no plaintext in the sealed value', () => {
    const keyring = keyringOf(newKey);
    const a = sealSecret(keyring, 'whsec_bí-mật');
    const b = sealSecret(keyring, 'whsec_bí-mật');
    expect(a).not.toBe(b);
    expect(a).not.toContain('whsec');
    expect(sealedWith(a)).toBe(keyIdOf(newKey));
    expect(openSecret(keyring, a)).toBe('whsec_bí-mật');
  });

  it('opens values of a previous key after a rotation, and refuses unknown keys and altered values', () => {
    const sealedBefore = sealSecret(keyringOf(oldKey), 'whsec_old');
    expect(openSecret(keyringOf(newKey, [oldKey]), sealedBefore)).toBe('whsec_old');
    expect(() => openSecret(keyringOf(newKey), sealedBefore)).toThrow(/sealed with key [0-9a-f]{8}, which is neither/);
    const parts = sealedBefore.split(':');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => openSecret(keyringOf(oldKey), parts.join(':'))).toThrow();
    expect(() => openSecret(keyringOf(oldKey), 'whsec_plain')).toThrow('not a sealed secret');
    expect(sealedWith('whsec_plain')).toBeNull();
  });

  it('takes keys of exactly 32 bytes in base64', () => {
    expect(parseEncryptionKey(newKey.toString('base64'), 'SECRETS_ENCRYPTION_KEY')).toEqual(newKey);
    expect(() => parseEncryptionKey('c2hvcnQ=', 'SECRETS_ENCRYPTION_KEY')).toThrow('SECRETS_ENCRYPTION_KEY must be 32 random bytes in base64 (e.g. openssl rand -base64 32), not 5 bytes');
  });
});

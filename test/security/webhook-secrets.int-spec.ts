import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyIdOf, keyringOf, openSecret, sealedWith } from '@dvc/domain';
import { migrate } from '@dvc/persistence';
import { passwordToken } from '../support/keycloak';
import { ServiceProcess, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

/**
 * Webhook secrets at rest: sealed with SECRETS_ENCRYPTION_KEY (AES-256-GCM) as the API stores them, plaintext rows
 * from before sealing sealed when the API starts, and a key rotation (new key, the old one in
 * SECRETS_ENCRYPTION_PREVIOUS_KEYS) re-seals every row at the next start. The API runs as a real process, restarted
 * with each key, on real PostgreSQL; tokens come from the real local Keycloak.
 */
const environment = new TestEnvironment('webhook_secrets');
const firstKey = randomBytes(32);
const secondKey = randomBytes(32);
const LEGACY_SECRET = 'legacy-plaintext-secret-0001';

function apiWith(key: string, previous: Buffer[] = []): ServiceProcess {
  return new ServiceProcess(
    'api',
    environment.serviceEnvironment({
      SECRETS_ENCRYPTION_KEY: key,
      SECRETS_ENCRYPTION_PREVIOUS_KEYS: previous.map((k) => k.toString('base64')).join(','),
    }),
  );
}

const row = async (id: string) =>
  (await environment.query<{ secret: string | null; secret_sealed: string | null }>(`SELECT secret, secret_sealed FROM webhook_endpoints WHERE id = $1`, [id]))[0];
const everyStoredValue = async () => JSON.stringify(await environment.query(`SELECT * FROM webhook_endpoints`));

beforeAll(async () => {
  await environment.dropDatabase();
  await migrate(environment.databaseUrl);
});

afterAll(async () => {
  await stopAllServices();
  await environment.dropDatabase();
});

it('seals on write, seals legacy plaintext at start, re-seals after a key rotation and refuses to start without a valid key', async () => {
  const first = await apiWith(firstKey.toString('base64')).start();
  const response = await fetch(`${first.url}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await passwordToken('integrator')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://ioc.hungyen.gov.vn/hooks/dvc' }),
  });
  expect(response.status).toBe(201);
  const created = (await response.json()) as { id: string; secret: string };
  const stored = await row(created.id);
  expect(stored.secret).toBeNull();
  expect(sealedWith(stored.secret_sealed!)).toBe(keyIdOf(firstKey));
  expect(await everyStoredValue()).not.toContain(created.secret);
  expect(openSecret(keyringOf(firstKey), stored.secret_sealed!)).toBe(created.secret);

  // A row as an older version wrote it: plaintext.
  const [legacy] = await environment.query<{ id: string }>(
    `INSERT INTO webhook_endpoints (url, secret, enabled) VALUES ('https://legacy.hungyen.gov.vn/', $1, true) RETURNING id`,
    [LEGACY_SECRET],
  );
  await first.stop();

  // Rotation: the second key is current, the first one only opens.
  const second = await apiWith(secondKey.toString('base64'), [firstKey]).start();
  for (const [id, plaintext] of [
    [created.id, created.secret],
    [legacy.id, LEGACY_SECRET],
  ]) {
    const resealed = await row(id);
    expect(resealed.secret).toBeNull();
    expect(sealedWith(resealed.secret_sealed!)).toBe(keyIdOf(secondKey));
    expect(openSecret(keyringOf(secondKey), resealed.secret_sealed!)).toBe(plaintext);
    expect(() => openSecret(keyringOf(firstKey), resealed.secret_sealed!)).toThrow(/neither/);
  }
  expect(await everyStoredValue()).not.toContain(LEGACY_SECRET);
  await second.stop();

  // A key that is not 32 bytes: the API does not start, and says why (never silently leaving secrets unreadable).
  const badKey = apiWith('c2hvcnQ=');
  await expect(badKey.start()).rejects.toThrow(/exited with [1-9][0-9]* during start-up/);
  expect(readFileSync(badKey.logFile, 'utf8')).toMatch(/SECRETS_ENCRYPTION_KEY must be 32 random bytes in base64/);
});

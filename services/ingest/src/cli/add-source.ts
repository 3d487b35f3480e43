import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DEFAULT_DATABASE_URL } from '@dvc/persistence';
import { hashApiKey } from '../services/api-key-authenticator.service';

/**
 * `npm run ingest:add-source -- --name "Một cửa Hưng Yên" --source urn:dvc:motcua:hung-yen [--key K]`
 * registers a one-stop system for `POST /v1/events` and prints its API key once; only the hash is kept.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { name: { type: 'string' }, source: { type: 'string' }, key: { type: 'string' } } });
  if (!values.name || !values.source) throw new Error('usage: add-source --name NAME --source SOURCE_URI [--key API_KEY]');
  const apiKey = values.key ?? `dvc_${randomBytes(24).toString('base64url')}`;
  const client = new Client({ connectionString: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO ingest_sources (name, source_uri, api_key_hash) VALUES ($1, $2, $3)
       ON CONFLICT (api_key_hash) DO UPDATE SET name = excluded.name, source_uri = excluded.source_uri, revoked_at = NULL`,
      [values.name, values.source, hashApiKey(apiKey)],
    );
  } finally {
    await client.end();
  }
  console.log(`registered ${values.source}; its API key (shown only now): ${apiKey}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { agencyEntryProblems, generateApiKey, hashApiKey, SOURCE_KEY_PATTERN } from '@dvc/domain';
import { DEFAULT_DATABASE_URL } from '@dvc/persistence';

const USAGE =
  'usage: add-source --name NAME --source SOURCE_URI --agencies CODES_OR_PATTERNS [--key API_KEY] [--kafka-key KEY [--no-api-key]]\n' +
  '  --agencies  comma list of agency codes (each with its subtree) and * patterns, e.g. "000.00.03.H31" or "*.H31"\n' +
  '  --kafka-key the source also writes its own topic <input topic>.<KEY> (broker side: deploy/kafka/kafka.sh add-source KEY)';

/**
 * `npm run ingest:add-source -- --name "Một cửa Hưng Yên" --source urn:dvc:motcua:hung-yen --agencies "*.H31"`
 * registers a one-stop system, bound to the agencies it may report for, and prints its API key once (only the
 * hash is kept). For the data center's scripts; signed-in people use `POST /v1/sources` of the API, which
 * records who registered it. Run again with the same key (or Kafka key) to change the name and agencies.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      source: { type: 'string' },
      agencies: { type: 'string' },
      key: { type: 'string' },
      'kafka-key': { type: 'string' },
      'no-api-key': { type: 'boolean' },
    },
  });
  if (!values.name || !values.source || !values.agencies) throw new Error(USAGE);
  const agencies = [...new Set(values.agencies.split(',').map((entry) => entry.trim()).filter(Boolean))];
  const problems = agencyEntryProblems(agencies);
  if (problems.length) throw new Error(`--agencies: ${problems.join('; ')}`);
  const kafkaKey = values['kafka-key'] ?? null;
  if (kafkaKey !== null && !SOURCE_KEY_PATTERN.test(kafkaKey)) throw new Error('--kafka-key must be 1–40 characters of a-z, 0-9 and "-", starting and ending with a letter or digit');
  if (values['no-api-key'] && (kafkaKey === null || values.key)) throw new Error('--no-api-key needs --kafka-key and no --key');
  const apiKey = values['no-api-key'] ? null : (values.key ?? generateApiKey());

  const client = new Client({ connectionString: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL });
  await client.connect();
  try {
    // Re-running with the same Kafka key, or else the same API key, updates that source (and un-revokes it).
    const conflictTarget = kafkaKey !== null ? 'kafka_topic_key' : 'api_key_hash';
    await client.query(
      `INSERT INTO ingest_sources (name, source_uri, allowed_agencies, api_key_hash, kafka_topic_key, created_by)
       VALUES ($1, $2, $3, $4, $5, 'add-source (command line)')
       ON CONFLICT (${conflictTarget}) DO UPDATE SET
         name = excluded.name, source_uri = excluded.source_uri, allowed_agencies = excluded.allowed_agencies,
         api_key_hash = COALESCE(excluded.api_key_hash, ingest_sources.api_key_hash),
         updated_at = now(), updated_by = 'add-source (command line)', revoked_at = NULL, revoked_by = NULL, revoked_by_subject = NULL`,
      [values.name, values.source, agencies, apiKey ? hashApiKey(apiKey) : null, kafkaKey],
    );
  } finally {
    await client.end();
  }
  const channels = [kafkaKey ? `Kafka topic key ${kafkaKey}` : null, apiKey ? 'an API key' : null].filter(Boolean).join(' and ');
  console.log(`registered ${values.source} for ${agencies.join(', ')} with ${channels}`);
  if (apiKey) console.log(`its API key (shown only now): ${apiKey}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

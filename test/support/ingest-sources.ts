import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './infrastructure';

/**
 * Registers a one-stop system with ingest's own CLI (services/ingest/src/cli/add-source.ts, from dist/) in
 * the database at `databaseUrl`, bound to `agencies`; returns its API key (`key`, or the one the CLI made).
 */
export async function addIngestSource(databaseUrl: string, options: { name: string; source: string; agencies: string; key?: string }): Promise<string> {
  const args = ['--name', options.name, '--source', options.source, '--agencies', options.agencies, ...(options.key ? ['--key', options.key] : [])];
  const cli = join(REPO_ROOT, 'dist/services/ingest/src/cli/add-source.js');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl } });
  const printed = /its API key \(shown only now\): (\S+)\s*$/.exec(stdout);
  if (!printed) throw new Error(`add-source printed no key: ${stdout}`);
  return printed[1];
}

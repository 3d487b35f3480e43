import { DEFAULT_DATABASE_URL, migrate } from '../database-options';

/** `npm run db:migrate`: creates the database if needed and applies pending migrations. */
async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const applied = await migrate(databaseUrl);
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
}

main().catch((error: unknown) => {
  console.error('migration failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook secrets encrypted at rest. They must stay readable (the alerting service signs with them), so they
 * are sealed with AES-256-GCM under SECRETS_ENCRYPTION_KEY (libs/domain/src/secret-envelope.ts) into
 * `secret_sealed`; the key never enters the database. A migration cannot know the key, so rows written before
 * keep their plaintext in `secret` until the API starts with a key: it seals them then (and re-seals rows of a
 * previous key after a rotation), emptying `secret`. From then on `secret` stays NULL.
 */
export class SealedWebhookSecrets1765400000000 implements MigrationInterface {
  name = 'SealedWebhookSecrets1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE webhook_endpoints
        ADD COLUMN secret_sealed text CHECK (secret_sealed LIKE 'v1:%'),
        ALTER COLUMN secret DROP NOT NULL,
        ADD CONSTRAINT webhook_endpoints_secret_kept CHECK (secret IS NOT NULL OR secret_sealed IS NOT NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Sealed secrets cannot be opened here: endpoints with only a sealed secret are deleted.
    await queryRunner.query(`DELETE FROM webhook_endpoints WHERE secret IS NULL`);
    await queryRunner.query(`
      ALTER TABLE webhook_endpoints
        DROP CONSTRAINT webhook_endpoints_secret_kept,
        DROP COLUMN secret_sealed,
        ALTER COLUMN secret SET NOT NULL`);
  }
}

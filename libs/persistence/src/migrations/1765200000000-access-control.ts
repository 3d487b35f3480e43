import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scope and accountability for signed-in callers.
 *
 * `agency_subtree(roots)` is the set of agency codes a caller may see: each root and all its descendants in
 * the agency hierarchy (`agencies.parent_code`). The roots themselves are always in it, known or not; the
 * depth bound ends a loop of parents. Every scoped query filters with `agency_code IN (SELECT
 * agency_subtree($n))`, so what is out of scope never leaves the database.
 *
 * Audit rows gain the token's subject (`sub`, stable and unique at the issuer) beside the name they
 * already keep. Rows written before sign-in existed have none: their actor came from a header.
 */
export class AccessControl1765200000000 implements MigrationInterface {
  name = 'AccessControl1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION agency_subtree(roots text[]) RETURNS SETOF text
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        WITH RECURSIVE tree (code, depth) AS (
          SELECT DISTINCT root, 0 FROM unnest(roots) AS root
          UNION
          SELECT child.code, tree.depth + 1
          FROM agencies child JOIN tree ON child.parent_code = tree.code
          WHERE tree.depth < 32
        )
        SELECT DISTINCT code FROM tree
      $$`);
    await queryRunner.query(`ALTER TABLE target_audit ADD COLUMN actor_subject text`);
    await queryRunner.query(`ALTER TABLE alert_history ADD COLUMN actor_subject text`);
    await queryRunner.query(`ALTER TABLE alerts ADD COLUMN acknowledged_by_subject text`);
    await queryRunner.query(`ALTER TABLE alert_recipients ADD COLUMN created_by_subject text`);
    await queryRunner.query(`ALTER TABLE webhook_endpoints ADD COLUMN created_by_subject text`);
    await queryRunner.query(`ALTER TABLE targets ADD COLUMN created_by_subject text, ADD COLUMN updated_by_subject text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE targets DROP COLUMN IF EXISTS created_by_subject, DROP COLUMN IF EXISTS updated_by_subject`);
    await queryRunner.query(`ALTER TABLE webhook_endpoints DROP COLUMN IF EXISTS created_by_subject`);
    await queryRunner.query(`ALTER TABLE alert_recipients DROP COLUMN IF EXISTS created_by_subject`);
    await queryRunner.query(`ALTER TABLE alerts DROP COLUMN IF EXISTS acknowledged_by_subject`);
    await queryRunner.query(`ALTER TABLE alert_history DROP COLUMN IF EXISTS actor_subject`);
    await queryRunner.query(`ALTER TABLE target_audit DROP COLUMN IF EXISTS actor_subject`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS agency_subtree(text[])`);
  }
}

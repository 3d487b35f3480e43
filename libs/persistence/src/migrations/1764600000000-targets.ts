import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Targets (chỉ tiêu) and their audit trail.
 *
 * A target holds one scope × metric × severity to a threshold: "for this scope, the metric should not
 * fall below `threshold`". The scope is one of six kinds, and a CHECK constraint makes sure that exactly
 * the columns of its kind are set, so a row can always be read back as the domain's `TargetScope`.
 * `version` starts at 1 and grows by one on every update: the API's optimistic concurrency.
 *
 * `target_audit` keeps who did what and when, with the target as the API showed it before and after
 * (JSON). It has no foreign key to `targets`: the history of a deleted target stays.
 *
 * The shipped defaults are seeded here (and audited as created by "system (migration)"); they are
 * ordinary rows, editable and deletable like any other.
 */
export class Targets1764600000000 implements MigrationInterface {
  name = 'Targets1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE targets (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_kind       text NOT NULL
          CHECK (scope_kind IN ('all', 'agencyLevel', 'onlineLevel', 'agency', 'procedure', 'agencyProcedure')),
        agency_level     text
          CHECK (agency_level IN ('ministry', 'province', 'department', 'district', 'commune', 'other')),
        online_level     text CHECK (online_level IN ('full', 'partial')),
        agency_code      text CHECK (agency_code <> '' AND agency_code = btrim(agency_code)),
        include_subtree  boolean,
        procedure_code   text CHECK (procedure_code <> '' AND procedure_code = btrim(procedure_code)),
        metric           text NOT NULL CHECK (metric IN ('onlineRate', 'onTimeRate')),
        threshold        numeric NOT NULL CHECK (threshold >= 0 AND threshold <= 1),
        severity         text NOT NULL CHECK (severity IN ('critical', 'warning')),
        enabled          boolean NOT NULL DEFAULT true,
        note             text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        created_by       text NOT NULL CHECK (created_by <> ''),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        updated_by       text NOT NULL CHECK (updated_by <> ''),
        version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        -- Exactly the fields of the scope's kind are set.
        CONSTRAINT targets_scope_fields CHECK (
          (agency_level IS NOT NULL)    = (scope_kind = 'agencyLevel') AND
          (online_level IS NOT NULL)    = (scope_kind = 'onlineLevel') AND
          (agency_code IS NOT NULL)     = (scope_kind IN ('agency', 'agencyProcedure')) AND
          (include_subtree IS NOT NULL) = (scope_kind = 'agency') AND
          (procedure_code IS NOT NULL)  = (scope_kind IN ('procedure', 'agencyProcedure'))
        )
      )`);
    // One rule per scope × metric × severity. An agency's own rule and its subtree rule are different
    // scopes. Unset fields are '' here, which no set field can be (CHECKs above).
    await queryRunner.query(`
      CREATE UNIQUE INDEX targets_scope_metric_severity_key ON targets (
        scope_kind,
        coalesce(agency_level, ''),
        coalesce(online_level, ''),
        coalesce(agency_code, ''),
        coalesce(include_subtree::text, ''),
        coalesce(procedure_code, ''),
        metric,
        severity
      )`);
    await queryRunner.query(`CREATE INDEX targets_agency_code_idx ON targets (agency_code) WHERE agency_code IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX targets_procedure_code_idx ON targets (procedure_code) WHERE procedure_code IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX targets_created_idx ON targets (created_at, id)`);

    await queryRunner.query(`
      CREATE TABLE target_audit (
        id          bigserial PRIMARY KEY,
        target_id   uuid NOT NULL,
        action      text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
        actor       text NOT NULL CHECK (actor <> ''),
        at          timestamptz NOT NULL DEFAULT now(),
        before      jsonb,
        after       jsonb,
        CONSTRAINT target_audit_snapshots CHECK (
          (before IS NULL) = (action = 'create') AND (after IS NULL) = (action = 'delete')
        )
      )`);
    await queryRunner.query(`CREATE INDEX target_audit_target_idx ON target_audit (target_id, id)`);

    // The shipped defaults, audited as created by the migration. The snapshot has the shape of the
    // API's target (TargetDto); timestamps as ISO 8601 in UTC with milliseconds, like JSON dates.
    await queryRunner.query(`
      WITH seeded AS (
        INSERT INTO targets (scope_kind, metric, threshold, severity, enabled, note, created_by, updated_by)
        VALUES
          ('all', 'onlineRate', 0.10, 'critical', true,
           'Mặc định: dưới 10% hồ sơ trực tuyến là mức sàn mà các báo cáo mô tả (the floor the reports describe).',
           'system (migration)', 'system (migration)'),
          ('all', 'onlineRate', 0.50, 'warning', true,
           'Mặc định: từ 50% hồ sơ trực tuyến được điểm tối đa trong bộ chỉ số quốc gia (the share that earns full points in the national indicator set).',
           'system (migration)', 'system (migration)')
        RETURNING *
      )
      INSERT INTO target_audit (target_id, action, actor, at, before, after)
      SELECT id, 'create', created_by, created_at, NULL,
        jsonb_build_object(
          'id', id,
          'scope', jsonb_build_object('kind', scope_kind),
          'metric', metric,
          'threshold', threshold,
          'severity', severity,
          'enabled', enabled,
          'note', note,
          'version', version,
          'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'createdBy', created_by,
          'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'updatedBy', updated_by
        )
      FROM seeded`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS target_audit`);
    await queryRunner.query(`DROP TABLE IF EXISTS targets`);
  }
}

import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { fillRollUpsFromDays } from '@dvc/persistence';

/**
 * Data inside every demo user's scope (Sở Tư pháp of Hưng Yên, under the province root the province-wide users
 * hold) and outside all of them (the same department of another province). Each kind of resource the API
 * serves exists once on each side, so a probe can ask for "its own" and for "the other" one.
 */
export const IN_SCOPE = '000.00.03.H31';
export const OUT_OF_SCOPE = '000.00.03.H29';
export const PROCEDURE = '1.001612';
const DAY = '2025-03-05';

const AGENCIES = [
  ['000.00.00.H31', 'UBND tỉnh Hưng Yên', 'province', null],
  [IN_SCOPE, 'Sở Tư pháp tỉnh Hưng Yên', 'department', '000.00.00.H31'],
  ['119.53.00.H31', 'UBND phường Phố Hiến', 'commune', '000.00.00.H31'],
  ['000.00.00.H29', 'UBND tỉnh Bắc Ninh', 'province', null],
  [OUT_OF_SCOPE, 'Sở Tư pháp tỉnh Bắc Ninh', 'department', '000.00.00.H29'],
] as const;

export interface ScopedIds {
  target: string;
  alert: string;
  recipient: string;
  webhook: string;
}

export class ScopeFixtures {
  private sequence = 0;

  constructor(private readonly db: Client) {}

  /** Agencies, a procedure offered online, and one day of figures on each side (received, none online). */
  async insertReferenceData(): Promise<void> {
    for (const [code, name, level, parent] of AGENCIES) {
      await this.db.query(
        `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES ($1, $2, $3, $4, '2025-01-01T00:00:00Z', 'fixture')`,
        [code, name, level, parent],
      );
    }
    await this.db.query(
      `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id)
       VALUES ($1, 'Đăng ký khai sinh', 'Hộ tịch', 'full', '2025-01-01T00:00:00Z', 'fixture')`,
      [PROCEDURE],
    );
    for (const agency of [IN_SCOPE, OUT_OF_SCOPE]) {
      await this.db.query(
        `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, completed_on_time)
         VALUES ($1, $2, $3, 40, 0, 30, 28)`,
        [DAY, agency, PROCEDURE],
      );
    }
    await fillRollUpsFromDays(this.db);
    await this.db.query(`INSERT INTO source_activity (source_uri, last_event_at) VALUES ('urn:dvc:motcua:hung-yen', now())`);
  }

  /** One of each resource about `agency`, fresh (the mutating probes use each once). */
  async resourcesOf(agency: string): Promise<ScopedIds> {
    return {
      target: await this.target(agency),
      alert: await this.alert(agency),
      recipient: await this.recipient(agency),
      webhook: await this.webhook(agency),
    };
  }

  /** An enabled agency × procedure rule of the agency, with the audit row of its creation. */
  async target(agency: string): Promise<string> {
    const procedure = `9.${String(++this.sequence).padStart(6, '0')}`;
    const rows: Array<{ id: string }> = await this.db.query(
      `WITH created AS (
         INSERT INTO targets (scope_kind, agency_code, procedure_code, metric, threshold, severity, created_by, updated_by)
         VALUES ('agencyProcedure', $1, $2, 'onlineRate', 0.3, 'warning', 'fixture', 'fixture') RETURNING *
       ), audited AS (
         INSERT INTO target_audit (target_id, action, actor, before, after)
         SELECT id, 'create', 'fixture', NULL,
                jsonb_build_object('id', id, 'scope', jsonb_build_object('kind', scope_kind, 'agencyCode', agency_code, 'procedureCode', procedure_code))
         FROM created
       )
       SELECT id FROM created`,
      [agency, procedure],
    ).then((result) => result.rows);
    return rows[0].id;
  }

  /** A firing zero-uptake alert about the agency (each in its own window, so several may be open). */
  async alert(agency: string): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      `INSERT INTO alerts (id, kind, agency_code, procedure_code, window_kind, metric, severity, status, last_evaluation, explanation)
       VALUES ($1, 'zeroUptake', $2, $3, $4, 'onlineRate', 'warning', 'firing', '{}', '{}')`,
      [id, agency, PROCEDURE, `rolling${++this.sequence}d`],
    );
    await this.db.query(`INSERT INTO alert_history (alert_id, from_status, to_status, actor, details) VALUES ($1, NULL, 'firing', 'alerting', '{}')`, [id]);
    return id;
  }

  async recipient(agency: string): Promise<string> {
    const rows = await this.db.query(`INSERT INTO alert_recipients (agency_code, email, name) VALUES ($1, $2, 'Cán bộ đầu mối') RETURNING id::text AS id`, [
      agency,
      `can.bo.${++this.sequence}@${agency === IN_SCOPE ? 'hungyen' : 'bacninh'}.gov.vn`,
    ]);
    return rows.rows[0].id;
  }

  async webhook(agency: string): Promise<string> {
    const rows = await this.db.query(
      `INSERT INTO webhook_endpoints (name, url, secret, agency_code) VALUES ($1, $2, $3, $4) RETURNING id`,
      [`hook ${++this.sequence}`, `https://hooks.example.org/${this.sequence}`, `fixture-secret-${randomUUID()}`, agency],
    );
    return rows.rows[0].id;
  }
}

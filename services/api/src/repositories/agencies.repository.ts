import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AgencyRecord {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
  childCount: number;
}

export interface AgencySelection {
  level: string | null;
  parentCode: string | null;
  /** Codes strictly after this one ("C" collation). */
  afterCode: string | null;
  limit: number;
  /** The caller's agency roots: only these agencies and their descendants. */
  scopeRoots: readonly string[];
}

const AGENCY_COLUMNS = `
  a.code, a.name, a.level, a.parent_code AS "parentCode",
  (SELECT count(*) FROM agencies c WHERE c.parent_code = a.code)::int AS "childCount"`;

@Injectable()
export class AgenciesRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(selection: AgencySelection): Promise<AgencyRecord[]> {
    return this.dataSource.query(
      `SELECT ${AGENCY_COLUMNS}
       FROM agencies a
       WHERE ($1::text IS NULL OR a.level = $1::text)
         AND ($2::text IS NULL OR a.parent_code = $2::text)
         AND ($3::text IS NULL OR a.code COLLATE "C" > $3::text)
         AND a.code IN (SELECT agency_subtree($5::text[]))
       ORDER BY a.code COLLATE "C"
       LIMIT $4::int`,
      [selection.level, selection.parentCode, selection.afterCode, selection.limit, selection.scopeRoots],
    );
  }

  /** The agency, when it is in the scope of `scopeRoots`; null when unknown or out of scope alike. */
  async findOne(code: string, scopeRoots: readonly string[]): Promise<AgencyRecord | null> {
    const rows: AgencyRecord[] = await this.dataSource.query(
      `SELECT ${AGENCY_COLUMNS} FROM agencies a WHERE a.code = $1 AND a.code IN (SELECT agency_subtree($2::text[]))`,
      [code, scopeRoots],
    );
    return rows[0] ?? null;
  }
}

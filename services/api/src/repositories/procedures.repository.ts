import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ProcedureRecord {
  code: string;
  name: string;
  sector: string;
  onlineLevel: string;
}

export interface ProcedureSelection {
  sector: string | null;
  onlineLevel: string | null;
  /** Codes strictly after this one ("C" collation). */
  afterCode: string | null;
  limit: number;
}

const PROCEDURE_COLUMNS = `p.code, p.name, p.sector, p.online_level AS "onlineLevel"`;

@Injectable()
export class ProceduresRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(selection: ProcedureSelection): Promise<ProcedureRecord[]> {
    return this.dataSource.query(
      `SELECT ${PROCEDURE_COLUMNS}
       FROM procedures p
       WHERE ($1::text IS NULL OR p.sector = $1::text)
         AND ($2::text IS NULL OR p.online_level = $2::text)
         AND ($3::text IS NULL OR p.code COLLATE "C" > $3::text)
       ORDER BY p.code COLLATE "C"
       LIMIT $4::int`,
      [selection.sector, selection.onlineLevel, selection.afterCode, selection.limit],
    );
  }

  async findOne(code: string): Promise<ProcedureRecord | null> {
    const rows: ProcedureRecord[] = await this.dataSource.query(`SELECT ${PROCEDURE_COLUMNS} FROM procedures p WHERE p.code = $1`, [code]);
    return rows[0] ?? null;
  }
}

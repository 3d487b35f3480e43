import type { ApplicantType, ProcedureRef } from '@dvc/contracts';
import type { HandlerKey } from '../agencies';
import { hashString, Random } from '../random';
import { BUSINESS_AND_SOCIAL_SECTORS } from './business-and-social.catalogue';
import { RowOptions, SectorTable } from './catalogue-table';
import { EDUCATION_AND_CULTURE_SECTORS } from './education-and-culture.catalogue';
import { JUSTICE_SECTORS } from './justice.catalogue';
import { LAND_AND_CONSTRUCTION_SECTORS } from './land-and-construction.catalogue';

export interface Procedure extends ProcedureRef {
  handlers: HandlerKey[];
  feeVnd: number;
  /** Legal processing time in working days; 0 means within the day. */
  days: number;
  /** Dossiers a year at one handling agency (a relative weight). */
  volume: number;
  /** Intended online share before agency factors; always 0 for `none`. */
  onlineShare: number;
  applicant: ApplicantType;
}

export const SECTOR_TABLES: readonly SectorTable[] = [
  ...JUSTICE_SECTORS,
  ...LAND_AND_CONSTRUCTION_SECTORS,
  ...BUSINESS_AND_SOCIAL_SECTORS,
  ...EDUCATION_AND_CULTURE_SECTORS,
];

/** The press reports' band for ordinary procedures offered online (the popular ones are set explicitly). */
export const DEFAULT_ONLINE_BAND = { full: [0.06, 0.3], partial: [0.04, 0.22] } as const;

/**
 * The procedure catalogue with deterministic codes and online shares. A drawn share depends only on
 * the seed and the procedure's name, so editing one row does not reshuffle the others.
 */
export function buildCatalogue(seed: number, tables: readonly SectorTable[] = SECTOR_TABLES): Procedure[] {
  const taken = new Set<string>();
  const fixed = new Set(tables.flatMap((t) => t.rows.map((row) => (typeof row === 'string' ? undefined : row[1].code))));
  const procedures: Procedure[] = [];
  for (const table of tables) {
    for (const row of table.rows) {
      const [name, own] = typeof row === 'string' ? [row, {} as RowOptions] : row;
      const options: RowOptions = { ...table.defaults, ...own };
      const onlineLevel = options.level ?? 'partial';
      const code = own.code ?? syntheticCode(name, taken, fixed);
      taken.add(code);
      procedures.push({
        code,
        name,
        sector: table.sector,
        onlineLevel,
        handlers: options.handlers ?? table.handlers,
        feeVnd: options.fee ?? 0,
        days: options.days ?? 5,
        volume: options.volume ?? 1,
        onlineShare: onlineLevel === 'none' ? 0 : (options.online ?? drawShare(seed, name, DEFAULT_ONLINE_BAND[onlineLevel])),
        applicant: options.applicant ?? table.applicant,
      });
    }
  }
  return procedures;
}

function drawShare(seed: number, name: string, [low, high]: readonly [number, number]): number {
  return new Random(hashString(name, seed)).between(low, high);
}

/** `1.00xxxx` / `2.00xxxx`, the shape of the national procedure database's codes. */
function syntheticCode(name: string, taken: Set<string>, fixed: Set<string | undefined>): string {
  const hash = hashString(name);
  const prefix = hash % 3 === 0 ? '2' : '1';
  let n = (hash >>> 2) % 14_000;
  let code: string;
  do {
    code = `${prefix}.${String(n).padStart(6, '0')}`;
    n = (n + 1) % 14_000;
  } while (taken.has(code) || fixed.has(code));
  return code;
}

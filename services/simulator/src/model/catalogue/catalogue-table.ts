import type { ApplicantType, OnlineLevel } from '@dvc/contracts';
import type { HandlerKey } from '../agencies';

/** Per-procedure overrides of its sector's defaults. */
export interface RowOptions {
  /** Online service level (Decree 42/2022): `full` toàn trình, `partial` một phần, `none`. */
  level?: OnlineLevel;
  /** Fee or charge in VND; 0 when free. */
  fee?: number;
  /** Legal processing time in working days; 0 means within the day. */
  days?: number;
  /** Dossiers a year at one handling agency: a relative weight. */
  volume?: number;
  handlers?: HandlerKey[];
  /**
   * Intended share of dossiers submitted online, before agency factors. When absent it is drawn in
   * the 5–30% band of the press reports; 0 marks a service offered online that nobody uses online.
   */
  online?: number;
  /** A fixed national code; others get a synthetic one in the national database's shape. */
  code?: string;
  applicant?: ApplicantType;
}

export type Row = string | [name: string, options: RowOptions];

export interface SectorTable {
  sector: string;
  handlers: HandlerKey[];
  applicant: ApplicantType;
  defaults: RowOptions;
  rows: Row[];
}

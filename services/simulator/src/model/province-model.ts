import { findProvince, loadProvinces, ProvinceUnit, provinceSlug, shortProvinceName } from './admin-units';
import { Agency, buildAgencies, HandlerKey } from './agencies';
import { buildCatalogue, Procedure } from './catalogue/procedure-catalogue';
import { Random, WeightedTable } from './random';

/** A procedure as one agency offers it: the unit the indicators are computed for. */
export interface Offering {
  procedure: Procedure;
  agency: Agency;
  /** Intended share of its dossiers submitted online; 0 for pairs whose online service nobody uses. */
  onlineShare: number;
  /** Relative number of dossiers a year. */
  weight: number;
}

export interface ProvinceModel {
  provinceCode: string;
  provinceName: string;
  /** CloudEvents `source` of the province's one-stop system, e.g. `urn:dvc:motcua:hung-yen`. */
  source: string;
  agencies: Agency[];
  procedures: Procedure[];
  offerings: Offering[];
  offeringTable: WeightedTable<Offering>;
  agenciesByHandler: ReadonlyMap<HandlerKey, Agency[]>;
  /** Dossier-weighted online share the offerings are built for. */
  expectedOnlineShare: number;
}

export interface ProvinceModelOptions {
  /** Statistics office code of the province; default "33" (Hưng Yên, 104 communes/wards). */
  provinceCode?: string;
  seed?: number;
  /** Share of online-offered procedure × agency pairs that receive no online dossier at all. */
  neverOnlineShare?: number;
  provinces?: ProvinceUnit[];
}

export const DEFAULT_PROVINCE_CODE = '33';
export const DEFAULT_NEVER_ONLINE_SHARE = 0.15;
const MAX_ONLINE_SHARE = 0.95;

export function buildProvinceModel(options: ProvinceModelOptions = {}): ProvinceModel {
  const seed = options.seed ?? 1;
  const unit = findProvince(options.provinceCode ?? DEFAULT_PROVINCE_CODE, options.provinces ?? loadProvinces());
  const random = new Random(seed).fork(`province:${unit.code}`);
  const agencies = buildAgencies(unit, random.fork('agencies'));
  const procedures = buildCatalogue(seed);
  const agenciesByHandler = groupByHandler(agencies);

  const pairs = random.fork('offerings');
  const neverOnline = options.neverOnlineShare ?? DEFAULT_NEVER_ONLINE_SHARE;
  const offerings: Offering[] = [];
  for (const procedure of procedures) {
    for (const handler of procedure.handlers) {
      for (const agency of agenciesByHandler.get(handler) ?? []) {
        // Drawn for every pair, so the sequence of draws does not depend on the procedure's level.
        const unused = pairs.chance(neverOnline);
        const share = unused ? 0 : Math.min(MAX_ONLINE_SHARE, procedure.onlineShare * agency.digitalFactor);
        offerings.push({ procedure, agency, onlineShare: share, weight: procedure.volume * agency.size });
      }
    }
  }
  const offeringTable = new WeightedTable(offerings, (o) => o.weight);
  const expectedOnlineShare = offerings.reduce((sum, o) => sum + o.weight * o.onlineShare, 0) / offeringTable.total;
  return {
    provinceCode: unit.code,
    provinceName: shortProvinceName(unit.name),
    source: `urn:dvc:motcua:${provinceSlug(unit.name)}`,
    agencies,
    procedures,
    offerings,
    offeringTable,
    agenciesByHandler,
    expectedOnlineShare,
  };
}

function groupByHandler(agencies: Agency[]): Map<HandlerKey, Agency[]> {
  const byHandler = new Map<HandlerKey, Agency[]>();
  for (const agency of agencies) {
    const list = byHandler.get(agency.handler) ?? [];
    list.push(agency);
    byHandler.set(agency.handler, list);
  }
  return byHandler;
}

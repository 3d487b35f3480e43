import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface WardUnit {
  /** The General Statistics Office's 5-digit code of the ward, commune or special zone. */
  code: string;
  name: string;
}

export interface ProvinceUnit {
  /** The General Statistics Office's 2-digit province code, e.g. "33" for Hưng Yên. */
  code: string;
  name: string;
  wards: WardUnit[];
}

interface AdminUnitsFile {
  source: string;
  provinces: ProvinceUnit[];
}

const FILE_NAME = 'vn-admin-units-2025.json';

/**
 * The data file is not compiled, so it is looked for upwards from this module and then from the
 * working directory: found in `services/simulator/data` from `src/` (jest) as from `dist/`.
 */
export function locateAdminUnitsFile(starts = [__dirname, process.cwd()]): string {
  for (const start of starts) {
    let dir = start;
    for (let depth = 0; depth < 8; depth++) {
      for (const candidate of [join(dir, 'data', FILE_NAME), join(dir, 'services', 'simulator', 'data', FILE_NAME)]) {
        if (existsSync(candidate)) return candidate;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`${FILE_NAME} not found above ${starts.join(' or ')}; it belongs in services/simulator/data/`);
}

let cached: AdminUnitsFile | undefined;

export function loadProvinces(file?: string): ProvinceUnit[] {
  if (file !== undefined) return (JSON.parse(readFileSync(file, 'utf8')) as AdminUnitsFile).provinces;
  cached ??= JSON.parse(readFileSync(locateAdminUnitsFile(), 'utf8')) as AdminUnitsFile;
  return cached.provinces;
}

export function findProvince(code: string, provinces = loadProvinces()): ProvinceUnit {
  const province = provinces.find((p) => p.code === code);
  if (province === undefined) {
    const known = provinces.map((p) => `${p.code} ${p.name}`).join(', ');
    throw new Error(`No province with code "${code}"; known: ${known}`);
  }
  return province;
}

/** "Tỉnh Hưng Yên" → "Hưng Yên": the name without its administrative kind. */
export function shortProvinceName(name: string): string {
  return name.replace(/^(Tỉnh|Thành phố)\s+/u, '');
}

/** "Tỉnh Hưng Yên" → "hung-yen", for URNs such as `urn:dvc:motcua:hung-yen`. */
export function provinceSlug(name: string): string {
  return shortProvinceName(name)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

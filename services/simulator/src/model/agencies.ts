import type { AgencyRef } from '@dvc/contracts';
import { ProvinceUnit, shortProvinceName } from './admin-units';
import { Random } from './random';

/** Who handles a procedure: the province's People's Committee, its service centre, any commune, or one department. */
export type HandlerKey = 'province' | 'centre' | 'commune' | DepartmentKey;

export const DEPARTMENTS = {
  VP: 'Văn phòng UBND',
  NV: 'Sở Nội vụ',
  TP: 'Sở Tư pháp',
  TC: 'Sở Tài chính',
  CT: 'Sở Công Thương',
  NNMT: 'Sở Nông nghiệp và Môi trường',
  XD: 'Sở Xây dựng',
  KHCN: 'Sở Khoa học và Công nghệ',
  GDDT: 'Sở Giáo dục và Đào tạo',
  YT: 'Sở Y tế',
  VHTTDL: 'Sở Văn hóa, Thể thao và Du lịch',
  DTTG: 'Sở Dân tộc và Tôn giáo',
  TT: 'Thanh tra',
  KCN: 'Ban Quản lý các khu công nghiệp',
  CA: 'Công an',
} as const;
export type DepartmentKey = keyof typeof DEPARTMENTS;

export interface Agency extends AgencyRef {
  handler: HandlerKey;
  /** Relative dossier volume of this agency for the same procedure (urban wards receive more). */
  size: number;
  /** Multiplies the procedure's online share: some agencies push online submission harder. */
  digitalFactor: number;
  /** Share of its dossiers completed after the due date. */
  lateShare: number;
}

/**
 * The identifier suffix of a province in agency codes (`000.00.00.H31`). Only Hưng Yên's is taken
 * from the contract's example; others fall back to `H` + the statistics office's province code.
 */
const PROVINCE_SUFFIX: Record<string, string> = { '33': 'H31' };

export function provinceSuffix(provinceCode: string): string {
  return PROVINCE_SUFFIX[provinceCode] ?? `H${provinceCode}`;
}

/**
 * Agencies after the 2025 reform: the provincial People's Committee at the root; departments, the
 * public-administration service centre and every commune/ward directly under it (districts are gone).
 * Codes follow the `XXX.YY.ZZ.Hnn` shape: departments `000.00.NN`, the centre `000.00.90`, and each
 * commune its 5-digit statistics office code split as `ddd.dd.00`, so it stays traceable to the data.
 */
export function buildAgencies(province: ProvinceUnit, random: Random): Agency[] {
  const suffix = provinceSuffix(province.code);
  const kind = province.name.startsWith('Thành phố') ? 'thành phố' : 'tỉnh';
  const place = `${kind} ${shortProvinceName(province.name)}`;
  const root: Agency = {
    code: `000.00.00.${suffix}`,
    name: `UBND ${place}`,
    level: 'province',
    parentCode: null,
    handler: 'province',
    size: 1,
    digitalFactor: 1,
    lateShare: 0.03,
  };
  const underRoot = (fields: Pick<Agency, 'code' | 'name' | 'level' | 'handler'>, urban = false): Agency => ({
    ...fields,
    parentCode: root.code,
    size: random.logNormal(0.5) * (urban ? 1.6 : 1),
    digitalFactor: clamp(random.logNormal(0.35) * (urban ? 1.25 : 1), 0.4, 2.2),
    lateShare: clamp(0.03 * random.logNormal(0.7), 0.003, 0.25),
  });

  const departments = (Object.keys(DEPARTMENTS) as DepartmentKey[]).map((key, i) =>
    underRoot({
      code: `000.00.${String(i + 1).padStart(2, '0')}.${suffix}`,
      name: `${DEPARTMENTS[key]} ${place}`,
      level: 'department',
      handler: key,
    }),
  );
  const centre = underRoot({
    code: `000.00.90.${suffix}`,
    name: `Trung tâm Phục vụ hành chính công ${place}`,
    level: 'other',
    handler: 'centre',
  });
  const communes = province.wards.map((ward) =>
    underRoot(
      {
        code: `${ward.code.slice(0, 3)}.${ward.code.slice(3)}.00.${suffix}`,
        name: `UBND ${ward.name.charAt(0).toLowerCase()}${ward.name.slice(1)}`,
        level: 'commune',
        handler: 'commune',
      },
      ward.name.startsWith('Phường'),
    ),
  );
  return [root, ...departments, centre, ...communes];
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

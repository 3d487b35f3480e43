import { loadProvinces, provinceSlug } from './admin-units';
import { buildProvinceModel, DEFAULT_PROVINCE_CODE } from './province-model';

describe(buildProvinceModel.name, () => {
  const model = buildProvinceModel({ seed: 1 });

  it('plays Hưng Yên by default, as urn:dvc:motcua:hung-yen', () => {
    expect(DEFAULT_PROVINCE_CODE).toBe('33');
    expect(model.provinceName).toBe('Hưng Yên');
    expect(model.source).toBe('urn:dvc:motcua:hung-yen');
  });

  it('has agencies at every level after the 2025 reform: province, departments, communes, a service centre', () => {
    const byLevel = (level: string) => model.agencies.filter((a) => a.level === level);
    expect(byLevel('province')).toHaveLength(1);
    expect(byLevel('department').length).toBeGreaterThanOrEqual(15);
    expect(byLevel('commune')).toHaveLength(104);
    expect(byLevel('other').map((a) => a.name)).toEqual(['Trung tâm Phục vụ hành chính công tỉnh Hưng Yên']);
    expect(byLevel('district')).toHaveLength(0);
    expect(model.agencies[0]).toMatchObject({ code: '000.00.00.H31', name: 'UBND tỉnh Hưng Yên', parentCode: null });
  });

  it('builds a consistent hierarchy in every province: unique codes, every parentCode exists', () => {
    for (const province of loadProvinces()) {
      const { agencies } = buildProvinceModel({ seed: 3, provinceCode: province.code });
      const codes = new Set(agencies.map((a) => a.code));
      expect(codes.size).toBe(agencies.length);
      expect(agencies.filter((a) => a.parentCode === null)).toHaveLength(1);
      for (const agency of agencies) {
        if (agency.parentCode !== null) expect(codes.has(agency.parentCode)).toBe(true);
        expect(agency.code).toMatch(/^\d{3}\.\d{2}\.\d{2}\.H\d{2}$/);
      }
      expect(agencies.filter((a) => a.level === 'commune')).toHaveLength(province.wards.length);
    }
  });

  it('has a catalogue of 150–300 procedures with unique national-style codes and real sectors', () => {
    expect(model.procedures.length).toBeGreaterThanOrEqual(150);
    expect(model.procedures.length).toBeLessThanOrEqual(300);
    const codes = model.procedures.map((p) => p.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[12]\.\d{6}$/);
    expect(model.procedures.find((p) => p.code === '1.001612')).toMatchObject({ name: 'Đăng ký khai sinh', sector: 'Hộ tịch' });
    const sectors = new Set(model.procedures.map((p) => p.sector));
    for (const sector of ['Hộ tịch', 'Chứng thực', 'Đất đai', 'Xây dựng', 'Thành lập và hoạt động doanh nghiệp', 'Đường bộ', 'Bảo trợ xã hội']) {
      expect(sectors).toContain(sector);
    }
    for (const level of ['full', 'partial', 'none']) expect(model.procedures.some((p) => p.onlineLevel === level)).toBe(true);
    expect(model.procedures.some((p) => p.feeVnd > 0) && model.procedures.some((p) => p.feeVnd === 0)).toBe(true);
  });

  it('offers every procedure at an agency of each level that handles it', () => {
    for (const procedure of model.procedures) {
      expect(model.offerings.some((o) => o.procedure === procedure)).toBe(true);
    }
  });

  it('sets online shares like the reports: mostly 5–30%, some popular ones higher, some online services unused', () => {
    const offered = model.offerings.filter((o) => o.procedure.onlineLevel !== 'none');
    const unused = offered.filter((o) => o.onlineShare === 0).length / offered.length;
    expect(unused).toBeGreaterThan(0.1);
    expect(unused).toBeLessThan(0.2);
    const used = offered.filter((o) => o.onlineShare > 0).map((o) => o.onlineShare);
    const inBand = used.filter((share) => share >= 0.02 && share <= 0.45).length / used.length;
    expect(inBand).toBeGreaterThan(0.8);
    const businessRegistration = model.offerings.filter((o) => o.procedure.sector === 'Thành lập và hoạt động doanh nghiệp' && o.onlineShare > 0);
    expect(Math.min(...businessRegistration.map((o) => o.onlineShare))).toBeGreaterThan(0.4);
    expect(model.offerings.filter((o) => o.procedure.onlineLevel === 'none').every((o) => o.onlineShare === 0)).toBe(true);
    expect(model.expectedOnlineShare).toBeGreaterThan(0.08);
    expect(model.expectedOnlineShare).toBeLessThan(0.25);
  });

  it('is deterministic from the seed', () => {
    const shares = (seed: number) => buildProvinceModel({ seed }).offerings.map((o) => `${o.agency.code}|${o.procedure.code}|${o.onlineShare}|${o.weight}`);
    expect(shares(9)).toEqual(shares(9));
    expect(shares(9)).not.toEqual(shares(10));
  });

  it('refuses an unknown province code, naming the known ones', () => {
    expect(() => buildProvinceModel({ provinceCode: '99' })).toThrow(/33 Tỉnh Hưng Yên/);
  });
});

describe(provinceSlug.name, () => {
  it('strips the kind and the diacritics', () => {
    expect(provinceSlug('Tỉnh Hưng Yên')).toBe('hung-yen');
    expect(provinceSlug('Thành phố Đà Nẵng')).toBe('da-nang');
    expect(provinceSlug('Thành phố Hồ Chí Minh')).toBe('ho-chi-minh');
  });
});

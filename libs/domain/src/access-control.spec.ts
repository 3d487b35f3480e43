import { agencyScopeFromClaim, grants, isRole, PERMISSION_NAMES, PERMISSIONS, ROLES, rolesFromClaim } from './access-control';

describe('permissions', () => {
  it('give every permission to at least one role, and only to known roles', () => {
    for (const permission of PERMISSION_NAMES) {
      expect(PERMISSIONS[permission].length).toBeGreaterThan(0);
      for (const role of PERMISSIONS[permission]) expect(ROLES).toContain(role);
    }
  });

  it('keep changes away from viewers and agency data away from integrators', () => {
    expect(grants(['viewer'], 'rates:read')).toBe(true);
    expect(grants(['viewer'], 'reports:export')).toBe(true);
    for (const change of ['targets:write', 'targets:write-shared', 'alerts:acknowledge', 'recipients:manage', 'webhooks:manage', 'sources:manage'] as const) {
      expect(grants(['viewer'], change)).toBe(false);
    }
    expect(grants(['integrator'], 'rates:read')).toBe(false);
    expect(grants(['integrator'], 'alerts:read')).toBe(false);
    expect(grants(['integrator'], 'recipients:manage')).toBe(false);
    expect(grants(['integrator'], 'webhooks:manage')).toBe(true);
    expect(grants(['integrator'], 'sources:manage')).toBe(true);
  });

  it('let only province operators change shared target rules', () => {
    expect(ROLES.filter((role) => grants([role], 'targets:write-shared'))).toEqual(['province-operator']);
    expect(grants(['agency-admin'], 'targets:write')).toBe(true);
  });

  it('grant nothing without a role, and the union of several roles', () => {
    for (const permission of PERMISSION_NAMES) expect(grants([], permission)).toBe(false);
    expect(grants(['viewer', 'integrator'], 'sources:manage')).toBe(true);
    expect(grants(['viewer', 'integrator'], 'rates:read')).toBe(true);
  });
});

describe(rolesFromClaim.name, () => {
  it('keeps the known roles of a string or an array and ignores the rest', () => {
    expect(rolesFromClaim(['viewer', 'offline_access', 'uma_authorization'])).toEqual(['viewer']);
    expect(rolesFromClaim('agency-admin')).toEqual(['agency-admin']);
    expect(rolesFromClaim(undefined)).toEqual([]);
    expect(rolesFromClaim({ viewer: true })).toEqual([]);
    expect(rolesFromClaim(['VIEWER', ' viewer'])).toEqual([]);
  });

  it('recognises roles exactly', () => {
    expect(isRole('province-operator')).toBe(true);
    expect(isRole('province-operator ')).toBe(false);
    expect(isRole(1)).toBe(false);
  });
});

describe(agencyScopeFromClaim.name, () => {
  it('takes one code or a list, sorted and without repeats', () => {
    expect(agencyScopeFromClaim('000.00.03.H31')).toEqual({ ok: true, scope: { agencyRoots: ['000.00.03.H31'] } });
    expect(agencyScopeFromClaim(['119.53.00.H31', '000.00.03.H31', '119.53.00.H31'])).toEqual({
      ok: true,
      scope: { agencyRoots: ['000.00.03.H31', '119.53.00.H31'] },
    });
  });

  it('gives an empty scope, not everything, when the claim is absent', () => {
    expect(agencyScopeFromClaim(undefined)).toEqual({ ok: true, scope: { agencyRoots: [] } });
    expect(agencyScopeFromClaim(null)).toEqual({ ok: true, scope: { agencyRoots: [] } });
    expect(agencyScopeFromClaim([])).toEqual({ ok: true, scope: { agencyRoots: [] } });
  });

  it('refuses the whole claim when any value is not a code', () => {
    for (const claim of [[''], [' '], ['000.00.03.H31', 7], [{}], ['a b'], ['x'.repeat(65)], 42, true, ['line\nbreak']]) {
      expect(agencyScopeFromClaim(claim)).toMatchObject({ ok: false });
    }
    expect(agencyScopeFromClaim(Array.from({ length: 101 }, (_, i) => `A${i}`))).toEqual({ ok: false, reason: 'more than 100 agencies' });
  });
});

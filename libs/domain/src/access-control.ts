/**
 * Who may do what: the roles a token can carry, the permissions each role grants, and the agency scope a
 * caller's reads and changes are filtered by. Pure data and functions: the API's guard and repositories
 * apply them, `docs/security.md` tabulates them, and the authorization-matrix test walks them.
 */

export const ROLES = ['province-operator', 'agency-admin', 'viewer', 'integrator'] as const;
export type Role = (typeof ROLES)[number];

/** Vietnamese first: what the console and the docs call each role. */
export const ROLE_TITLES: Record<Role, string> = {
  'province-operator': 'Vận hành cấp tỉnh (province operator)',
  'agency-admin': 'Quản trị cơ quan (agency administrator)',
  viewer: 'Xem và kiểm tra (viewer / inspector)',
  integrator: 'Tích hợp hệ thống (integrator)',
};

/**
 * Each permission and the roles that hold it. A handler names exactly one; a caller holding none of its
 * roles gets a 403. What a permission reaches is then narrowed by the caller's agency scope.
 */
export const PERMISSIONS = {
  /** Procedures catalogue: public reference data, no agency figures. */
  'catalogue:read': ['province-operator', 'agency-admin', 'viewer', 'integrator'],
  /** Rates, agencies, zero-uptake listings within the scope. */
  'rates:read': ['province-operator', 'agency-admin', 'viewer'],
  /** Indicator exports (CSV, XLSX, PDF) within the scope. */
  'reports:export': ['province-operator', 'agency-admin', 'viewer'],
  /** Target rules that apply to the scope (shared rules included), effective targets, audit trail. */
  'targets:read': ['province-operator', 'agency-admin', 'viewer'],
  /** Create, change, delete target rules of agencies in the scope. */
  'targets:write': ['province-operator', 'agency-admin'],
  /** Create, change, delete shared rules: every agency, an agency level, an online level, a procedure everywhere. */
  'targets:write-shared': ['province-operator'],
  /** Alerts about agencies in the scope. */
  'alerts:read': ['province-operator', 'agency-admin', 'viewer'],
  'alerts:acknowledge': ['province-operator', 'agency-admin'],
  /** Alerts and activity about the pipeline itself (silent one-stop systems): no agency of their own. */
  'operations:read': ['province-operator', 'integrator'],
  /** Alert recipients (e-mail addresses: personal data) of agencies in the scope. */
  'recipients:manage': ['province-operator', 'agency-admin'],
  /** Webhook endpoints for alerts of the scope, and those for every alert. */
  'webhooks:manage': ['province-operator', 'integrator'],
  /** Ingest sources: HTTP keys, Kafka sources and the agencies each may report. */
  'sources:manage': ['province-operator', 'integrator'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function grants(roles: readonly Role[], permission: Permission): boolean {
  const holders: readonly Role[] = PERMISSIONS[permission];
  return roles.some((role) => holders.includes(role));
}

/** Agency codes are compared exactly, like everywhere in the contract; at most this many per caller. */
export const MAX_SCOPE_AGENCIES = 100;
const AGENCY_CODE = /^[^\s\u0000-\u001f\u007f]{1,64}$/;

/**
 * The caller's agency scope: the roots of the agency subtrees it may see and act on (each root with all
 * its descendants in the agency hierarchy). Empty: nothing agency-bound at all.
 */
export interface AgencyScope {
  readonly agencyRoots: readonly string[];
}

/**
 * The scope a token claims, from its agency claim: a string or an array of strings, each an agency code.
 * Anything else (a number, an object, an over-long or blank code) makes the whole claim invalid rather than
 * silently narrowing or widening it.
 */
export function agencyScopeFromClaim(claim: unknown): { ok: true; scope: AgencyScope } | { ok: false; reason: string } {
  if (claim === undefined || claim === null) return { ok: true, scope: { agencyRoots: [] } };
  const values = Array.isArray(claim) ? claim : [claim];
  if (values.length > MAX_SCOPE_AGENCIES) return { ok: false, reason: `more than ${MAX_SCOPE_AGENCIES} agencies` };
  const roots = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || !AGENCY_CODE.test(value)) return { ok: false, reason: 'every agency must be a code of 1-64 printable characters' };
    roots.add(value);
  }
  return { ok: true, scope: { agencyRoots: [...roots].sort() } };
}

/** The known roles among a claim's values (a string or an array); unknown roles are ignored, not an error. */
export function rolesFromClaim(claim: unknown): Role[] {
  const values = Array.isArray(claim) ? claim : claim === undefined || claim === null ? [] : [claim];
  return ROLES.filter((role) => values.includes(role));
}

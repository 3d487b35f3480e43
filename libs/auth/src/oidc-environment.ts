import { z } from 'zod';
import { EDGE_ACCESS_MODES } from '@dvc/config';
import { ROLES, Role } from '@dvc/domain';

/** Asymmetric signatures only: `none` and the HMAC family (HS*) can never be configured. */
const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

/**
 * How the services recognise the province's OpenID Connect provider (Keycloak locally, any standards-compliant
 * provider by configuration): who issues the tokens, for which audience, where its signing keys are, and
 * which claims carry the caller's roles and agencies.
 */
export const oidcEnvironment = z.object({
  /** The `iss` every token must carry, exactly; its discovery document names the signing keys unless OIDC_JWKS_URL does. */
  OIDC_ISSUER_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:18080/realms/dvc'),
  /** Where the signing keys are fetched from, when that is not the issuer's own address (a container network). */
  OIDC_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The `aud` value a token must contain: tokens issued for another client are refused. */
  OIDC_AUDIENCE: z.string().min(1).default('dvc-api'),
  /** Claim (a dot path into the token, e.g. `realm_access.roles`) holding the caller's roles. */
  OIDC_ROLES_CLAIM: z.string().min(1).default('dvc_roles'),
  /** Claim (dot path) holding the agency codes whose subtrees the caller may see. */
  OIDC_AGENCIES_CLAIM: z.string().min(1).default('dvc_agencies'),
  /**
   * The provider's names for our roles, when they differ: `province-operator=ubnd-operator,viewer=thanh-tra`.
   * A role left out keeps its own name.
   */
  OIDC_ROLE_NAMES: z
    .string()
    .default('')
    .transform((value, context) => {
      const names = new Map<string, Role>();
      for (const pair of value.split(',').map((item) => item.trim()).filter(Boolean)) {
        const [role, providerName] = pair.split('=').map((part) => part?.trim());
        if (!(ROLES as readonly string[]).includes(role) || !providerName) {
          context.addIssue({ code: 'custom', message: `"${pair}": write ROLE=PROVIDER_NAME with ROLE one of ${ROLES.join(', ')}` });
          return z.NEVER;
        }
        names.set(providerName, role as Role);
      }
      return names;
    }),
  OIDC_ALGORITHMS: commaList('RS256,PS256,ES256').refine(
    (algorithms) => algorithms.length > 0 && algorithms.every((algorithm) => (ALLOWED_ALGORITHMS as readonly string[]).includes(algorithm)),
    `must be a comma list of ${ALLOWED_ALGORITHMS.join(', ')} (none and HS* are never accepted)`,
  ),
  /** Leeway for clock differences when checking `exp` and `nbf`. */
  OIDC_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** Signing keys are fetched again after this long, and at once (see the cooldown) when a token names an unknown key. */
  OIDC_JWKS_CACHE_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  /** Least time between two fetches of the keys, so tokens naming made-up keys cannot make us hammer the provider. */
  OIDC_JWKS_COOLDOWN_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
  OIDC_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
});

export type OidcEnvironment = z.infer<typeof oidcEnvironment>;

/** Who may read `/docs` (the modes of METRICS_ACCESS, in libs/config). */
export const docsAccessEnvironment = z.object({
  DOCS_ACCESS: z.enum(EDGE_ACCESS_MODES).default('loopback'),
});

import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, JWTPayload, JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { agencyScopeFromClaim, isRole, Role, rolesFromClaim } from '@dvc/domain';
import type { OidcEnvironment } from './oidc-environment';
import type { Principal } from './principal';

/** The token was looked at and refused: a 401 for the caller, with the reason. */
export class TokenRejectedError extends Error {}

/** The token could not be checked (the provider's keys are out of reach): a 503, not the caller's fault. */
export class IdentityProviderUnavailableError extends Error {}

/** Payload `typ` values of access tokens; ID and refresh tokens (Keycloak: `ID`, `Refresh`) are refused. */
const ACCESS_TOKEN_TYPES = new Set(['bearer', 'at+jwt', 'application/at+jwt']);

/** How long a verified token's principal is remembered at most (never past the token's own expiry). */
const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * Verifies OIDC access tokens with `jose`: signature against the issuer's JWKS (cached; a token signed with a
 * key not seen before makes it fetch the set again, so key rotation needs nothing here), then issuer,
 * audience, expiry and not-before, with only the configured asymmetric algorithms — `alg: none` and HS*
 * tokens never reach a key. Returns the principal the token describes.
 *
 * A token that passed is remembered (by its exact text) for at most a minute and never past its `exp`: a client
 * sends the same token with every request, and the RSA verification was the largest single cost of a cached read
 * (measured, BENCHMARKS.md). A key withdrawn from the JWKS therefore stops its tokens within that minute, not at once.
 */
export class OidcTokenVerifier {
  private readonly logger = new Logger(OidcTokenVerifier.name);
  private keys: Promise<JWTVerifyGetKey> | null = null;
  private readonly verified = new LRUCache<string, Principal>({ max: 10_000, ttl: VERIFIED_TOKEN_TTL_MS });

  constructor(private readonly config: OidcEnvironment) {}

  async verify(token: string): Promise<Principal> {
    const remembered = this.verified.get(token);
    if (remembered) return remembered;
    const keys = await this.signingKeys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.config.OIDC_ISSUER_URL,
        audience: this.config.OIDC_AUDIENCE,
        algorithms: this.config.OIDC_ALGORITHMS,
        clockTolerance: this.config.OIDC_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      throw this.classify(error);
    }
    const principal = this.principalOf(payload);
    const untilExpiry = payload.exp! * 1000 - Date.now();
    if (untilExpiry > 0) this.verified.set(token, principal, { ttl: Math.min(VERIFIED_TOKEN_TTL_MS, untilExpiry) });
    return principal;
  }

  private principalOf(payload: JWTPayload): Principal {
    const type = payload.typ;
    if (type !== undefined && !(typeof type === 'string' && ACCESS_TOKEN_TYPES.has(type.toLowerCase()))) {
      throw new TokenRejectedError(`not an access token (typ ${JSON.stringify(type)})`);
    }
    const scope = agencyScopeFromClaim(claimAt(payload, this.config.OIDC_AGENCIES_CLAIM));
    if (!scope.ok) throw new TokenRejectedError(`claim ${this.config.OIDC_AGENCIES_CLAIM}: ${scope.reason}`);
    const name = [payload.name, payload.preferred_username, payload.azp, payload.client_id, payload.sub].find(
      (value): value is string => typeof value === 'string' && value.trim() !== '',
    );
    return { subject: payload.sub!, name: name!.trim().slice(0, 256), roles: this.rolesOf(payload), scope: scope.scope };
  }

  private rolesOf(payload: JWTPayload): Role[] {
    const claim = claimAt(payload, this.config.OIDC_ROLES_CLAIM);
    const names = this.config.OIDC_ROLE_NAMES;
    if (names.size === 0) return rolesFromClaim(claim);
    const values = Array.isArray(claim) ? claim : [claim];
    return rolesFromClaim(values.map((value) => (typeof value === 'string' ? (names.get(value) ?? (isRole(value) ? value : undefined)) : undefined)));
  }

  private classify(error: unknown): Error {
    if (error instanceof errors.JWKSTimeout) return new IdentityProviderUnavailableError('the identity provider did not answer in time');
    if (error instanceof errors.JWKSInvalid) return new IdentityProviderUnavailableError('the identity provider sent an invalid key set');
    if (error instanceof errors.JWTExpired) return new TokenRejectedError('the token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) return new TokenRejectedError(`claim ${error.claim}: ${error.reason}`);
    if (error instanceof errors.JOSEAlgNotAllowed) return new TokenRejectedError('the token is not signed with an accepted algorithm');
    if (error instanceof errors.JWKSNoMatchingKey) return new TokenRejectedError('the token is not signed by a key of the issuer');
    if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRejectedError('the token signature is not valid');
    if (error instanceof errors.JOSEError) return new TokenRejectedError('the token is malformed');
    // Anything else is the key fetch failing (connection refused, a bad JWKS document).
    this.logger.warn({ error: String(error) }, 'could not fetch the identity provider signing keys');
    return new IdentityProviderUnavailableError('the identity provider could not be reached to check the token');
  }

  private async signingKeys(): Promise<JWTVerifyGetKey> {
    if (!this.keys) {
      const pending = this.resolveJwksUrl().then((url) =>
        createRemoteJWKSet(url, {
          timeoutDuration: this.config.OIDC_HTTP_TIMEOUT_MS,
          cooldownDuration: this.config.OIDC_JWKS_COOLDOWN_SECONDS * 1000,
          cacheMaxAge: this.config.OIDC_JWKS_CACHE_SECONDS * 1000,
        }),
      );
      // A failed discovery is tried again by the next request, not remembered.
      pending.catch(() => {
        if (this.keys === pending) this.keys = null;
      });
      this.keys = pending;
    }
    try {
      return await this.keys;
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'could not read the identity provider discovery document');
      throw new IdentityProviderUnavailableError('the identity provider could not be reached to check the token');
    }
  }

  /** OIDC_JWKS_URL, or the `jwks_uri` of the issuer's discovery document (whose `issuer` must be ours). */
  private async resolveJwksUrl(): Promise<URL> {
    if (this.config.OIDC_JWKS_URL) return new URL(this.config.OIDC_JWKS_URL);
    const issuer = this.config.OIDC_ISSUER_URL;
    const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(this.config.OIDC_HTTP_TIMEOUT_MS),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`discovery document: HTTP ${response.status}`);
    const discovery = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (discovery.issuer !== issuer) throw new Error(`discovery document names issuer ${JSON.stringify(discovery.issuer)}, not ${issuer}`);
    if (typeof discovery.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
    return new URL(discovery.jwks_uri);
  }
}

/** The value at a dot path of the payload (`realm_access.roles`), or undefined. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

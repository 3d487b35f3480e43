import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import * as oidc from 'openid-client';
import type { ConsoleEnvironment } from '../config/console-environment';
import type { PendingSignIn } from './session';

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  accessTokenExpiresAt: number;
}

/**
 * The console as an OpenID Connect client (`openid-client`): authorization code with PKCE (S256), state and
 * nonce; the code exchanged on the server; refresh and RP-initiated logout. The provider's metadata comes from
 * its discovery document, fetched on first use and kept.
 */
@Injectable()
export class OidcClientService {
  private readonly logger = new Logger(OidcClientService.name);
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(private readonly config: ConfigService<ConsoleEnvironment, true>) {}

  get redirectUri(): string {
    return `${this.config.get('CONSOLE_PUBLIC_URL', { infer: true })}/auth/callback`;
  }

  /** Starts a sign-in: where to send the browser, and what the callback must find in the session. */
  async beginSignIn(returnTo: string, language: string): Promise<{ url: string; pending: PendingSignIn }> {
    const configuration = await this.discovered();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier, returnTo, startedAt: Date.now() };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ui_locales: language,
    });
    return { url: url.href, pending };
  }

  /** The callback: checks state, exchanges the code with the verifier, checks the ID token and its nonce. */
  async completeSignIn(callbackUrl: URL, pending: PendingSignIn): Promise<TokenSet> {
    const tokens = await oidc.authorizationCodeGrant(await this.discovered(), callbackUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    return this.tokenSet(tokens, null);
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    const tokens = await oidc.refreshTokenGrant(await this.discovered(), refreshToken);
    return this.tokenSet(tokens, refreshToken);
  }

  /** The provider's end-session address, so signing out of the console also ends the provider's session. */
  async endSessionUrl(idToken: string | null): Promise<string | null> {
    try {
      const configuration = await this.discovered();
      const parameters: Record<string, string> = {
        post_logout_redirect_uri: `${this.config.get('CONSOLE_PUBLIC_URL', { infer: true })}/signed-out`,
        client_id: this.config.get('OIDC_CLIENT_ID', { infer: true }),
      };
      if (idToken) parameters.id_token_hint = idToken;
      return oidc.buildEndSessionUrl(configuration, parameters).href;
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'no end-session address: the provider session stays open');
      return null;
    }
  }

  private tokenSet(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, previousRefreshToken: string | null): TokenSet {
    const expiresIn = tokens.expiresIn() ?? 60;
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? previousRefreshToken,
      idToken: tokens.id_token ?? null,
      accessTokenExpiresAt: Date.now() + expiresIn * 1000,
    };
  }

  private discovered(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.config.get('OIDC_ISSUER_URL', { infer: true }));
      const internal = this.config.get('OIDC_INTERNAL_URL', { infer: true });
      // Over the container network the console talks to the provider at its internal address; the issuer it
      // names (and the browser's address) stays the public one.
      const rebasedFetch = internal
        ? (url: string, options: oidc.CustomFetchOptions) => fetch(rebase(url, issuer.origin, internal), options as RequestInit)
        : undefined;
      const pending = oidc
        .discovery(issuer, this.config.get('OIDC_CLIENT_ID', { infer: true }), undefined, oidc.None(), {
          execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
          timeout: Math.ceil(this.config.get('OIDC_HTTP_TIMEOUT_MS', { infer: true }) / 1000),
          ...(rebasedFetch ? { [oidc.customFetch]: rebasedFetch } : {}),
        })
        .then((configuration) => {
          if (rebasedFetch) configuration[oidc.customFetch] = rebasedFetch;
          return configuration;
        });
      // A failed discovery is tried again by the next sign-in, not remembered.
      pending.catch(() => {
        if (this.configuration === pending) this.configuration = null;
      });
      this.configuration = pending;
    }
    return this.configuration;
  }
}

/** `url` with the issuer's origin replaced by the internal one (other URLs unchanged). */
export function rebase(url: string, publicOrigin: string, internalOrigin: string): string {
  return url.startsWith(`${publicOrigin}/`) ? `${internalOrigin}${url.slice(publicOrigin.length)}` : url;
}

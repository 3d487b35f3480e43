import { randomBytes } from 'node:crypto';
import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Response } from 'express';
import { OidcTokenVerifier } from '@dvc/auth';
import type { ConsoleEnvironment } from '../config/console-environment';
import { isLanguage } from '../i18n/messages';
import { ViewRenderer } from '../rendering/view-renderer';
import { LANGUAGE_COOKIE, languageOf, pageContextOf, type ConsoleRequest } from '../web/page-context';
import { PublicPage } from './console-auth.guard';
import { PageError } from '../web/page-errors';
import { OidcClientService } from './oidc-client.service';
import { safeReturnPath } from './session';

/** A sign-in not completed within this time is dropped (the provider's login page has its own limits). */
const SIGN_IN_TIMEOUT_MS = 10 * 60_000;

/** Sign-in (authorization code + PKCE), sign-out (here and at the provider), the language switch. */
@Controller()
export class SessionController {
  constructor(
    private readonly oidc: OidcClientService,
    private readonly verifier: OidcTokenVerifier,
    private readonly views: ViewRenderer,
    private readonly config: ConfigService<ConsoleEnvironment, true>,
  ) {}

  @Get('login')
  @PublicPage()
  async login(@Req() request: ConsoleRequest, @Res() response: Response, @Query('returnTo') returnTo?: string): Promise<void> {
    const { url, pending } = await this.oidc.beginSignIn(safeReturnPath(returnTo), languageOf(request)).catch((error: unknown) => {
      throw new PageError(503, 'error.503', `identity provider: ${(error as Error).message}`);
    });
    request.session.signIn = pending;
    await saved(request);
    response.redirect(303, url);
  }

  @Get('auth/callback')
  @PublicPage()
  async callback(@Req() request: ConsoleRequest, @Res() response: Response): Promise<void> {
    const pending = request.session.signIn;
    delete request.session.signIn;
    if (!pending || Date.now() - pending.startedAt > SIGN_IN_TIMEOUT_MS) {
      // An old or foreign callback (a bookmarked URL, a second tab): start again rather than fail.
      response.redirect(303, '/login');
      return;
    }
    const callbackUrl = new URL(request.originalUrl, this.config.get('CONSOLE_PUBLIC_URL', { infer: true }));
    let tokens;
    try {
      tokens = await this.oidc.completeSignIn(callbackUrl, pending);
    } catch (error) {
      throw new PageError(401, 'error.401', `sign-in refused: ${(error as Error).message}`);
    }
    const principal = await this.verifier.verify(tokens.accessToken).catch((error: unknown) => {
      throw new PageError(401, 'error.401', `the provider's access token is not one the API accepts: ${(error as Error).message}`);
    });
    // A new session id at sign-in: an id planted before it (session fixation) is worth nothing.
    await regenerated(request);
    request.session.user = { ...tokens, subject: principal.subject };
    request.session.csrfToken = randomBytes(32).toString('base64url');
    await saved(request);
    response.redirect(303, pending.returnTo);
  }

  @Post('logout')
  @PublicPage()
  async logout(@Req() request: ConsoleRequest, @Res() response: Response): Promise<void> {
    const idToken = request.session.user?.idToken ?? null;
    // A sign-out form with a wrong token is still a sign-out: nothing is lost by honouring it.
    const endSession = request.session.user ? await this.oidc.endSessionUrl(idToken) : null;
    await new Promise<void>((resolve) => request.session.destroy(() => resolve()));
    response.redirect(303, endSession ?? '/signed-out');
  }

  @Get('signed-out')
  @PublicPage()
  signedOut(@Req() request: ConsoleRequest): string {
    return this.views.render('signed-out', pageContextOf(request));
  }

  @Get('language')
  @PublicPage()
  language(@Res() response: Response, @Query('to') to?: string, @Query('returnTo') returnTo?: string): void {
    if (isLanguage(to)) {
      response.cookie(LANGUAGE_COOKIE, to, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000, secure: this.config.get("cookieSecure", { infer: true }) });
    }
    response.redirect(303, safeReturnPath(returnTo));
  }
}

function saved(request: ConsoleRequest): Promise<void> {
  return new Promise((resolve, reject) => request.session.save((error) => (error ? reject(error) : resolve())));
}

function regenerated(request: ConsoleRequest): Promise<void> {
  return new Promise((resolve, reject) => request.session.regenerate((error) => (error ? reject(error) : resolve())));
}

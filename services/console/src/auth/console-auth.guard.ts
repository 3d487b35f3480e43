import { timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { IdentityProviderUnavailableError, may, OidcTokenVerifier, PUBLIC_METADATA, TokenRejectedError, type AuthenticatedRequest } from '@dvc/auth';
import type { Permission } from '@dvc/domain';
import type { ConsoleEnvironment } from '../config/console-environment';
import type { ConsoleRequest } from '../web/page-context';
import { OidcClientService } from './oidc-client.service';
import { PageError, SignInRequired } from '../web/page-errors';

const PUBLIC_PAGE = Symbol('console:public');
const PAGE_PERMISSION = Symbol('console:permission');

/** A page anyone may open (sign-in, sign-out, language, health). */
export const PublicPage = () => SetMetadata(PUBLIC_PAGE, true);
/** The one permission a page or form needs; a handler without one (and not public) is refused, never open. */
export const PagePermission = (permission: Permission) => SetMetadata(PAGE_PERMISSION, permission);

/** Refresh the access token when it has less than this left, so an API call never carries an expiring one. */
const REFRESH_MARGIN_MS = 30_000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every console request: a session with a signed-in person (else to sign-in), a fresh access token (refreshed
 * with the refresh token), verified like the API verifies it, the page's permission, and for forms the session's
 * CSRF token and this console's origin. The API checks scope and permission again on every call.
 */
@Injectable()
export class ConsoleAuthGuard implements CanActivate {
  private readonly logger = new Logger(ConsoleAuthGuard.name);
  private readonly publicOrigin: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly oidc: OidcClientService,
    private readonly verifier: OidcTokenVerifier,
    config: ConfigService<ConsoleEnvironment, true>,
  ) {
    this.publicOrigin = config.get('CONSOLE_PUBLIC_URL', { infer: true });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    // Public pages, the health probes (@Public of @dvc/auth), and /metrics once METRICS_ACCESS let the caller in.
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_PAGE, targets) || this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const request = context.switchToHttp().getRequest<ConsoleRequest & AuthenticatedRequest>();
    if (request.edgeAccessGranted) return true;
    const user = request.session?.user;
    if (!user) throw new SignInRequired(request.method === 'GET' ? request.originalUrl : '/');
    if (UNSAFE_METHODS.has(request.method)) this.checkForm(request);

    if (user.accessTokenExpiresAt - REFRESH_MARGIN_MS < Date.now()) {
      if (!user.refreshToken) return this.signInAgain(request);
      try {
        Object.assign(user, await this.oidc.refresh(user.refreshToken));
      } catch (error) {
        this.logger.log({ subject: user.subject, error: String(error) }, 'token refresh refused: signing in again');
        return this.signInAgain(request);
      }
    }
    try {
      request.principal = await this.verifier.verify(user.accessToken);
    } catch (error) {
      if (error instanceof IdentityProviderUnavailableError) throw new PageError(503, 'error.503', error.message);
      if (error instanceof TokenRejectedError) return this.signInAgain(request);
      throw error;
    }
    request.accessToken = user.accessToken;

    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PAGE_PERMISSION, targets);
    if (!permission) throw new PageError(403, 'error.403', 'this page declares no permission');
    if (!may(request.principal, permission)) {
      throw new PageError(403, request.principal.roles.length === 0 || permission === 'rates:read' ? 'error.noAccess' : 'error.403');
    }
    return true;
  }

  private signInAgain(request: ConsoleRequest): never {
    delete request.session.user;
    throw new SignInRequired(request.method === 'GET' ? request.originalUrl : '/');
  }

  /** Forms: the session's synchronizer token, and (when the browser says where it comes from) this origin. */
  private checkForm(request: ConsoleRequest): void {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== this.publicOrigin) throw new PageError(403, 'error.csrf', `origin ${origin} is not this console`);
    const expected = request.session.csrfToken;
    const body = request.body as Record<string, unknown> | undefined;
    const sent = typeof body?._csrf === 'string' ? body._csrf : request.headers['x-csrf-token'];
    if (!expected || typeof sent !== 'string' || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) {
      throw new PageError(403, 'error.csrf', 'missing or wrong form token');
    }
  }
}

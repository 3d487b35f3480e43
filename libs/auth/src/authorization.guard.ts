import { CanActivate, ExecutionContext, ForbiddenException, Injectable, Logger, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { PERMISSIONS, Permission } from '@dvc/domain';
import { bearerChallenge, bearerTokenOf } from './bearer-token';
import { AuthenticatedRequest, PERMISSION_METADATA, PUBLIC_METADATA } from './decorators';
import { may, Principal } from './principal';
import { IdentityProviderUnavailableError, OidcTokenVerifier, TokenRejectedError } from './token-verifier';

/**
 * The API's one gate, global: every handler is closed unless it names a permission (then a valid bearer
 * token whose roles grant it is needed: 401 without one, 403 with the wrong roles) or is marked public.
 * What the permission reaches is narrowed afterwards by the caller's agency scope, in SQL.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  private readonly logger = new Logger(AuthorizationGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: OidcTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    if (request.edgeAccessGranted) return true;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_METADATA, targets);
    if (!permission) {
      this.logger.error({ handler: `${context.getClass().name}.${context.getHandler().name}` }, 'handler declares no permission: refused');
      throw new ForbiddenException('this endpoint has no owner role yet and is closed');
    }
    const principal = await authenticate(request, context.switchToHttp().getResponse<Response>(), this.verifier);
    if (!may(principal, permission)) {
      throw new ForbiddenException(`needs permission ${permission}, held by the roles ${PERMISSIONS[permission].join(', ')}`);
    }
    return true;
  }
}

/** Verifies the request's bearer token and puts the principal on it; 401 (with a challenge) or 503 otherwise. */
export async function authenticate(request: Request & AuthenticatedRequest, response: Response, verifier: OidcTokenVerifier): Promise<Principal> {
  const { token, problem } = bearerTokenOf(request.headers.authorization);
  if (!token) {
    response.setHeader('WWW-Authenticate', bearerChallenge(problem ? 'invalid_request' : undefined, problem));
    throw new UnauthorizedException(problem ?? 'sign in: send an access token of the identity provider as "Authorization: Bearer <token>"');
  }
  try {
    request.principal = await verifier.verify(token);
    return request.principal;
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      response.setHeader('WWW-Authenticate', bearerChallenge('invalid_token', error.message));
      throw new UnauthorizedException(`invalid token: ${error.message}`);
    }
    if (error instanceof IdentityProviderUnavailableError) {
      response.setHeader('Retry-After', '5');
      throw new ServiceUnavailableException(error.message);
    }
    throw error;
  }
}

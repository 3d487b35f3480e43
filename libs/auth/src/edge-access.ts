import type { NextFunction, Request, Response } from 'express';
import { HttpException } from '@nestjs/common';
import { Permission } from '@dvc/domain';
import { authenticate } from './authorization.guard';
import type { AuthenticatedRequest } from './decorators';
import type { EdgeAccessMode } from '@dvc/config';
import { may } from './principal';
import type { OidcTokenVerifier } from './token-verifier';

/** True for a connection from this machine: judged by the socket's peer address, never by a header. */
export function fromLoopback(request: Request): boolean {
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/**
 * Express middleware for the operational surfaces outside the API's handlers (`/metrics`, `/docs`): `open`
 * lets everyone in, `loopback` callers on this machine, and anyone else (and everyone in `token` mode)
 * needs a bearer token whose roles grant `permission`.
 */
export function edgeAccess(mode: EdgeAccessMode, permission: Permission, verifier: OidcTokenVerifier | null) {
  return (request: Request & AuthenticatedRequest, response: Response, next: NextFunction): void => {
    if (mode === 'open' || (mode === 'loopback' && fromLoopback(request))) {
      request.edgeAccessGranted = true;
      next();
      return;
    }
    const refuse = (status: number, message: string) => {
      response.status(status).json({ statusCode: status, error: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Service Unavailable', message });
    };
    if (!verifier) {
      refuse(403, 'only callers on this machine may read this (set the access mode to token and configure OIDC to open it)');
      return;
    }
    authenticate(request, response, verifier)
      .then((principal) => {
        if (!may(principal, permission)) {
          refuse(403, `needs permission ${permission}`);
          return;
        }
        request.edgeAccessGranted = true;
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof HttpException) refuse(error.getStatus(), String((error.getResponse() as { message?: string }).message ?? error.message));
        else next(error);
      });
  };
}

import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { PERMISSIONS, Permission } from '@dvc/domain';
import type { Principal } from './principal';

export const PERMISSION_METADATA = 'dvc:permission';
export const PUBLIC_METADATA = 'dvc:public';

/** The request property the guard puts the verified caller on. */
export interface AuthenticatedRequest {
  principal?: Principal;
  /** Set by the edge-access middleware when it already decided (`/metrics`, `/docs`). */
  edgeAccessGranted?: boolean;
}

const ERROR_SCHEMA = {
  type: 'object',
  properties: { statusCode: { type: 'number' }, error: { type: 'string' }, message: { type: 'string' } },
} as const;

/**
 * The one permission a handler needs (see `PERMISSIONS` in libs/domain). Without it the guard refuses the
 * handler for everyone, so a new endpoint is closed until someone decides who owns it.
 */
export function RequirePermission(permission: Permission) {
  const roles = PERMISSIONS[permission].join(', ');
  return applyDecorators(
    SetMetadata(PERMISSION_METADATA, permission),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No bearer token, or one that is expired, forged or issued for someone else', schema: ERROR_SCHEMA }),
    ApiForbiddenResponse({ description: `Needs permission ${permission}: roles ${roles}`, schema: ERROR_SCHEMA }),
  );
}

/** Open to anyone without a token (health probes). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

/** The verified caller of a handler that has a permission. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a handler without RequirePermission');
  return principal;
});

import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from '@dvc/auth';
import { isLanguage, type Language } from '../i18n/messages';
import type { PageContext } from '../rendering/view-renderer';

export const LANGUAGE_COOKIE = 'dvc_console_lang';

/** A request the console's guard has let through: the verified principal and the session's access token. */
export interface ConsoleRequest extends Request {
  principal?: Principal;
  accessToken?: string;
}

export function languageOf(request: Request): Language {
  const chosen = (request.cookies as Record<string, unknown> | undefined)?.[LANGUAGE_COOKIE];
  return isLanguage(chosen) ? chosen : 'vi';
}

export function pageContextOf(request: ConsoleRequest, notice?: string | null): PageContext {
  return {
    language: languageOf(request),
    path: request.originalUrl,
    principal: request.principal ?? null,
    csrfToken: request.session?.csrfToken ?? null,
    notice: notice ?? null,
  };
}

/** The page's context: language, path, the signed-in principal, the form token. */
export const Page = createParamDecorator((_data: unknown, context: ExecutionContext): PageContext => {
  const request = context.switchToHttp().getRequest<ConsoleRequest>();
  const notice = typeof request.query.notice === 'string' ? request.query.notice : null;
  return pageContextOf(request, notice);
});

/** The signed-in person's access token, for the API. */
export const AccessToken = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const token = context.switchToHttp().getRequest<ConsoleRequest>().accessToken;
  if (!token) throw new Error('no access token on a guarded request');
  return token;
});

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<ConsoleRequest>().principal;
  if (!principal) throw new Error('no principal on a guarded request');
  return principal;
});

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from '../api/api-client';
import { PageError, SignInRequired } from './page-errors';
import { ViewRenderer } from '../rendering/view-renderer';
import { pageContextOf, type ConsoleRequest } from './page-context';

const KNOWN_STATUSES = new Set([400, 401, 403, 404, 409, 503]);

/**
 * Every failure as a page in the person's language: sign-in when the session is gone, the API's own message for
 * its 4xx (they are precise), a plain page for the rest. Nothing about the server's internals reaches the browser.
 */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(PageExceptionFilter.name);

  constructor(private readonly views: ViewRenderer) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<ConsoleRequest>();
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof SignInRequired) {
      const signIn = `/login?returnTo=${encodeURIComponent(exception.returnTo)}`;
      // A boosted (htmx) request cannot follow a redirect to the provider's origin: htmx navigates the page instead.
      if (request.headers['hx-request'] === 'true') response.status(200).set('HX-Redirect', signIn).end();
      else response.redirect(303, signIn);
      return;
    }
    let status = 500;
    let messageKey = 'error.title';
    let detail: string | null = null;
    if (exception instanceof PageError) {
      ({ status, messageKey, detail } = exception);
    } else if (exception instanceof ApiError) {
      status = exception.status === 401 ? 503 : exception.status;
      detail = exception.message;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      detail = status < 500 ? exception.message : null;
    }
    if (messageKey === 'error.title' && KNOWN_STATUSES.has(status)) messageKey = `error.${status}`;
    if (status >= 500) this.logger.error({ error: exception instanceof Error ? exception.stack : String(exception), path: request.path }, 'page failed');
    if (response.headersSent) return;
    const page = pageContextOf(request);
    response
      .status(status)
      .type('html')
      .send(this.views.render('error', page, { status, messageKey, detail: status >= 500 ? null : detail, signedIn: Boolean(request.session?.user) }));
  }
}

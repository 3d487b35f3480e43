import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiClient } from '../api/api-client';
import type { AlertDetail, AlertItem, Page as ApiPage } from '../api/api-types';
import { PagePermission } from '../auth/console-auth.guard';
import { PageError } from '../web/page-errors';
import type { PageContext } from '../rendering/view-renderer';
import { ViewRenderer } from '../rendering/view-renderer';
import { AccessToken, Page } from '../web/page-context';
import { idOf, redirectWithNotice, textField } from './form-fields';

const VIEWS = { open: 'open', history: 'all' } as const;
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

/** The alerts inbox (open ones, or the whole history), one alert with its timeline, and acknowledging it. */
@Controller('alerts')
export class AlertPagesController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly api: ApiClient,
  ) {}

  @Get()
  @PagePermission('alerts:read')
  async inbox(@Page() page: PageContext, @AccessToken() token: string, @Query('view') view?: string, @Query('cursor') cursor?: string): Promise<string> {
    const chosen = view === 'history' ? 'history' : 'open';
    if (cursor !== undefined && !CURSOR.test(cursor)) throw new PageError(400, 'error.400', 'not a page cursor');
    const alerts = await this.api.get<ApiPage<AlertItem>>(token, '/v1/alerts', { status: VIEWS[chosen], limit: 50, cursor });
    return this.views.render('alerts', page, { alerts, view: chosen });
  }

  @Get(':id')
  @PagePermission('alerts:read')
  async alert(@Page() page: PageContext, @AccessToken() token: string, @Param('id') rawId: string): Promise<string> {
    const alert = await this.api.get<AlertDetail>(token, `/v1/alerts/${idOf(rawId)}`);
    return this.views.render('alert', page, { alert });
  }

  @Post(':id/acknowledge')
  @PagePermission('alerts:acknowledge')
  async acknowledge(@AccessToken() token: string, @Param('id') rawId: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const id = idOf(rawId);
    // The API validates the comment (required, at most 2,000 characters) and says precisely what is wrong.
    await this.api.write(token, 'POST', `/v1/alerts/${id}/acknowledge`, { comment: textField(body ?? {}, 'comment') });
    response.redirect(303, redirectWithNotice(`/alerts/${id}`, 'alerts.acknowledged'));
  }
}

import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal } from '@dvc/auth';
import { ApiClient } from '../api/api-client';
import type { Page as ApiPage, Recipient } from '../api/api-types';
import { PagePermission } from '../auth/console-auth.guard';
import type { PageContext } from '../rendering/view-renderer';
import { ViewRenderer } from '../rendering/view-renderer';
import { AccessToken, CurrentPrincipal, Page } from '../web/page-context';
import { agencyCodeOf, idOf, redirectWithNotice, textField } from './form-fields';

/** Who receives an agency's alert e-mails: the list, adding one, removing one. */
@Controller('recipients')
export class RecipientPagesController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly api: ApiClient,
  ) {}

  @Get()
  @PagePermission('recipients:manage')
  async recipients(@Page() page: PageContext, @AccessToken() token: string, @CurrentPrincipal() principal: Principal, @Query('agency') agency?: string): Promise<string> {
    const code = agency ? agencyCodeOf(agency) : undefined;
    const recipients = await this.api.get<ApiPage<Recipient>>(token, '/v1/recipients', { agency: code, limit: 200 });
    return this.views.render('recipients', page, { recipients: recipients.items, agencyCode: code ?? principal.scope.agencyRoots[0] ?? '', roots: principal.scope.agencyRoots });
  }

  @Post()
  @PagePermission('recipients:manage')
  async add(@AccessToken() token: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const form = body ?? {};
    await this.api.write(token, 'POST', '/v1/recipients', { agencyCode: agencyCodeOf(textField(form, 'agencyCode')), email: textField(form, 'email'), name: textField(form, 'name') || null });
    response.redirect(303, redirectWithNotice('/recipients', 'recipients.added'));
  }

  @Post(':id/delete')
  @PagePermission('recipients:manage')
  async remove(@AccessToken() token: string, @Param('id') rawId: string, @Res() response: Response): Promise<void> {
    await this.api.write(token, 'DELETE', `/v1/recipients/${idOf(rawId)}`);
    response.redirect(303, redirectWithNotice('/recipients', 'recipients.removed'));
  }
}

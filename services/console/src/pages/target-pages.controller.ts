import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { may, type Principal } from '@dvc/auth';
import { ApiClient, ApiError } from '../api/api-client';
import type { EffectiveTargets, Page as ApiPage, Target, TargetAuditEntry } from '../api/api-types';
import { PagePermission } from '../auth/console-auth.guard';
import type { PageContext } from '../rendering/view-renderer';
import { ViewRenderer } from '../rendering/view-renderer';
import { AccessToken, CurrentPrincipal, Page } from '../web/page-context';
import { agencyCodeOf, checkboxField, idOf, integerField, percentField, redirectWithNotice, textField } from './form-fields';

/** Rules `targets:write` alone may change: those on an agency (or a procedure at one); the rest need `targets:write-shared`. */
const AGENCY_RULE_KINDS = new Set(['agency', 'agencyProcedure']);

/** Targets: the effective ones of an agency and why, the rules, editing them (optimistic version), the audit trail. */
@Controller('targets')
export class TargetPagesController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly api: ApiClient,
  ) {}

  @Get()
  @PagePermission('targets:read')
  async targets(@Page() page: PageContext, @AccessToken() token: string, @CurrentPrincipal() principal: Principal, @Query('agency') agency?: string): Promise<string> {
    const code = agency ? agencyCodeOf(agency) : principal.scope.agencyRoots[0];
    const [effective, rules, audit] = await Promise.all([
      code ? this.effective(token, code) : Promise.resolve(null),
      this.api.get<ApiPage<Target>>(token, '/v1/targets', { limit: 200 }),
      this.api.get<ApiPage<TargetAuditEntry>>(token, '/v1/targets/audit', { limit: 20 }),
    ]);
    const mayChangeShared = may(principal, 'targets:write-shared');
    return this.views.render('targets', page, {
      agencyCode: code ?? null,
      effective,
      rules: rules.items.map((rule) => ({ ...rule, editable: mayChangeShared || AGENCY_RULE_KINDS.has(rule.scope.kind) })),
      audit: audit.items,
      roots: principal.scope.agencyRoots,
    });
  }

  /** Null for an agency no event has named yet (its level, hence its targets, are not known). */
  private async effective(token: string, code: string): Promise<EffectiveTargets | null> {
    try {
      return await this.api.get<EffectiveTargets>(token, '/v1/targets/effective', { agency: code });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  @Post()
  @PagePermission('targets:write')
  async create(@AccessToken() token: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const form = body ?? {};
    const agencyCode = agencyCodeOf(textField(form, 'agencyCode'));
    await this.api.write(token, 'POST', '/v1/targets', {
      scope: { kind: 'agency', agencyCode, includeSubtree: checkboxField(form, 'includeSubtree') },
      metric: textField(form, 'metric') || 'onlineRate',
      threshold: percentField(form, 'threshold'),
      severity: textField(form, 'severity') || 'warning',
      note: textField(form, 'note') || null,
    });
    response.redirect(303, redirectWithNotice(`/targets?agency=${encodeURIComponent(agencyCode)}`, 'targets.created'));
  }

  @Post(':id')
  @PagePermission('targets:write')
  async update(@AccessToken() token: string, @Param('id') rawId: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const form = body ?? {};
    const id = idOf(rawId);
    // The version read with the page: a change made meanwhile by someone else is a 409, never overwritten.
    await this.api.write(token, 'PATCH', `/v1/targets/${id}`, {
      version: integerField(form, 'version'),
      threshold: percentField(form, 'threshold'),
      enabled: checkboxField(form, 'enabled'),
      note: textField(form, 'note') || null,
    });
    const back = textField(form, 'agency');
    response.redirect(303, redirectWithNotice(back ? `/targets?agency=${encodeURIComponent(agencyCodeOf(back))}` : '/targets', 'targets.saved'));
  }
}

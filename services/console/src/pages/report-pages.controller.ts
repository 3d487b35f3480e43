import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal } from '@dvc/auth';
import { ApiClient } from '../api/api-client';
import { PagePermission } from '../auth/console-auth.guard';
import { PageError } from '../web/page-errors';
import type { PageContext } from '../rendering/view-renderer';
import { ViewRenderer } from '../rendering/view-renderer';
import { AccessToken, CurrentPrincipal, Page } from '../web/page-context';
import { agencyCodeOf } from './form-fields';
import { periodChoices, selectedPeriod } from './periods';

const FORMATS = new Set(['csv', 'xlsx']);
/** The headers of the API's file answer the browser needs; nothing else of the API's response is passed on. */
const PASSED_HEADERS = ['content-type', 'content-disposition', 'content-length'];

/** The report downloads: the indicator table (CSV, XLSX, from the API) and the agency's A4 report. */
@Controller('reports')
export class ReportPagesController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly api: ApiClient,
  ) {}

  @Get()
  @PagePermission('reports:export')
  form(@Page() page: PageContext, @CurrentPrincipal() principal: Principal): string {
    return this.views.render('reports', page, { choices: periodChoices(), period: selectedPeriod(undefined), roots: principal.scope.agencyRoots });
  }

  /** The form's PDF and print buttons: to the agency's own report routes (which carry the code in the path). */
  @Get('report.pdf')
  @PagePermission('reports:export')
  pdf(@Res() response: Response, @Query('agency') agency?: string, @Query('period') periodLabel?: string): void {
    response.redirect(303, `/agencies/${encodeURIComponent(agencyCodeOf(agency))}/report.pdf?period=${encodeURIComponent(selectedPeriod(periodLabel).label)}`);
  }

  @Get('report')
  @PagePermission('reports:export')
  printView(@Res() response: Response, @Query('agency') agency?: string, @Query('period') periodLabel?: string): void {
    response.redirect(303, `/agencies/${encodeURIComponent(agencyCodeOf(agency))}/report?period=${encodeURIComponent(selectedPeriod(periodLabel).label)}`);
  }

  @Get('indicators.:format')
  @PagePermission('reports:export')
  async download(
    @AccessToken() token: string,
    @Param('format') format: string,
    @Res() response: Response,
    @Query('period') periodLabel?: string,
    @Query('agency') agency?: string,
    @Query('subtree') subtree?: string,
  ): Promise<void> {
    if (!FORMATS.has(format)) throw new PageError(404, 'error.404', `no report format ${format}`);
    const period = selectedPeriod(periodLabel);
    const code = agency ? agencyCodeOf(agency) : undefined;
    const answer = await this.api.send(
      token,
      'GET',
      this.api.url(`/v1/reports/indicators.${format}`, { period: period.label, agency: code, subtree: subtree === 'true' || subtree === 'on' }),
    );
    response.status(200).set('cache-control', 'no-store');
    for (const header of PASSED_HEADERS) {
      const value = answer.headers.get(header);
      if (value !== null) response.set(header, value);
    }
    response.send(Buffer.from(await answer.arrayBuffer()));
  }
}

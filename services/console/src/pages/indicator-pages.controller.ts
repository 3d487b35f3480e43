import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal } from '@dvc/auth';
import { may } from '@dvc/auth';
import { PagePermission } from '../auth/console-auth.guard';
import { PageError } from '../web/page-errors';
import type { PageContext } from '../rendering/view-renderer';
import { ViewRenderer } from '../rendering/view-renderer';
import { PdfRenderer } from '../pdf/pdf-renderer.service';
import { AccessToken, CurrentPrincipal, Page } from '../web/page-context';
import { INDICATOR_ORDER, IndicatorViews } from './indicator-views';
import { periodChoices, selectedPeriod } from './periods';
import { agencyCodeOf } from './form-fields';
import { rateDistribution } from './charts';

/** The report's style sheet, inlined for the PDF printer (which loads nothing). */
const REPORT_CSS = readFileSync(join(__dirname, '..', 'assets', 'report.css'), 'utf8');

/** The province overview, an agency's page, and its one-page A4 report (print view and PDF). */
@Controller()
export class IndicatorPagesController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly indicators: IndicatorViews,
    private readonly pdf: PdfRenderer,
  ) {}

  @Get()
  @PagePermission('rates:read')
  async overview(
    @Page() page: PageContext,
    @AccessToken() token: string,
    @CurrentPrincipal() principal: Principal,
    @Query('agency') agency?: string,
    @Query('period') periodLabel?: string,
  ): Promise<string> {
    const roots = principal.scope.agencyRoots;
    if (roots.length === 0) throw new PageError(403, 'error.noAccess', 'the token names no agency');
    const code = agency === undefined || agency === '' ? roots[0] : agencyCodeOf(agency);
    const period = selectedPeriod(periodLabel);
    const [view, belowTarget] = await Promise.all([
      this.indicators.agencyIndicators(token, code, period),
      may(principal, 'alerts:read') ? this.indicators.belowTargetAlerts(token, code) : Promise.resolve([]),
    ]);
    const ranking = view.childRanking ?? view.peerRanking;
    return this.views.render('overview', page, {
      view,
      ranking,
      belowTarget,
      roots,
      period,
      choices: periodChoices(undefined, period),
      order: INDICATOR_ORDER,
      chart: { trend: view.trend, distribution: ranking ? rateDistribution(ranking.peers) : [] },
    });
  }

  @Get('agencies/:code')
  @PagePermission('rates:read')
  async agency(@Page() page: PageContext, @AccessToken() token: string, @Param('code') rawCode: string, @Query('period') periodLabel?: string): Promise<string> {
    const code = agencyCodeOf(rawCode);
    const period = selectedPeriod(periodLabel);
    const view = await this.indicators.agencyIndicators(token, code, period);
    const [procedures, zeroUptake, forecast] = await Promise.all([
      this.indicators.proceduresPullingDown(token, code, period),
      this.indicators.zeroUptake(token, code, period),
      this.indicators.forecast(token, code),
    ]);
    return this.views.render('agency', page, {
      view,
      procedures,
      zeroUptake,
      forecast,
      period,
      choices: periodChoices(undefined, period),
      order: INDICATOR_ORDER,
      chart: { trend: view.trend },
    });
  }

  @Get('agencies/:code/report')
  @PagePermission('reports:export')
  async report(@Page() page: PageContext, @AccessToken() token: string, @Param('code') rawCode: string, @Query('period') periodLabel?: string): Promise<string> {
    return this.reportHtml(page, token, agencyCodeOf(rawCode), periodLabel, false);
  }

  @Get('agencies/:code/report.pdf')
  @PagePermission('reports:export')
  async reportPdf(
    @Page() page: PageContext,
    @AccessToken() token: string,
    @Param('code') rawCode: string,
    @Res() response: Response,
    @Query('period') periodLabel?: string,
  ): Promise<void> {
    const code = agencyCodeOf(rawCode);
    const html = await this.reportHtml(page, token, code, periodLabel, true);
    let pdf: Buffer;
    try {
      pdf = await this.pdf.render(html);
    } catch (error) {
      throw new PageError(503, 'error.503', `the PDF printer failed: ${(error as Error).message}`);
    }
    const period = selectedPeriod(periodLabel).label;
    response
      .status(200)
      .type('application/pdf')
      .set('content-disposition', `attachment; filename="bao-cao-${code}-${period}.pdf"`)
      .set('cache-control', 'no-store')
      .send(pdf);
  }

  private async reportHtml(page: PageContext, token: string, code: string, periodLabel: string | undefined, forPrinter: boolean): Promise<string> {
    const period = selectedPeriod(periodLabel);
    const view = await this.indicators.agencyIndicators(token, code, period);
    const [procedures, zeroUptake, forecast] = await Promise.all([
      this.indicators.proceduresPullingDown(token, code, period, 5),
      this.indicators.zeroUptake(token, code, period, 100),
      this.indicators.forecast(token, code),
    ]);
    const peer = view.peerRanking?.peers.find((candidate) => candidate.agencyCode === code) ?? null;
    return this.views.render('report', page, {
      view,
      procedures,
      zeroUptake,
      forecast,
      period,
      peer,
      order: INDICATOR_ORDER,
      generatedAt: new Date().toISOString(),
      trendBars: trendBars(view.trend),
      inlineCss: forPrinter ? REPORT_CSS : null,
    });
  }
}

/** The trend as SVG bars (the printed report has no JavaScript): x, height and label of each month. */
function trendBars(trend: { period: string; rate: number | null; status: string }[]) {
  const width = 600;
  const height = 120;
  const step = width / trend.length;
  return {
    width,
    height,
    bars: trend.map((point, index) => {
      const barHeight = Math.round((point.rate ?? 0) * height);
      return { x: Math.round(index * step + 4), width: Math.round(step - 8), y: height - barHeight, height: barHeight, period: point.period, rate: point.rate, status: point.status };
    }),
  };
}

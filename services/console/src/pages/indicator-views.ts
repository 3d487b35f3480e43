import { Injectable } from '@nestjs/common';
import { ApiClient, ApiError } from '../api/api-client';
import type { Agency, Forecast, IndicatorsAnswer, IndicatorsItem, Page, Ranking, AlertItem, ZeroUptakeItem } from '../api/api-types';
import { trailingMonths, type SelectedPeriod } from './periods';

/** The order the console shows the indicators in: the online ones first (what this console is about). */
export const INDICATOR_ORDER = [
  'onlineSubmission',
  'fullOnline',
  'onlineServicesUsed',
  'proceduresOnline',
  'onlinePayment',
  'onTimeResolution',
  'averageResolutionDays',
] as const;

export interface TrendPoint {
  period: string;
  rate: number | null;
  numerator: number;
  denominator: number;
  status: string;
}

export interface ProcedureShortfall {
  procedureCode: string | null;
  procedureName: string | null;
  sector: string | null;
  received: number;
  receivedOnline: number;
  offline: number;
  rate: number | null;
}

export interface AgencyIndicators {
  agency: Agency;
  parent: Agency | null;
  answer: IndicatorsAnswer;
  item: IndicatorsItem | null;
  trend: TrendPoint[];
  /** Among its peers (same parent); null for the top of the hierarchy. */
  peerRanking: Ranking | null;
  /** Its children ranked; null when it has none. */
  childRanking: Ranking | null;
}

/** Assembles what the indicator pages (overview, agency page, A4 report) show, from the API only. */
@Injectable()
export class IndicatorViews {
  constructor(private readonly api: ApiClient) {}

  async agencyIndicators(token: string, code: string, period: SelectedPeriod): Promise<AgencyIndicators> {
    const agency = await this.agencyOrUnnamedRoot(token, code);
    const [answer, trend, peerRanking, childRanking, parent] = await Promise.all([
      this.api.get<IndicatorsAnswer>(token, '/v1/indicators', { period: period.label, agency: code, subtree: true }),
      this.trend(token, code, period),
      agency.parentCode ? this.api.get<Ranking>(token, '/v1/rankings', { period: period.label, agency: code }) : Promise.resolve(null),
      agency.childCount > 0 ? this.api.get<Ranking>(token, '/v1/rankings', { period: period.label, parent: code }) : Promise.resolve(null),
      agency.parentCode ? this.optionalAgency(token, agency.parentCode) : Promise.resolve(null),
    ]);
    return { agency, parent, answer, item: answer.items[0] ?? null, trend, peerRanking, childRanking };
  }

  /** The online rate of the 12 months up to the period, each with its provisional/final mark. */
  async trend(token: string, code: string, period: SelectedPeriod): Promise<TrendPoint[]> {
    const months = trailingMonths(period);
    const answers = await Promise.all(months.map((month) => this.api.get<IndicatorsAnswer>(token, '/v1/indicators', { period: month, agency: code, subtree: true })));
    return answers.map((answer) => {
      const figure = answer.items[0]?.indicators.onlineSubmission;
      return { period: answer.period, rate: figure?.value ?? null, numerator: figure?.numerator ?? 0, denominator: figure?.denominator ?? 0, status: answer.status };
    });
  }

  /** The procedures with the most dossiers that did not come online: moving them is what raises the rate most. */
  async proceduresPullingDown(token: string, code: string, period: SelectedPeriod, limit = 10): Promise<ProcedureShortfall[]> {
    const answer = await this.api.get<IndicatorsAnswer>(token, '/v1/indicators', { period: period.label, agency: code, subtree: true, groupBy: 'procedure' });
    return answer.items
      .map((item) => ({
        procedureCode: item.procedureCode,
        procedureName: item.procedureName,
        sector: item.sector,
        received: item.counts.received ?? 0,
        receivedOnline: item.counts.receivedOnline ?? 0,
        offline: (item.counts.received ?? 0) - (item.counts.receivedOnline ?? 0),
        rate: item.indicators.onlineSubmission?.value ?? null,
      }))
      .filter((row) => row.offline > 0)
      .sort((a, b) => b.offline - a.offline || (a.procedureCode ?? '').localeCompare(b.procedureCode ?? ''))
      .slice(0, limit);
  }

  async zeroUptake(token: string, code: string, period: SelectedPeriod, limit = 20): Promise<ZeroUptakeItem[]> {
    const page = await this.api.get<Page<ZeroUptakeItem>>(token, '/v1/zero-uptake', {
      period: period.kind,
      from: period.label,
      to: period.label,
      agency: code,
      subtree: true,
      limit,
    });
    return page.items;
  }

  forecast(token: string, code: string): Promise<Forecast> {
    return this.api.get<Forecast>(token, '/v1/forecasts', { agency: code, subtree: true });
  }

  async belowTargetAlerts(token: string, code: string): Promise<AlertItem[]> {
    const page = await this.api.get<Page<AlertItem>>(token, '/v1/alerts', { kind: 'belowTarget', status: 'open', agency: code, subtree: true, limit: 20 });
    return page.items;
  }

  /**
   * The agency, or — for a code no event has named yet but which has agencies below it in the caller's scope (a
   * province's people's committee above its departments) — a stand-in with only the code, so its subtree still shows.
   */
  private async agencyOrUnnamedRoot(token: string, code: string): Promise<Agency> {
    try {
      return await this.api.get<Agency>(token, `/v1/agencies/${encodeURIComponent(code)}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      const children = await this.api.get<Page<Agency>>(token, '/v1/agencies', { parentCode: code, limit: 1 });
      if (children.items.length === 0) throw error;
      return { code, name: null, level: '', parentCode: null, childCount: children.items.length };
    }
  }

  private async optionalAgency(token: string, code: string): Promise<Agency | null> {
    try {
      return await this.api.get<Agency>(token, `/v1/agencies/${encodeURIComponent(code)}`);
    } catch (error) {
      // The parent of a scope's root is outside the scope: the page names it by code only.
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }
}

import { Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  computeIndicators,
  IndicatorFigure,
  IndicatorName,
  INDICATORS,
  ParsedPeriod,
  periodContaining,
  periodFinality,
  periodLabel,
  PeriodFinality,
  previousPeriod,
  projectPeriodOnlineRate,
  rankPeers,
  ScoreCard,
  scoreCard,
  vietnamToday,
  VIETNAM_OFFICE_HOURS,
  type WorkingSchedule,
} from '@dvc/domain';
import type { Principal } from '@dvc/auth';
import type { ApiEnvironment } from '../config/api-environment';
import type { ForecastQuery, IndicatorsQuery, RankingQuery } from '../dtos/indicators-query.dto';
import { IndicatorCountsRow, IndicatorSelection, IndicatorsRepository } from '../repositories/indicators.repository';
import { TargetsService } from './targets.service';

export interface IndicatorsItem {
  agencyCode: string | null;
  agencyName: string | null;
  procedureCode: string | null;
  procedureName: string | null;
  sector: string | null;
  counts: IndicatorCountsRow['counts'];
  indicators: Record<IndicatorName, IndicatorFigure>;
  /** The scoreboard points the figures give, where they can be computed (libs/domain/src/score-points.ts). */
  score: ScoreCard;
}

export interface PeriodStatusView extends PeriodFinality {
  period: string;
  periodKind: ParsedPeriod['kind'];
  firstDay: string;
  lastDay: string;
  /** The day at whose end dossiers in progress are counted: the last day, or today while the period runs. */
  asOfDay: string;
  graceDays: number;
}

export interface IndicatorsAnswer extends PeriodStatusView {
  formulaVersions: Record<IndicatorName, string>;
  items: IndicatorsItem[];
}

const FORMULA_VERSIONS = Object.fromEntries(Object.entries(INDICATORS).map(([name, definition]) => [name, definition.formulaVersion])) as Record<
  IndicatorName,
  string
>;

function figuresAndScore(counts: IndicatorCountsRow['counts']): Pick<IndicatorsItem, 'indicators' | 'score'> {
  const indicators = computeIndicators(counts);
  return { indicators, score: scoreCard(indicators) };
}

/**
 * The national indicators, the peers' ranking and the look ahead, for the caller's scope. The counts come from
 * IndicatorsRepository (one place to move onto roll-ups); the formulas are libs/domain's.
 */
@Injectable()
export class IndicatorsService {
  private readonly graceDays: number;
  /** The look ahead's working days: Monday to Friday, less INDICATOR_HOLIDAYS, plus INDICATOR_EXTRA_WORKING_DAYS. */
  private readonly workingDays: WorkingSchedule;

  constructor(
    private readonly repository: IndicatorsRepository,
    private readonly targets: TargetsService,
    config: ConfigService<ApiEnvironment, true>,
  ) {
    this.graceDays = config.get('INDICATOR_GRACE_DAYS', { infer: true });
    this.workingDays = {
      ...VIETNAM_OFFICE_HOURS,
      holidays: config.get('INDICATOR_HOLIDAYS', { infer: true }),
      extraWorkingDays: config.get('INDICATOR_EXTRA_WORKING_DAYS', { infer: true }),
    };
  }

  async indicators(query: IndicatorsQuery, principal: Principal, today = vietnamToday()): Promise<IndicatorsAnswer> {
    const selection = this.selection(query.period, today, principal, {
      agency: query.agency,
      subtree: query.subtree,
      groupByAgency: query.groupBy === 'agency',
      groupByProcedure: query.groupBy === 'procedure',
      groupBySector: query.groupBy === 'sector',
    });
    const [rows, status] = await Promise.all([this.repository.findCounts(selection), this.status(query.period, today, selection)]);
    const names = await this.repository.names(
      [...new Set([...rows.map((row) => row.agencyCode), query.agency ?? ''].filter(Boolean))],
      [...new Set(rows.map((row) => row.procedureCode).filter(Boolean))],
    );
    const items = rows.map((row) => ({
      agencyCode: query.groupBy === 'agency' ? row.agencyCode : query.agency,
      agencyName: (query.groupBy === 'agency' ? names.agencies.get(row.agencyCode) : query.agency && names.agencies.get(query.agency)) ?? null,
      procedureCode: query.groupBy === 'procedure' ? row.procedureCode : null,
      procedureName: query.groupBy === 'procedure' ? (names.procedures.get(row.procedureCode) ?? null) : null,
      sector: query.groupBy === 'sector' ? row.sector : null,
      counts: row.counts,
      ...figuresAndScore(row.counts),
    }));
    return { ...status, formulaVersions: FORMULA_VERSIONS, items };
  }

  /**
   * Peers are the agencies of one level under one parent. The caller must have the agency (or the parent) in scope;
   * peers outside its scope are counted (a rank needs them) but shown without code, name or counts: their rate and
   * rank only, as the public national scoreboard shows them.
   */
  async ranking(query: RankingQuery, principal: Principal, today = vietnamToday()) {
    const visible = await this.repository.visibleAgencies(principal.scope.agencyRoots);
    const anchor = query.agency ?? query.parent!;
    const anchorRow = await this.repository.findAgency(anchor);
    // The root of one's own scope (a province's people's committee) may be named only as the parent of its
    // departments, never by an event of its own: its children are still ranked.
    const unnamedOwnRoot = !anchorRow && query.parent !== null && principal.scope.agencyRoots.includes(query.parent);
    if (!unnamedOwnRoot && (!anchorRow || !visible.has(anchor))) throw new NotFoundException(`agency ${JSON.stringify(anchor)} is not known in your scope`);
    const peers = query.parent
      ? await this.repository.findChildren(query.parent, null)
      : anchorRow!.parentCode === null
        ? [anchorRow!]
        : await this.repository.findChildren(anchorRow!.parentCode, anchorRow!.level);
    const codes = peers.map((peer) => peer.code);
    const figuresOf = async (period: ParsedPeriod) => {
      const selection: IndicatorSelection = {
        ...this.selection(period, today, principal, { agency: null, subtree: false, groupByAgency: false, groupByProcedure: false, groupBySector: false }),
        subtreeRoots: codes,
        // Deliberately the peers themselves: a rank needs every peer's figure; what leaves is narrowed below.
        scopeRoots: codes,
      };
      const rows = await this.repository.findCounts(selection);
      const byUnit = new Map(rows.map((row) => [row.unit, computeIndicators(row.counts)[query.indicator]]));
      return codes.map((code) => ({ agencyCode: code, numerator: byUnit.get(code)?.numerator ?? 0, denominator: byUnit.get(code)?.denominator ?? 0 }));
    };
    const previous = previousPeriod(query.period);
    const [current, before, status] = await Promise.all([
      figuresOf(query.period),
      figuresOf(previous),
      this.status(query.period, today, this.selection(query.period, today, principal, { agency: null, subtree: false, groupByAgency: false, groupByProcedure: false, groupBySector: false, subtreeRoots: codes.filter((code) => visible.has(code)) })),
    ]);
    const ranking = rankPeers(current, before);
    const nameOf = new Map(peers.map((peer) => [peer.code, peer.name]));
    return {
      ...status,
      indicator: query.indicator,
      code: INDICATORS[query.indicator].code,
      formulaVersion: INDICATORS[query.indicator].formulaVersion,
      previousPeriod: periodLabel(previous.firstDay, previous.kind),
      parentCode: query.parent ?? anchorRow!.parentCode,
      peerCount: peers.length,
      ranked: ranking.ranked,
      median: ranking.median,
      percentile75: ranking.percentile75,
      peers: ranking.peers.map((peer) =>
        visible.has(peer.agencyCode)
          ? { ...peer, visible: true, agencyName: nameOf.get(peer.agencyCode) ?? null }
          : { agencyCode: null, agencyName: null, visible: false, numerator: null, denominator: null, rate: peer.rate, rank: peer.rank, rankChange: peer.rankChange, gapToNextRank: null },
      ),
    };
  }

  /** For the running month, quarter and year: where the online rate ends at the present pace, and what the target needs. */
  async forecast(query: ForecastQuery, principal: Principal, today = vietnamToday()) {
    const visible = await this.repository.visibleAgencies(principal.scope.agencyRoots);
    const known = visible.has(query.agency) && (await this.repository.findAgency(query.agency)) !== null;
    // As for rankings: one's own scope root, named by no event yet, has a forecast of its subtree (and, its level
    // being unknown, no target of its own).
    const unnamedOwnRoot = !known && query.subtree && principal.scope.agencyRoots.includes(query.agency);
    if (!known && !unnamedOwnRoot) {
      throw new NotFoundException(`agency ${JSON.stringify(query.agency)} is not known in your scope`);
    }
    const effective = known ? await this.targets.effectiveTargets({ agency: query.agency, metric: 'onlineRate' }, principal) : { targets: [] };
    const target = effective.targets.find((item) => item.severity === 'warning') ?? effective.targets.find((item) => item.severity === 'critical') ?? null;
    const horizons = await Promise.all(
      (['month', 'quarter', 'year'] as const).map(async (kind) => {
        const period = periodContaining(today, kind);
        const [row] = await this.repository.findCounts(
          this.selection(period, today, principal, { agency: query.agency, subtree: query.subtree, groupByAgency: false, groupByProcedure: false, groupBySector: false }),
        );
        const received = row?.counts.received ?? 0;
        const receivedOnline = row?.counts.receivedOnline ?? 0;
        return {
          period: periodLabel(today, kind),
          periodKind: kind,
          firstDay: period.firstDay,
          lastDay: period.lastDay,
          received,
          receivedOnline,
          ...projectPeriodOnlineRate(period, today, received, receivedOnline, target?.threshold ?? null, this.workingDays),
        };
      }),
    );
    return {
      agencyCode: query.agency,
      subtree: query.subtree,
      asOfDay: today,
      target: target ? { threshold: target.threshold, severity: target.severity, ruleId: target.rule.id, reason: target.reason, reasonVi: target.reasonVi } : null,
      horizons,
    };
  }

  private selection(
    period: ParsedPeriod,
    today: string,
    principal: Principal,
    options: Pick<IndicatorSelection, 'agency' | 'subtree' | 'groupByAgency' | 'groupByProcedure' | 'groupBySector'> & { subtreeRoots?: string[] },
  ): IndicatorSelection {
    return {
      firstDay: period.firstDay,
      lastDay: period.lastDay,
      asOfDay: period.lastDay < today ? period.lastDay : today,
      subtreeRoots: options.subtreeRoots ?? null,
      agency: options.agency,
      subtree: options.subtree,
      groupByAgency: options.groupByAgency,
      groupByProcedure: options.groupByProcedure,
      groupBySector: options.groupBySector,
      scopeRoots: principal.scope.agencyRoots,
    };
  }

  private async status(period: ParsedPeriod, today: string, selection: IndicatorSelection): Promise<PeriodStatusView> {
    const changes = await this.repository.findPeriodChanges(selection);
    const finality = periodFinality(period, today, this.graceDays);
    // Flagged only when figures existed before the period became final and changed after: a history loaded
    // later for the first time is not a revision.
    const revised = changes.firstChangedOn !== null && changes.firstChangedOn < finality.finalFrom ? changes.lastChangedOn : null;
    return {
      period: periodLabel(period.firstDay, period.kind),
      periodKind: period.kind,
      firstDay: period.firstDay,
      lastDay: period.lastDay,
      asOfDay: selection.asOfDay,
      graceDays: this.graceDays,
      ...periodFinality(period, today, this.graceDays, revised),
    };
  }
}

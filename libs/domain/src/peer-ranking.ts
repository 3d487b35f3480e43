import { round4 } from './wilson';

/**
 * Ranking of agencies among their peers (same level, same parent) by a ratio indicator, the way a provincial
 * scoreboard reads: best first, equal rates share a rank (1, 2, 2, 4), an agency without a denominator is listed
 * but not ranked. Everything is computed on exact integers (numerator × denominator cross-products), so two
 * rates are equal only when they truly are.
 */

export interface PeerFigure {
  agencyCode: string;
  numerator: number;
  denominator: number;
}

export interface RankedPeer extends PeerFigure {
  /** Rounded to 4 places; `null` without a denominator. */
  rate: number | null;
  /** 1 = best; `null` when unranked (no denominator). */
  rank: number | null;
  /** Previous rank − this rank (positive: moved up); `null` when unranked in either period. */
  rankChange: number | null;
  /**
   * How many more of its own dossiers would have to have gone the good way (e.g. been submitted online instead of
   * in person) for it to rank above the next better rate; `null` for the best, for the unranked, and when even all
   * of its dossiers would not be enough.
   */
  gapToNextRank: number | null;
}

export interface PeerRanking {
  peers: RankedPeer[];
  ranked: number;
  /** Of the ranked peers' rates (linear interpolation between order statistics), `null` when none is ranked. */
  median: number | null;
  percentile75: number | null;
}

/** a/b compared with c/d (b, d > 0): negative when a/b is smaller. Exact for integers up to 2^26 each. */
function compareRates(a: PeerFigure, b: PeerFigure): number {
  return a.numerator * b.denominator - b.numerator * a.denominator;
}

function quantile(sortedAscending: number[], q: number): number | null {
  if (sortedAscending.length === 0) return null;
  const position = (sortedAscending.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sortedAscending[below] + (sortedAscending[above] - sortedAscending[below]) * (position - below);
}

function check(figure: PeerFigure): void {
  const { numerator, denominator, agencyCode } = figure;
  if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || numerator < 0 || numerator > denominator) {
    throw new RangeError(`${agencyCode}: need integers 0 ≤ numerator ≤ denominator, not ${numerator}/${denominator}`);
  }
}

/** Competition ranks ("1224") of the peers with a denominator, by rate descending. */
function ranksOf(figures: PeerFigure[]): Map<string, number> {
  const sorted = figures.filter((figure) => figure.denominator > 0).sort((a, b) => compareRates(b, a));
  const ranks = new Map<string, number>();
  sorted.forEach((figure, index) => {
    const tiedWithPrevious = index > 0 && compareRates(figure, sorted[index - 1]) === 0;
    ranks.set(figure.agencyCode, tiedWithPrevious ? ranks.get(sorted[index - 1].agencyCode)! : index + 1);
  });
  return ranks;
}

/**
 * The smallest k ≥ 1 with (n + k)/d > a/b, i.e. k > (a·d − n·b)/b; `null` when k would exceed the d − n dossiers
 * that could still change.
 */
function dossiersToPass(figure: PeerFigure, better: PeerFigure): number | null {
  const { numerator: n, denominator: d } = figure;
  const k = Math.floor((better.numerator * d - n * better.denominator) / better.denominator) + 1;
  return k <= d - n ? k : null;
}

/** Ranks `current` among themselves; `previous` (the same peers' previous period) gives the rank change. */
export function rankPeers(current: PeerFigure[], previous: PeerFigure[] = []): PeerRanking {
  current.forEach(check);
  previous.forEach(check);
  const seen = new Set<string>();
  for (const { agencyCode } of current) {
    if (seen.has(agencyCode)) throw new RangeError(`${agencyCode} appears twice among the peers`);
    seen.add(agencyCode);
  }
  const ranks = ranksOf(current);
  const previousRanks = ranksOf(previous);
  const rankedFigures = current.filter((figure) => figure.denominator > 0).sort((a, b) => compareRates(b, a));
  const peers = [...current]
    .sort((a, b) => {
      const rankA = ranks.get(a.agencyCode) ?? Infinity;
      const rankB = ranks.get(b.agencyCode) ?? Infinity;
      return rankA - rankB || b.denominator - a.denominator || a.agencyCode.localeCompare(b.agencyCode);
    })
    .map((figure): RankedPeer => {
      const rank = ranks.get(figure.agencyCode) ?? null;
      const before = previousRanks.get(figure.agencyCode);
      // The next better rate: the worst of those strictly better.
      const nextBetter = rank === null ? undefined : [...rankedFigures].reverse().find((other) => compareRates(other, figure) > 0);
      return {
        ...figure,
        rate: figure.denominator > 0 ? round4(figure.numerator / figure.denominator) : null,
        rank,
        rankChange: rank !== null && before !== undefined ? before - rank : null,
        gapToNextRank: nextBetter ? dossiersToPass(figure, nextBetter) : null,
      };
    });
  const rates = rankedFigures.map((figure) => figure.numerator / figure.denominator).sort((a, b) => a - b);
  const median = quantile(rates, 0.5);
  const percentile75 = quantile(rates, 0.75);
  return {
    peers,
    ranked: rankedFigures.length,
    median: median === null ? null : round4(median),
    percentile75: percentile75 === null ? null : round4(percentile75),
  };
}

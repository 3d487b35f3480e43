import { rankPeers } from './peer-ranking';

describe('ranking among peers', () => {
  const current = [
    { agencyCode: 'A', numerator: 30, denominator: 100 },
    { agencyCode: 'B', numerator: 45, denominator: 100 },
    { agencyCode: 'C', numerator: 9, denominator: 20 },
    { agencyCode: 'D', numerator: 0, denominator: 0 },
    { agencyCode: 'E', numerator: 10, denominator: 50 },
  ];
  const previous = [
    { agencyCode: 'A', numerator: 50, denominator: 100 },
    { agencyCode: 'B', numerator: 10, denominator: 100 },
    { agencyCode: 'E', numerator: 4, denominator: 50 },
  ];

  it('ranks best first, shares a rank on exactly equal rates, lists the unranked last', () => {
    const ranking = rankPeers(current, previous);
    expect(ranking.peers.map(({ agencyCode, rate, rank }) => [agencyCode, rate, rank])).toEqual([
      ['B', 0.45, 1],
      ['C', 0.45, 1],
      ['A', 0.3, 3],
      ['E', 0.2, 4],
      ['D', null, null],
    ]);
    expect(ranking.ranked).toBe(4);
  });

  it('gives the median and 75th percentile of the ranked rates', () => {
    // 0.2, 0.3, 0.45, 0.45: the median between 0.3 and 0.45, the 75th percentile at 0.45.
    expect(rankPeers(current)).toMatchObject({ median: 0.375, percentile75: 0.45 });
    expect(rankPeers([{ agencyCode: 'D', numerator: 0, denominator: 0 }])).toMatchObject({ ranked: 0, median: null, percentile75: null });
  });

  it('reports the change of rank against the previous period', () => {
    const changes = Object.fromEntries(rankPeers(current, previous).peers.map((peer) => [peer.agencyCode, peer.rankChange]));
    expect(changes).toEqual({ A: -2, B: 1, C: null, D: null, E: -1 });
  });

  it('gives the gap to the next rank in dossiers: the fewest that must go the good way to pass the next better rate', () => {
    const gaps = Object.fromEntries(rankPeers(current).peers.map((peer) => [peer.agencyCode, peer.gapToNextRank]));
    // A: 46/100 > 9/20 needs 16 (45/100 only ties); E: 16/50 > 30/100 needs 6 (15/50 only ties).
    expect(gaps).toEqual({ A: 16, B: null, C: null, D: null, E: 6 });
    // Out of reach: 0 of 1 cannot pass 1 of 1.
    const outOfReach = rankPeers([
      { agencyCode: 'X', numerator: 1, denominator: 1 },
      { agencyCode: 'Y', numerator: 0, denominator: 1 },
    ]);
    expect(outOfReach.peers[1]).toMatchObject({ agencyCode: 'Y', rank: 2, gapToNextRank: null });
  });

  it('refuses impossible figures and a peer listed twice', () => {
    expect(() => rankPeers([{ agencyCode: 'A', numerator: 3, denominator: 2 }])).toThrow('A: need integers 0 ≤ numerator ≤ denominator, not 3/2');
    expect(() => rankPeers([{ agencyCode: 'A', numerator: 1.5, denominator: 2 }])).toThrow('need integers');
    expect(() => rankPeers([current[0], current[0]])).toThrow('A appears twice');
  });
});

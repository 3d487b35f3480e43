import type { RankedPeer } from '../api/api-types';

/** Ten bins of 10 points each: how many ranked peers have a rate in [0, 10%), [10%, 20%) … [90%, 100%]. */
export function rateDistribution(peers: readonly RankedPeer[]): number[] {
  const bins = new Array<number>(10).fill(0);
  for (const peer of peers) if (peer.rate !== null) bins[Math.min(9, Math.floor(peer.rate * 10))] += 1;
  return bins;
}

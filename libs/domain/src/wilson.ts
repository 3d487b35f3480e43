/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for `successes` out of `trials`; `null` when there are no trials. Unlike the
 * normal approximation it stays inside [0, 1] and is honest for small samples (0 of 2 is [0, 0.658]).
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): [number, number] | null {
  if (trials <= 0) return null;
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // The exact interval always contains p (and is [0, …] at 0 of n, […, 1] at n of n); clamped to p because
  // floating point can land a hair on the wrong side of it (115 of 115 gave an upper bound of 1 - 1e-16).
  return [Math.max(0, Math.min(p, centre - halfWidth)), Math.min(1, Math.max(p, centre + halfWidth))];
}

/** A rate, or `null` when the denominator is 0 (never 0: "no dossiers" is not "none online"). */
export function rate(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Rounds to 4 decimal places, as the rates API publishes ratios. */
export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

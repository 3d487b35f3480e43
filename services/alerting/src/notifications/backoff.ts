/**
 * Delay before attempt `attempts + 1`, after `attempts` failed ones: base × 2^(attempts − 1), capped,
 * with ±20% jitter from `random` so that many notifications failing together do not retry together.
 */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const delay = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.max(0, Math.round(delay * (0.8 + 0.4 * random())));
}

/** SMTP 5xx replies are permanent (no such mailbox, rejected): retrying cannot help. */
export function isPermanentSmtpError(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

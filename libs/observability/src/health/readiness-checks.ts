import type { HealthIndicatorResult } from '@nestjs/terminus';

/** A readiness check of one dependency; each must bound its own time (see `withTimeout`). */
export type ReadinessCheck = () => Promise<HealthIndicatorResult>;

/** Injection token: the service's list of `ReadinessCheck`s, one per dependency. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

export class TimeoutError extends Error {}

/** Rejects when `promise` has not settled in `timeoutMs`, so one hung dependency cannot hang the probe. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

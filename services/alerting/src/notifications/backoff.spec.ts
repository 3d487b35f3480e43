import { isPermanentSmtpError, retryDelayMs } from './backoff';

describe('retry backoff', () => {
  it('doubles from the base up to the cap, with ±20% jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, 1000, 10_000, mid))).toEqual([1000, 2000, 4000, 8000, 10_000]);
    expect(retryDelayMs(1, 1000, 10_000, () => 0)).toBe(800);
    expect(retryDelayMs(1, 1000, 10_000, () => 0.999999)).toBe(1200);
    expect(retryDelayMs(1000, 1000, 10_000, mid)).toBe(10_000);
  });

  it('treats SMTP 5xx as permanent, 4xx and network errors as transient', () => {
    expect(isPermanentSmtpError(Object.assign(new Error('no mailbox'), { responseCode: 550 }))).toBe(true);
    expect(isPermanentSmtpError(Object.assign(new Error('try later'), { responseCode: 451 }))).toBe(false);
    expect(isPermanentSmtpError(new Error('ECONNREFUSED'))).toBe(false);
    expect(isPermanentSmtpError(null)).toBe(false);
  });
});

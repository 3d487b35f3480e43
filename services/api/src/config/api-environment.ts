import { z } from 'zod';
import { docsAccessEnvironment, oidcEnvironment } from '@dvc/auth';
import { checkSecrets, civilDayList, commonEnvironment, httpEnvironment, secretsEnvironment } from '@dvc/config';
import { parseCidrList } from '@dvc/domain';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/**
 * The API's environment: the common variables, HTTP on port 3000, the identity provider (OIDC_*), who may read
 * /metrics and /docs, a bound on query time, the adoption gauges' refresh.
 */
export const apiEnvironment = commonEnvironment.extend({
  ...httpEnvironment(3000).shape,
  ...oidcEnvironment.shape,
  ...docsAccessEnvironment.shape,
  ...secretsEnvironment.shape,
  /** A public aggregate query that runs longer than this is cancelled by PostgreSQL. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** How often the adoption gauges of /metrics are refreshed from PostgreSQL (one set of queries each time). */
  /** The webhook egress rules of the alerting service (same names and meaning), checked when a URL is registered. */
  WEBHOOK_ALLOW_HTTP: booleanFlag.default(false),
  WEBHOOK_ALLOWED_CIDRS: z
    .string()
    .default('')
    .superRefine((value, context) => {
      const parsed = parseCidrList(value);
      if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.problems.join('; ') });
    }),
  /** Requests a minute for each signed-in subject (each peer address without a valid token); 429 beyond. /health is not limited. */
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(600),
  /** Largest JSON or form body, in bytes (413 beyond). */
  API_MAX_BODY_BYTES: z.coerce.number().int().min(1_024).max(10 * 1024 * 1024).default(64 * 1024),
  /**
   * Comma-separated exact origins (scheme://host[:port]) whose pages may call the API from a browser; empty (the
   * default): no cross-origin access at all.
   */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value, context) => {
      const origins = value.split(',').map((item) => item.trim()).filter(Boolean);
      for (const origin of origins) {
        let parsed: URL | null = null;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = null;
        }
        if (!parsed || parsed.origin !== origin) context.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://dvc.hungyen.gov.vn` });
      }
      return origins;
    }),
  /**
   * Days after a period's end during which its indicators stay provisional (late events are still expected); from the
   * day after, the period is final and any later change to it is flagged as a revision.
   */
  INDICATOR_GRACE_DAYS: z.coerce.number().int().min(0).max(366).default(10),
  /**
   * The look ahead's working days are Monday to Friday less these public holidays (Tết, Giỗ Tổ, 30/4, 1/5, 2/9 and
   * the days the government moves each year), plus these Saturdays worked in exchange: comma lists of YYYY-MM-DD,
   * the same calendar as the alerting service's ALERT_HOLIDAYS / ALERT_EXTRA_WORKING_DAYS.
   */
  INDICATOR_HOLIDAYS: civilDayList.default([]),
  INDICATOR_EXTRA_WORKING_DAYS: civilDayList.default([]),
  ADOPTION_METRICS_REFRESH_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /**
   * How long an answer of the heavy read endpoints (rates, indicators, rankings, forecasts) is shared by identical
   * requests of callers with the same scope (src/cache/read-cache.interceptor.ts) before it is refreshed. 0 turns the
   * cache off.
   */
  API_READ_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  /**
   * Stale while revalidate: once an answer is older than the TTL, the next identical read starts its refresh, and
   * reads until the refresh ends get the old answer, provided it was read from the database at most TTL + this
   * long ago (older answers are never served: those reads wait for the refresh). TTL + this is then the most a
   * figure can lag the database by. 0 makes every read after the TTL wait.
   */
  API_READ_CACHE_STALE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** Answers kept at most (least recently used go first). */
  API_READ_CACHE_ENTRIES: z.coerce.number().int().min(1).max(100_000).default(2_000),
}).superRefine(checkSecrets);

export type ApiEnvironment = z.infer<typeof apiEnvironment>;

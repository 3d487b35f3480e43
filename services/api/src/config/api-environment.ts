import { z } from 'zod';
import { docsAccessEnvironment, oidcEnvironment } from '@dvc/auth';
import { commonEnvironment, httpEnvironment } from '@dvc/config';
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
  ADOPTION_METRICS_REFRESH_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
});

export type ApiEnvironment = z.infer<typeof apiEnvironment>;

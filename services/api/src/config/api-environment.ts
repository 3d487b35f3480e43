import { z } from 'zod';
import { commonEnvironment, httpEnvironment } from '@dvc/config';

/** The API's environment: the common variables, HTTP on port 3000, and a bound on query time. */
export const apiEnvironment = commonEnvironment.extend({
  ...httpEnvironment(3000).shape,
  /** A public aggregate query that runs longer than this is cancelled by PostgreSQL. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
});

export type ApiEnvironment = z.infer<typeof apiEnvironment>;

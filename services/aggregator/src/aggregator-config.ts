import { z } from 'zod';
import { checkKafkaSecurity, commonEnvironment, httpEnvironment } from '@dvc/config';

export const aggregatorEnvironment = commonEnvironment.extend(httpEnvironment(3002).shape).extend({
  AGGREGATOR_GROUP_ID: z.string().min(1).default('dvc-aggregator'),
  /** Partitions whose batches are applied at the same time (each in its own transaction). */
  AGGREGATOR_PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Upper bound of what one fetch brings per partition, hence of one transaction's size. */
  AGGREGATOR_MAX_BYTES_PER_PARTITION: z.coerce.number().int().min(64 * 1024).default(2 * 1024 * 1024),
}).superRefine(checkKafkaSecurity);

export type AggregatorConfig = z.infer<typeof aggregatorEnvironment>;

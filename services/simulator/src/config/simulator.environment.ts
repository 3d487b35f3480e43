import { z } from 'zod';
import { checkKafkaSecurity, commonEnvironment, httpEnvironment, validateEnvironment } from '@dvc/config';

const share = z.coerce.number().min(0).max(1);

/** Every variable the simulator reads, whatever the command; a bad one stops it with all problems listed. */
export const simulatorEnvironment = commonEnvironment
  .extend(httpEnvironment(3003).shape)
  .extend({
    /** Statistics office code of the province played (34 after the 2025 reform); 33 is Hưng Yên. */
    SIMULATOR_PROVINCE_CODE: z.string().regex(/^\d{2}$/, 'must be a 2-digit province code, e.g. 33').default('33'),
    /** Same seed, same province and events; live streaming defaults to a time-based seed. */
    SIMULATOR_SEED: z.coerce.number().int().min(0).max(4_294_967_295).optional(),
    /** Live events per second. */
    SIMULATOR_RATE: z.coerce.number().positive().max(100_000).default(20),
    /** Where `stream` sends: Kafka, the ingest HTTP endpoint, or an NDJSON file. */
    SIMULATOR_SINK: z.enum(['kafka', 'http', 'file']).default('kafka'),
    SIMULATOR_FILE: z.string().min(1).default('simulator-events.ndjson'),
    SIMULATOR_HTTP_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3001/v1/events'),
    SIMULATOR_API_KEY: z.string().min(1).optional(),
    /** Events per HTTP request (ingest accepts up to 1,000 by default). */
    SIMULATOR_HTTP_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
    /** Share of Kafka messages in the CloudEvents binary mode (the rest structured). */
    SIMULATOR_BINARY_SHARE: share.default(0.1),
    SIMULATOR_DUPLICATE_RATE: share.default(0.01),
    SIMULATOR_CORRECTION_RATE: share.default(0.005),
    SIMULATOR_OUT_OF_ORDER_RATE: share.default(0.01),
    SIMULATOR_INVALID_RATE: share.default(0),
    /** Share of procedure × agency pairs offered online that never receive an online dossier. */
    SIMULATOR_NEVER_ONLINE_SHARE: share.default(0.15),
    /** Live only: simulated processing time per real time (1440: a working day passes in about a minute). */
    SIMULATOR_TIME_SCALE: z.coerce.number().min(1).max(1_000_000).default(1440),
  })
  .superRefine((env, context) => {
    if (env.SIMULATOR_SINK === 'http' && env.SIMULATOR_API_KEY === undefined) {
      context.addIssue({ code: 'custom', path: ['SIMULATOR_API_KEY'], message: 'is required when SIMULATOR_SINK=http' });
    }
  })
  .superRefine(checkKafkaSecurity);

export type SimulatorConfig = z.infer<typeof simulatorEnvironment>;

/** For the commands that run without Nest: throws with every bad variable listed. */
export function loadSimulatorConfig(environment: Record<string, unknown> = process.env): SimulatorConfig {
  return validateEnvironment(simulatorEnvironment)(environment);
}

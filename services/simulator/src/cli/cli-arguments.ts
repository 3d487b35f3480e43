import { parseArgs } from 'node:util';
import { z } from 'zod';

export const USAGE = `Usage: node dist/services/simulator/src/main.js <command> [options]

  stream                       (default) live events at SIMULATOR_RATE/s to SIMULATOR_SINK, until SIGTERM/SIGINT
  generate --out FILE --dossiers N [--seed S] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--province CODE]
                               a historical period as NDJSON, one structured event per line
  replay --file FILE [--rate N|max] [--topic T] [--batch N]
                               an NDJSON file into Kafka (TOPIC_DOSSIER_EVENTS by default), keyed by subject

Configuration comes from the environment (see services/simulator/README.md); options override it.`;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

const generateSchema = z.object({
  out: z.string({ error: 'is required: the NDJSON file to write' }).min(1),
  dossiers: z.coerce.number({ error: 'is required: a whole number of dossiers' }).int().min(1).max(1_000_000_000),
  seed: z.coerce.number().int().min(0).max(4_294_967_295).optional(),
  from: day.default('2025-01-01'),
  to: day.default('2025-12-31'),
  province: z.string().regex(/^\d{2}$/, 'must be a 2-digit province code').optional(),
});

const replaySchema = z.object({
  file: z.string({ error: 'is required: the NDJSON file to replay' }).min(1),
  rate: z.union([z.literal('max'), z.coerce.number().positive()]).default('max'),
  topic: z.string().min(1).optional(),
  batch: z.coerce.number().int().min(1).max(100_000).default(2_000),
});

export type GenerateArguments = z.infer<typeof generateSchema>;
export type ReplayArguments = z.infer<typeof replaySchema>;

export type Command =
  | { name: 'stream' }
  | { name: 'generate'; args: GenerateArguments }
  | { name: 'replay'; args: ReplayArguments }
  | { name: 'help' };

export class UsageError extends Error {}

/** Parses argv (without `node` and the script) into a validated command; every problem is listed at once. */
export function parseCommand(argv: string[]): Command {
  const [first, ...rest] = argv;
  const name = first === undefined || first.startsWith('-') ? 'stream' : first;
  const options = first === undefined || first.startsWith('-') ? argv : rest;
  if (name === 'help' || options.includes('--help') || options.includes('-h')) return { name: 'help' };
  switch (name) {
    case 'stream':
      parse(options, {});
      return { name };
    case 'generate':
      return { name, args: validate(generateSchema, parse(options, stringOptions('out', 'dossiers', 'seed', 'from', 'to', 'province'))) };
    case 'replay':
      return { name, args: validate(replaySchema, parse(options, stringOptions('file', 'rate', 'topic', 'batch'))) };
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

function stringOptions(...names: string[]): Record<string, { type: 'string' }> {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
}

function parse(args: string[], options: Record<string, { type: 'string' }>): Record<string, unknown> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function validate<S extends z.ZodType>(schema: S, values: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  throw new UsageError(result.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('\n'));
}

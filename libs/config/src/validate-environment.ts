import { z } from 'zod';

/**
 * Turns a zod schema of environment variables into the `validate` function of `ConfigModule`: the
 * process stops at start-up with every wrong or missing variable listed, not just the first.
 */
export function validateEnvironment<Schema extends z.ZodType>(schema: Schema) {
  return (environment: Record<string, unknown>): z.infer<Schema> => {
    const result = schema.safeParse(environment);
    if (result.success) return result.data;
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new Error(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.join('\n')}`);
  };
}

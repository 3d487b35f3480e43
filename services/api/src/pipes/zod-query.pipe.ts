import { BadRequestException, PipeTransform } from '@nestjs/common';
import { z } from 'zod';

/**
 * Validates a whole query string against one zod object schema (optionally piped into a transform).
 * Anything the schema does not name is refused, as is a parameter given twice, so a typo never
 * silently widens a query. Every 400 says `<param>: <what is wrong and what is allowed>`.
 */
export class ZodQueryPipe<Output> implements PipeTransform<unknown, Output> {
  private readonly names: string[];

  constructor(private readonly schema: z.ZodType<Output>) {
    this.names = parameterNames(schema);
  }

  transform(query: unknown): Output {
    return parseQuery(this.schema, this.names, query);
  }
}

export function parseQuery<Output>(schema: z.ZodType<Output>, names: readonly string[], query: unknown): Output {
  const params = (query ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(params)) {
    if (!names.includes(name)) throw new BadRequestException(`${name}: unknown parameter; allowed: ${names.join(', ')}`);
    if (typeof value !== 'string') throw new BadRequestException(`${name}: give it once, as a plain value`);
  }
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  throw new BadRequestException(result.error.issues.map((issue) => `${String(issue.path[0] ?? 'query')}: ${issue.message}`).join('; '));
}

function parameterNames(schema: z.ZodType): string[] {
  const object = schema instanceof z.ZodPipe ? schema.in : schema;
  if (!(object instanceof z.ZodObject)) throw new TypeError('ZodQueryPipe needs an object schema');
  return Object.keys(object.shape);
}

import { BadRequestException, PipeTransform } from '@nestjs/common';
import { z } from 'zod';

/**
 * Validates a JSON request body against a zod schema. Every 400 names where the problem is, as a
 * dotted path (`scope.agencyCode: ...`), or `body` for the body as a whole; each unknown property is
 * named on its own (`scope.colour: unknown property; ...`).
 */
export class ZodBodyPipe<Output> implements PipeTransform<unknown, Output> {
  constructor(private readonly schema: z.ZodType<Output>) {}

  transform(body: unknown): Output {
    const result = this.schema.safeParse(body);
    if (result.success) return result.data;
    throw new BadRequestException(bodyProblems(result.error.issues).join('; '));
  }
}

export function bodyProblems(issues: readonly z.core.$ZodIssue[]): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    const keys =
      issue.code === 'unrecognized_keys' ? issue.keys : ((issue as { params?: { keys?: string[] } }).params?.keys ?? null);
    const paths = keys ? keys.map((key) => [...issue.path, key]) : [issue.path];
    for (const path of paths) problems.push(`${path.length ? path.map(String).join('.') : 'body'}: ${issue.message}`);
  }
  return problems;
}

import { z } from 'zod';
import { codeParam, enumParam, limitParam, singleKeyCursorParam } from './query-params';

export const AGENCY_LEVELS = ['ministry', 'province', 'department', 'district', 'commune', 'other'] as const;

export const agenciesQuerySchema = z.object({
  level: enumParam(AGENCY_LEVELS).optional(),
  parentCode: codeParam.optional(),
  limit: limitParam,
  cursor: singleKeyCursorParam,
});

export type AgenciesQuery = z.output<typeof agenciesQuerySchema>;

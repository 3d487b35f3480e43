import { z } from 'zod';
import { codeParam, enumParam, limitParam, singleKeyCursorParam } from './query-params';

export const AGENCY_LEVELS = ['ministry', 'province', 'department', 'district', 'commune', 'other'] as const;

export const agenciesQuerySchema = z.object({
  level: enumParam(AGENCY_LEVELS).optional().meta({ description: 'Cấp (level)' }),
  parentCode: codeParam.optional().meta({ description: 'Only the direct children of this agency' }),
  limit: limitParam,
  cursor: singleKeyCursorParam,
});

export type AgenciesQuery = z.output<typeof agenciesQuerySchema>;

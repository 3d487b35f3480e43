import { z } from 'zod';
import { enumParam, limitParam, singleKeyCursorParam } from './query-params';

export const ONLINE_LEVELS = ['full', 'partial', 'none'] as const;

export const proceduresQuerySchema = z.object({
  sector: z
    .string()
    .min(1, 'must not be empty; give the exact sector name')
    .max(256, 'must be at most 256 characters')
    .optional()
    .meta({ description: 'Lĩnh vực (exact sector name)' }),
  onlineLevel: enumParam(ONLINE_LEVELS).optional().meta({ description: 'Mức độ trực tuyến: full (toàn trình), partial (một phần), none' }),
  limit: limitParam,
  cursor: singleKeyCursorParam,
});

export type ProceduresQuery = z.output<typeof proceduresQuerySchema>;

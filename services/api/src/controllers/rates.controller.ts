import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { ReadCacheInterceptor } from '../cache/read-cache.interceptor';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { PERIOD_KINDS } from '@dvc/domain';
import { ErrorDto } from '../dtos/error.dto';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../dtos/query-params';
import { RatesPageDto } from '../dtos/rate-item.dto';
import { GROUP_KEYS, RatesQuery, ratesQuerySchema } from '../dtos/rates-query.dto';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { RatesService } from '../services/rates.service';

const LABEL_HELP = 'Nhãn kỳ (period label), inclusive: 2025-03-01, 2025-03, 2025-Q1 or 2025';

@ApiTags('rates')
@Controller('v1/rates')
export class RatesController {
  constructor(private readonly ratesService: RatesService) {}

  @Get()
  @RequirePermission('rates:read')
  @ApiOperation({
    summary: 'Tỷ lệ hồ sơ trực tuyến và đúng hạn theo kỳ (online submission and on-time rates per period)',
    description:
      'Sums of the daily buckets per calendar period in Asia/Ho_Chi_Minh, optionally grouped by agency, procedure and sector. ' +
      'Only periods × groups with activity appear. A rate whose denominator is 0 is null, never 0. Only the agencies of ' +
      'your scope (the agency subtrees of your token) are counted: a total is the total of what you may see, and an ' +
      'agency filter outside your scope gives no items.',
  })
  @ApiQuery({ name: 'period', required: false, enum: PERIOD_KINDS, description: 'Loại kỳ (period kind); default month' })
  @ApiQuery({ name: 'from', required: false, type: String, description: `${LABEL_HELP}; its first day. No lower bound when absent` })
  @ApiQuery({ name: 'to', required: false, type: String, description: `${LABEL_HELP}; its last day. No upper bound when absent` })
  @ApiQuery({
    name: 'groupBy',
    required: false,
    type: String,
    description: `Comma list of ${GROUP_KEYS.join(', ')}; empty for one total per period`,
    example: 'agency,procedure',
  })
  @ApiQuery({ name: 'agency', required: false, type: String, description: 'Mã cơ quan (exact agency code)' })
  @ApiQuery({
    name: 'subtree',
    required: false,
    enum: ['true', 'false'],
    description: 'true: the agency with all its descendants (needs agency)',
  })
  @ApiQuery({ name: 'procedure', required: false, type: String, description: 'Mã thủ tục (exact procedure code)' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `Items per page, 1–${MAX_LIMIT}; default ${DEFAULT_LIMIT}` })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'The nextCursor of the previous page' })
  @ApiOkResponse({ type: RatesPageDto })
  @UseInterceptors(ReadCacheInterceptor)
  @ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is wrong; the message names it and what is allowed' })
  findRates(@CurrentPrincipal() principal: Principal, @Query(new ZodQueryPipe(ratesQuerySchema)) query: RatesQuery): Promise<RatesPageDto> {
    return this.ratesService.findRates(query, principal.scope);
  }
}

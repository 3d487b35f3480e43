import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { PERIOD_KINDS } from '@dvc/domain';
import { ErrorDto } from '../dtos/error.dto';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../dtos/query-params';
import { ZeroUptakePageDto } from '../dtos/zero-uptake.dto';
import { DEFAULT_MIN_RECEIVED, ZeroUptakeQuery, zeroUptakeQuerySchema } from '../dtos/zero-uptake-query.dto';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { ZeroUptakeService } from '../services/zero-uptake.service';

const LABEL_HELP = 'Nhãn kỳ (period label), inclusive: 2025-03-01, 2025-03, 2025-Q1 or 2025';

@ApiTags('zero-uptake')
@Controller('v1/zero-uptake')
export class ZeroUptakeController {
  constructor(private readonly zeroUptakeService: ZeroUptakeService) {}

  @Get()
  @RequirePermission('rates:read')
  @ApiOperation({
    summary: 'Dịch vụ công trực tuyến không phát sinh hồ sơ trực tuyến (zero-uptake services)',
    description:
      'Agency × procedure pairs, per calendar period (Asia/Ho_Chi_Minh), where the procedure is offered online (online level ' +
      'full or partial, as the catalogue says now) and at least minReceived dossiers were received in the period, but not one ' +
      'online. The daily buckets are summed as in GET /v1/rates. Procedures not in the catalogue are left out (their online ' +
      'level is unknown). Only agencies of your scope.',
  })
  @ApiQuery({ name: 'period', required: false, enum: PERIOD_KINDS, description: 'Loại kỳ (period kind); default month' })
  @ApiQuery({ name: 'from', required: false, type: String, description: `${LABEL_HELP}; its first day. No lower bound when absent` })
  @ApiQuery({ name: 'to', required: false, type: String, description: `${LABEL_HELP}; its last day. No upper bound when absent` })
  @ApiQuery({ name: 'agency', required: false, type: String, description: 'Mã cơ quan (exact agency code)' })
  @ApiQuery({ name: 'subtree', required: false, enum: ['true', 'false'], description: 'true: the agency with all its descendants (needs agency)' })
  @ApiQuery({ name: 'minReceived', required: false, type: Number, description: `Dossiers received at least; default ${DEFAULT_MIN_RECEIVED}` })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `Items per page, 1–${MAX_LIMIT}; default ${DEFAULT_LIMIT}` })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'The nextCursor of the previous page' })
  @ApiOkResponse({ type: ZeroUptakePageDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is wrong; the message names it and what is allowed' })
  findZeroUptake(@CurrentPrincipal() principal: Principal, @Query(new ZodQueryPipe(zeroUptakeQuerySchema)) query: ZeroUptakeQuery): Promise<ZeroUptakePageDto> {
    return this.zeroUptakeService.findZeroUptake(query, principal.scope);
  }
}

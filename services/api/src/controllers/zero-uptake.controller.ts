import { Controller, Get } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ErrorDto } from '../dtos/error.dto';
import { ZeroUptakePageDto } from '../dtos/zero-uptake.dto';
import { ZeroUptakeQuery, zeroUptakeQuerySchema } from '../dtos/zero-uptake-query.dto';
import { ZodQuery } from '../pipes/zod-request';
import { ZeroUptakeService } from '../services/zero-uptake.service';

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
  @ApiOkResponse({ type: ZeroUptakePageDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is wrong; the message names it and what is allowed' })
  findZeroUptake(@CurrentPrincipal() principal: Principal, @ZodQuery(zeroUptakeQuerySchema) query: ZeroUptakeQuery): Promise<ZeroUptakePageDto> {
    return this.zeroUptakeService.findZeroUptake(query, principal.scope);
  }
}

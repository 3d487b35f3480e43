import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { ReadCacheInterceptor } from '../cache/read-cache.interceptor';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ErrorDto } from '../dtos/error.dto';
import { RatesPageDto } from '../dtos/rate-item.dto';
import { RatesQuery, ratesQuerySchema } from '../dtos/rates-query.dto';
import { ZodQuery } from '../pipes/zod-request';
import { RatesService } from '../services/rates.service';

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
  @ApiOkResponse({ type: RatesPageDto })
  @UseInterceptors(ReadCacheInterceptor)
  @ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is wrong; the message names it and what is allowed' })
  findRates(@CurrentPrincipal() principal: Principal, @ZodQuery(ratesQuerySchema) query: RatesQuery): Promise<RatesPageDto> {
    return this.ratesService.findRates(query, principal.scope);
  }
}

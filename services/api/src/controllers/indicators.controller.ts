import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { ReadCacheInterceptor } from '../cache/read-cache.interceptor';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ErrorDto } from '../dtos/error.dto';
import { ForecastDto, IndicatorsAnswerDto, RankingDto } from '../dtos/indicators.dto';
import {
  ForecastQuery,
  forecastQuerySchema,
  IndicatorsQuery,
  indicatorsQuerySchema,
  RankingQuery,
  rankingQuerySchema,
} from '../dtos/indicators-query.dto';
import { ZodQuery } from '../pipes/zod-request';
import { IndicatorsService } from '../services/indicators.service';

@ApiTags('indicators')
@Controller('v1')
export class IndicatorsController {
  constructor(private readonly indicatorsService: IndicatorsService) {}

  @Get('indicators')
  @RequirePermission('rates:read')
  @ApiOperation({
    summary: 'Bộ chỉ số quốc gia (the national indicators) of one period',
    description:
      '3.3 online submission, full-online, 2.1 on-time resolution (completed on time + in progress within the deadline at the ' +
      'end of the period, over completed + in progress), 2.2 average resolution days, 3.6 online payment (over dossiers received ' +
      'in the period that were paid), 3.1 procedures offered online and the share of online services used, each with its formula ' +
      'version, numerator and denominator; null without a denominator. The period is provisional while it runs and for ' +
      'INDICATOR_GRACE_DAYS after, then final; a final period changed later is flagged revisedAfterFinal. Only your scope counts.',
  })
  @ApiOkResponse({ type: IndicatorsAnswerDto })
  @UseInterceptors(ReadCacheInterceptor)
  @ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is wrong; the message names it and what is allowed' })
  indicators(@CurrentPrincipal() principal: Principal, @ZodQuery(indicatorsQuerySchema) query: IndicatorsQuery): Promise<IndicatorsAnswerDto> {
    return this.indicatorsService.indicators(query, principal);
  }

  @Get('rankings')
  @RequirePermission('rates:read')
  @ApiOperation({
    summary: 'Xếp hạng cơ quan cùng cấp (ranking among peers: same level, same parent)',
    description:
      'Each peer is its whole subtree. Competition ranks on exact fractions, median and 75th percentile of the ranked rates, ' +
      'rank change against the previous period, the gap to the next rank in dossiers. Peers outside your scope are counted ' +
      'but shown by rank and rate only (no code, name or counts). 404 when the agency or parent is not in your scope.',
  })
  @ApiOkResponse({ type: RankingDto })
  @UseInterceptors(ReadCacheInterceptor)
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  ranking(@CurrentPrincipal() principal: Principal, @ZodQuery(rankingQuerySchema) query: RankingQuery): Promise<RankingDto> {
    return this.indicatorsService.ranking(query, principal);
  }

  @Get('forecasts')
  @RequirePermission('rates:read')
  @ApiOperation({
    summary: 'Dự báo tỷ lệ hồ sơ trực tuyến (look ahead) for the running month, quarter and year',
    description:
      'Where the online submission rate ends if dossiers keep arriving at the present pace per working day (with a 95% ' +
      'interval), and how many online dossiers per working day the rest of the period needs to reach the effective ' +
      'onlineRate target (warning, else critical). Working days are Monday to Friday, less the public holidays of INDICATOR_HOLIDAYS and plus the Saturdays of INDICATOR_EXTRA_WORKING_DAYS.',
  })
  @ApiOkResponse({ type: ForecastDto })
  @UseInterceptors(ReadCacheInterceptor)
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  forecast(@CurrentPrincipal() principal: Principal, @ZodQuery(forecastQuerySchema) query: ForecastQuery): Promise<ForecastDto> {
    return this.indicatorsService.forecast(query, principal);
  }
}

import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { ReadCacheInterceptor } from '../cache/read-cache.interceptor';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ErrorDto } from '../dtos/error.dto';
import { ForecastDto, IndicatorsAnswerDto, RankingDto } from '../dtos/indicators.dto';
import {
  ForecastQuery,
  forecastQuerySchema,
  IndicatorsQuery,
  indicatorsQuerySchema,
  RANKABLE_INDICATORS,
  RankingQuery,
  rankingQuerySchema,
} from '../dtos/indicators-query.dto';
import { GROUP_KEYS } from '../dtos/rates-query.dto';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { IndicatorsService } from '../services/indicators.service';

const PERIOD_HELP = 'Kỳ (one period label): 2025-03-01, 2025-03, 2025-Q1 or 2025';

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
  @ApiQuery({ name: 'period', required: true, type: String, description: PERIOD_HELP })
  @ApiQuery({ name: 'agency', required: false, type: String, description: 'Mã cơ quan: only this agency (with subtree=true, and its descendants)' })
  @ApiQuery({ name: 'subtree', required: false, enum: ['true', 'false'], description: 'true: the agency with all its descendants (needs agency)' })
  @ApiQuery({ name: 'groupBy', required: false, enum: GROUP_KEYS, description: 'One item per agency, procedure or sector; one total when absent' })
  @ApiOkResponse({ type: IndicatorsAnswerDto })
  @UseInterceptors(ReadCacheInterceptor)
  @ApiBadRequestResponse({ type: ErrorDto, description: 'A parameter is wrong; the message names it and what is allowed' })
  indicators(@CurrentPrincipal() principal: Principal, @Query(new ZodQueryPipe(indicatorsQuerySchema)) query: IndicatorsQuery): Promise<IndicatorsAnswerDto> {
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
  @ApiQuery({ name: 'period', required: true, type: String, description: PERIOD_HELP })
  @ApiQuery({ name: 'indicator', required: false, enum: RANKABLE_INDICATORS, description: 'Default onlineSubmission' })
  @ApiQuery({ name: 'agency', required: false, type: String, description: 'Rank this agency among its peers' })
  @ApiQuery({ name: 'parent', required: false, type: String, description: 'Rank the children of this agency (instead of agency)' })
  @ApiOkResponse({ type: RankingDto })
  @UseInterceptors(ReadCacheInterceptor)
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  ranking(@CurrentPrincipal() principal: Principal, @Query(new ZodQueryPipe(rankingQuerySchema)) query: RankingQuery): Promise<RankingDto> {
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
  @ApiQuery({ name: 'agency', required: true, type: String, description: 'Mã cơ quan (in your scope; 404 otherwise)' })
  @ApiQuery({ name: 'subtree', required: false, enum: ['true', 'false'], description: 'true: with all its descendants' })
  @ApiOkResponse({ type: ForecastDto })
  @UseInterceptors(ReadCacheInterceptor)
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  forecast(@CurrentPrincipal() principal: Principal, @Query(new ZodQueryPipe(forecastQuerySchema)) query: ForecastQuery): Promise<ForecastDto> {
    return this.indicatorsService.forecast(query, principal);
  }
}

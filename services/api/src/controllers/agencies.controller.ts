import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { AGENCY_LEVELS, AgenciesQuery, agenciesQuerySchema } from '../dtos/agencies-query.dto';
import { AgenciesPageDto, AgencyDto } from '../dtos/agency.dto';
import { ErrorDto } from '../dtos/error.dto';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../dtos/query-params';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { AgenciesService } from '../services/agencies.service';

@ApiTags('agencies')
@Controller('v1/agencies')
export class AgenciesController {
  constructor(private readonly agenciesService: AgenciesService) {}

  @Get()
  @RequirePermission('rates:read')
  @ApiOperation({ summary: 'Danh mục cơ quan (agencies seen in the events, within your scope), by code' })
  @ApiQuery({ name: 'level', required: false, enum: AGENCY_LEVELS, description: 'Cấp (level)' })
  @ApiQuery({ name: 'parentCode', required: false, type: String, description: 'Only the direct children of this agency' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `Items per page, 1–${MAX_LIMIT}; default ${DEFAULT_LIMIT}` })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'The nextCursor of the previous page' })
  @ApiOkResponse({ type: AgenciesPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findAgencies(@CurrentPrincipal() principal: Principal, @Query(new ZodQueryPipe(agenciesQuerySchema)) query: AgenciesQuery): Promise<AgenciesPageDto> {
    return this.agenciesService.findAgencies(query, principal.scope);
  }

  @Get(':code')
  @RequirePermission('rates:read')
  @ApiOperation({ summary: 'Một cơ quan (one agency), with its parent and number of children' })
  @ApiOkResponse({ type: AgencyDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown, or outside your scope' })
  getAgency(@CurrentPrincipal() principal: Principal, @Param('code') code: string): Promise<AgencyDto> {
    return this.agenciesService.getAgency(code, principal.scope);
  }
}

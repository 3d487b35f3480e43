import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { AgenciesQuery, agenciesQuerySchema } from '../dtos/agencies-query.dto';
import { AgenciesPageDto, AgencyDto } from '../dtos/agency.dto';
import { ErrorDto } from '../dtos/error.dto';
import { ZodQuery } from '../pipes/zod-request';
import { AgenciesService } from '../services/agencies.service';

@ApiTags('agencies')
@Controller('v1/agencies')
export class AgenciesController {
  constructor(private readonly agenciesService: AgenciesService) {}

  @Get()
  @RequirePermission('rates:read')
  @ApiOperation({ summary: 'Danh mục cơ quan (agencies seen in the events, within your scope), by code' })
  @ApiOkResponse({ type: AgenciesPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findAgencies(@CurrentPrincipal() principal: Principal, @ZodQuery(agenciesQuerySchema) query: AgenciesQuery): Promise<AgenciesPageDto> {
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

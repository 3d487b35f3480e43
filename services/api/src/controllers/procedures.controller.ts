import { RequirePermission } from '@dvc/auth';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorDto } from '../dtos/error.dto';
import { ProcedureDto, ProceduresPageDto } from '../dtos/procedure.dto';
import { ProceduresQuery, proceduresQuerySchema } from '../dtos/procedures-query.dto';
import { ZodQuery } from '../pipes/zod-request';
import { ProceduresService } from '../services/procedures.service';

@ApiTags('procedures')
@Controller('v1/procedures')
export class ProceduresController {
  constructor(private readonly proceduresService: ProceduresService) {}

  @Get()
  @RequirePermission('catalogue:read')
  @ApiOperation({ summary: 'Danh mục thủ tục hành chính (procedures seen in the events), by code' })
  @ApiOkResponse({ type: ProceduresPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findProcedures(@ZodQuery(proceduresQuerySchema) query: ProceduresQuery): Promise<ProceduresPageDto> {
    return this.proceduresService.findProcedures(query);
  }

  @Get(':code')
  @RequirePermission('catalogue:read')
  @ApiOperation({ summary: 'Một thủ tục (one procedure)' })
  @ApiOkResponse({ type: ProcedureDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  getProcedure(@Param('code') code: string): Promise<ProcedureDto> {
    return this.proceduresService.getProcedure(code);
  }
}

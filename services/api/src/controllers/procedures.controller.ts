import { RequirePermission } from '@dvc/auth';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ErrorDto } from '../dtos/error.dto';
import { ProcedureDto, ProceduresPageDto } from '../dtos/procedure.dto';
import { ONLINE_LEVELS, ProceduresQuery, proceduresQuerySchema } from '../dtos/procedures-query.dto';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../dtos/query-params';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { ProceduresService } from '../services/procedures.service';

@ApiTags('procedures')
@Controller('v1/procedures')
export class ProceduresController {
  constructor(private readonly proceduresService: ProceduresService) {}

  @Get()
  @RequirePermission('catalogue:read')
  @ApiOperation({ summary: 'Danh mục thủ tục hành chính (procedures seen in the events), by code' })
  @ApiQuery({ name: 'sector', required: false, type: String, description: 'Lĩnh vực (exact sector name)' })
  @ApiQuery({ name: 'onlineLevel', required: false, enum: ONLINE_LEVELS, description: 'Mức độ trực tuyến: full (toàn trình), partial (một phần), none' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `Items per page, 1–${MAX_LIMIT}; default ${DEFAULT_LIMIT}` })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'The nextCursor of the previous page' })
  @ApiOkResponse({ type: ProceduresPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findProcedures(@Query(new ZodQueryPipe(proceduresQuerySchema)) query: ProceduresQuery): Promise<ProceduresPageDto> {
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

import { Controller, Get, Header, Res, StreamableFile } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ErrorDto } from '../dtos/error.dto';
import { IndicatorsQuery, reportQuerySchema } from '../dtos/indicators-query.dto';
import { ZodQuery } from '../pipes/zod-request';
import { reportTable, toCsv, toXlsx } from '../services/indicator-reports';
import { IndicatorsService } from '../services/indicators.service';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DESCRIPTION =
  'The indicators of one period as a table: one row per agency of the selection (agency with subtree=true for a whole ' +
  'subtree; your whole scope without agency), then the total. Headings in Vietnamese (English in brackets); each ' +
  'indicator as value, numerator and denominator; the period status (tạm tính / chính thức) and the formula versions.';

@ApiTags('reports')
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly indicatorsService: IndicatorsService) {}

  @Get('indicators.csv')
  @RequirePermission('reports:export')
  @ApiOperation({ summary: 'Báo cáo chỉ số (CSV, UTF-8 with BOM)', description: DESCRIPTION })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'The CSV file' })
  @ApiBadRequestResponse({ type: ErrorDto })
  @Header('Content-Type', 'text/csv; charset=utf-8')
  async csv(
    @CurrentPrincipal() principal: Principal,
    @ZodQuery(reportQuerySchema) query: IndicatorsQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const { table, fileName } = await this.table(query, principal);
    response.setHeader('Content-Disposition', `attachment; filename="${fileName}.csv"`);
    return new StreamableFile(toCsv(table));
  }

  @Get('indicators.xlsx')
  @RequirePermission('reports:export')
  @ApiOperation({ summary: 'Báo cáo chỉ số (Excel workbook)', description: DESCRIPTION })
  @ApiProduces(XLSX_TYPE)
  @ApiOkResponse({ description: 'The XLSX file' })
  @ApiBadRequestResponse({ type: ErrorDto })
  @Header('Content-Type', XLSX_TYPE)
  async xlsx(
    @CurrentPrincipal() principal: Principal,
    @ZodQuery(reportQuerySchema) query: IndicatorsQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const { table, fileName, title } = await this.table(query, principal);
    response.setHeader('Content-Disposition', `attachment; filename="${fileName}.xlsx"`);
    return new StreamableFile(await toXlsx(table, title));
  }

  private async table(query: IndicatorsQuery, principal: Principal) {
    const [byAgency, total] = await Promise.all([
      this.indicatorsService.indicators(query, principal),
      this.indicatorsService.indicators({ ...query, groupBy: null }, principal),
    ]);
    const scopeName = query.agency ? (total.items[0]?.agencyName ?? query.agency) : 'phạm vi của bạn (your scope)';
    const table = reportTable(byAgency, total, `Tổng cộng (total): ${scopeName}`);
    // Codes hold only [0-9A-Za-z.]; anything else is replaced so the header stays a plain token.
    const fileName = `bao-cao-chi-so-${byAgency.period}${query.agency ? `-${query.agency}` : ''}`.replace(/[^0-9A-Za-z.-]/g, '_');
    return { table, fileName, title: `Báo cáo chỉ số dịch vụ công trực tuyến — kỳ ${byAgency.period} — ${scopeName}` };
  }
}

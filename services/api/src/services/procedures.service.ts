import { Injectable, NotFoundException } from '@nestjs/common';
import type { ProcedureDto } from '../dtos/procedure.dto';
import type { ProceduresQuery } from '../dtos/procedures-query.dto';
import { ProceduresRepository } from '../repositories/procedures.repository';
import { Page, toPage } from '../utils/page.util';

@Injectable()
export class ProceduresService {
  constructor(private readonly proceduresRepository: ProceduresRepository) {}

  async findProcedures(query: ProceduresQuery): Promise<Page<ProcedureDto>> {
    const rows = await this.proceduresRepository.find({
      sector: query.sector ?? null,
      onlineLevel: query.onlineLevel ?? null,
      afterCode: query.cursor,
      limit: query.limit + 1,
    });
    return toPage(rows, query.limit, (row) => [row.code], (row) => row);
  }

  async getProcedure(code: string): Promise<ProcedureDto> {
    const procedure = await this.proceduresRepository.findOne(code);
    if (!procedure) throw new NotFoundException(`procedure ${JSON.stringify(code)} is not known`);
    return procedure;
  }
}

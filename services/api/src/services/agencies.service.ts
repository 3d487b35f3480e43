import { Injectable, NotFoundException } from '@nestjs/common';
import type { AgenciesQuery } from '../dtos/agencies-query.dto';
import type { AgencyDto } from '../dtos/agency.dto';
import { AgenciesRepository } from '../repositories/agencies.repository';
import { Page, toPage } from '../utils/page.util';

@Injectable()
export class AgenciesService {
  constructor(private readonly agenciesRepository: AgenciesRepository) {}

  async findAgencies(query: AgenciesQuery): Promise<Page<AgencyDto>> {
    const rows = await this.agenciesRepository.find({
      level: query.level ?? null,
      parentCode: query.parentCode ?? null,
      afterCode: query.cursor,
      limit: query.limit + 1,
    });
    return toPage(rows, query.limit, (row) => [row.code], (row) => row);
  }

  async getAgency(code: string): Promise<AgencyDto> {
    const agency = await this.agenciesRepository.findOne(code);
    if (!agency) throw new NotFoundException(`agency ${JSON.stringify(code)} is not known`);
    return agency;
  }
}

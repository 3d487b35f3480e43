import { Injectable, NotFoundException } from '@nestjs/common';
import type { AgencyScope } from '@dvc/domain';
import type { AgenciesQuery } from '../dtos/agencies-query.dto';
import type { AgencyDto } from '../dtos/agency.dto';
import { AgenciesRepository } from '../repositories/agencies.repository';
import { Page, toPage } from '../utils/page.util';

@Injectable()
export class AgenciesService {
  constructor(private readonly agenciesRepository: AgenciesRepository) {}

  async findAgencies(query: AgenciesQuery, scope: AgencyScope): Promise<Page<AgencyDto>> {
    const rows = await this.agenciesRepository.find({
      level: query.level ?? null,
      parentCode: query.parentCode ?? null,
      afterCode: query.cursor,
      limit: query.limit + 1,
      scopeRoots: scope.agencyRoots,
    });
    return toPage(rows, query.limit, (row) => [row.code], (row) => row);
  }

  /** Out of scope reads as unknown: the caller learns nothing about agencies it may not see. */
  async getAgency(code: string, scope: AgencyScope): Promise<AgencyDto> {
    const agency = await this.agenciesRepository.findOne(code, scope.agencyRoots);
    if (!agency) throw new NotFoundException(`agency ${JSON.stringify(code)} is not known`);
    return agency;
  }
}

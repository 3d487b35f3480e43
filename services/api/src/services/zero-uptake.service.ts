import { Injectable } from '@nestjs/common';
import type { AgencyScope } from '@dvc/domain';
import type { ZeroUptakeItemDto } from '../dtos/zero-uptake.dto';
import { ZeroUptakeQuery, zeroUptakeSortKey } from '../dtos/zero-uptake-query.dto';
import { ZeroUptakeRepository } from '../repositories/zero-uptake.repository';
import { Page, toPage } from '../utils/page.util';

@Injectable()
export class ZeroUptakeService {
  constructor(private readonly zeroUptakeRepository: ZeroUptakeRepository) {}

  async findZeroUptake(query: ZeroUptakeQuery, scope: AgencyScope): Promise<Page<ZeroUptakeItemDto>> {
    const rows = await this.zeroUptakeRepository.find({ ...query, limit: query.limit + 1, scopeRoots: scope.agencyRoots });
    return toPage(rows, query.limit, zeroUptakeSortKey, (row) => row);
  }
}

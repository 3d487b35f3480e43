import { Injectable } from '@nestjs/common';
import type { AgencyScope } from '@dvc/domain';
import type { RateItemDto } from '../dtos/rate-item.dto';
import type { RatesQuery } from '../dtos/rates-query.dto';
import { RatesRepository } from '../repositories/rates.repository';
import { Page, toPage } from '../utils/page.util';
import { fullSortKey, rateSortKey, toRateItem } from '../utils/rate-item.util';

@Injectable()
export class RatesService {
  constructor(private readonly ratesRepository: RatesRepository) {}

  async findRates(query: RatesQuery, scope: AgencyScope): Promise<Page<RateItemDto>> {
    const { groupBy } = query;
    const rows = await this.ratesRepository.findTotals({
      period: query.period,
      fromDay: query.fromDay,
      toDay: query.toDay,
      groupByAgency: groupBy.includes('agency'),
      groupByProcedure: groupBy.includes('procedure'),
      groupBySector: groupBy.includes('sector'),
      agency: query.agency,
      subtree: query.subtree,
      procedure: query.procedure,
      after: query.after && fullSortKey(query.after, groupBy),
      limit: query.limit + 1,
      scopeRoots: scope.agencyRoots,
    });
    return toPage(
      rows,
      query.limit,
      (row) => rateSortKey(row, groupBy),
      (row) => toRateItem(row, groupBy),
    );
  }
}

import { BadRequestException } from '@nestjs/common';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { encodeCursor } from '../utils/cursor.util';
import { ratesQuerySchema } from './rates-query.dto';

describe('ratesQuerySchema', () => {
  const sut = new ZodQueryPipe(ratesQuerySchema);
  const messageOf = (query: Record<string, unknown>): string => {
    try {
      sut.transform(query);
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestException);
      return ((error as BadRequestException).getResponse() as { message: string }).message;
    }
    throw new Error('expected a 400');
  };

  it('defaults to monthly totals of everything, 100 a page', () => {
    expect(sut.transform({})).toEqual({
      period: 'month',
      fromDay: null,
      toDay: null,
      groupBy: [],
      agency: null,
      subtree: false,
      procedure: null,
      limit: 100,
      after: null,
    });
  });

  it('reads every label form as its first day (from) and last day (to)', () => {
    expect(sut.transform({ from: '2025-Q1', to: '2025-02' })).toMatchObject({ fromDay: '2025-01-01', toDay: '2025-02-28' });
    expect(sut.transform({ from: '2024', to: '2024-02-29' })).toMatchObject({ fromDay: '2024-01-01', toDay: '2024-02-29' });
    expect(sut.transform({ from: '2025-03-15', to: '2025-03' })).toMatchObject({ fromDay: '2025-03-15', toDay: '2025-03-31' });
  });

  it('puts group keys in canonical order and allows an empty list', () => {
    expect(sut.transform({ groupBy: 'sector,agency' }).groupBy).toEqual(['agency', 'sector']);
    expect(sut.transform({ groupBy: ' procedure , agency ' }).groupBy).toEqual(['agency', 'procedure']);
    expect(sut.transform({ groupBy: '' }).groupBy).toEqual([]);
  });

  it('reads subtree and limit', () => {
    expect(sut.transform({ agency: 'A', subtree: 'true', limit: '1000' })).toMatchObject({ agency: 'A', subtree: true, limit: 1000 });
    expect(sut.transform({ agency: 'A', subtree: 'false', limit: '1' })).toMatchObject({ subtree: false, limit: 1 });
  });

  it('accepts a cursor of the same period kind and grouping', () => {
    const cursor = encodeCursor(['2025-Q1', 'A', 'Hộ tịch']);
    expect(sut.transform({ period: 'quarter', groupBy: 'agency,sector', cursor }).after).toEqual(['2025-Q1', 'A', 'Hộ tịch']);
  });

  it.each([
    [{ period: 'week' }, 'period: "week" is not allowed; use one of day, month, quarter, year'],
    [{ from: '2025-02-30' }, 'from: "2025-02-30" is not a period label; use a day 2025-03-01, a month 2025-03, a quarter 2025-Q1 or a year 2025'],
    [{ to: '2025-13' }, 'to: "2025-13" is not a period label; use a day 2025-03-01, a month 2025-03, a quarter 2025-Q1 or a year 2025'],
    [{ to: '0000' }, 'to: "0000" is not a period label; use a day 2025-03-01, a month 2025-03, a quarter 2025-Q1 or a year 2025'],
    [{ from: '' }, 'from: "" is not a period label; use a day 2025-03-01, a month 2025-03, a quarter 2025-Q1 or a year 2025'],
    [{ from: '2025-04', to: '2025-Q1' }, 'from: starts (2025-04-01) after to ends (2025-03-31); from must not be after to'],
    [{ groupBy: 'agency,region' }, 'groupBy: "region" is not a grouping; allowed: a comma list of agency, procedure, sector, or empty for one total per period'],
    [{ groupBy: 'agency,agency' }, 'groupBy: "agency" is listed twice; allowed: a comma list of agency, procedure, sector, or empty for one total per period'],
    [{ limit: '0' }, 'limit: "0" is not allowed; give an integer from 1 to 1000 (default 100)'],
    [{ limit: '1001' }, 'limit: "1001" is not allowed; give an integer from 1 to 1000 (default 100)'],
    [{ limit: '2.5' }, 'limit: "2.5" is not allowed; give an integer from 1 to 1000 (default 100)'],
    [{ subtree: 'true' }, 'subtree: needs agency, the root of the subtree; give agency or leave subtree out'],
    [{ agency: 'A', subtree: 'yes' }, 'subtree: "yes" is not allowed; use one of true, false'],
    [{ agency: '' }, 'agency: must not be empty; give an exact code'],
    [{ procedure: 'x'.repeat(65) }, 'procedure: must be at most 64 characters (an exact code)'],
    [{ cursor: 'not-a-cursor' }, 'cursor: is not a cursor this endpoint returned for these parameters; start again without cursor'],
    [{ page: '2' }, 'page: unknown parameter; allowed: period, from, to, groupBy, agency, subtree, procedure, limit, cursor'],
    [{ period: ['day', 'month'] }, 'period: give it once, as a plain value'],
  ])('refuses %j', (query, message) => {
    expect(messageOf(query)).toBe(message);
  });

  it('refuses a cursor from another grouping or period kind', () => {
    const monthlyByAgency = encodeCursor(['2025-03', 'A']);
    expect(messageOf({ groupBy: 'agency,procedure', cursor: monthlyByAgency })).toMatch(/^cursor: /);
    expect(messageOf({ period: 'quarter', groupBy: 'agency', cursor: monthlyByAgency })).toMatch(/^cursor: /);
  });

  it('lists every problem at once', () => {
    expect(messageOf({ period: 'week', limit: '0' })).toBe(
      'period: "week" is not allowed; use one of day, month, quarter, year; limit: "0" is not allowed; give an integer from 1 to 1000 (default 100)',
    );
  });
});

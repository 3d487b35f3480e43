import { BadRequestException } from '@nestjs/common';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { encodeCursor } from '../utils/cursor.util';
import { agenciesQuerySchema } from './agencies-query.dto';
import { proceduresQuerySchema } from './procedures-query.dto';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return ((error as BadRequestException).getResponse() as { message: string }).message;
  }
  throw new Error('expected a 400');
}

describe('agenciesQuerySchema', () => {
  const sut = new ZodQueryPipe(agenciesQuerySchema);

  it('reads filters and paging', () => {
    expect(sut.transform({})).toEqual({ limit: 100, cursor: null });
    expect(sut.transform({ level: 'commune', parentCode: 'D1', limit: '5', cursor: encodeCursor(['C1']) })).toEqual({
      level: 'commune',
      parentCode: 'D1',
      limit: 5,
      cursor: 'C1',
    });
  });

  it('refuses what it does not know', () => {
    expect(messageOf(() => sut.transform({ level: 'village' }))).toBe(
      'level: "village" is not allowed; use one of ministry, province, department, district, commune, other',
    );
    expect(messageOf(() => sut.transform({ cursor: encodeCursor(['C1', 'x']) }))).toMatch(/^cursor: /);
    expect(messageOf(() => sut.transform({ code: 'A' }))).toBe('code: unknown parameter; allowed: level, parentCode, limit, cursor');
  });
});

describe('proceduresQuerySchema', () => {
  const sut = new ZodQueryPipe(proceduresQuerySchema);

  it('reads filters', () => {
    expect(sut.transform({ sector: 'Hộ tịch', onlineLevel: 'full' })).toEqual({ sector: 'Hộ tịch', onlineLevel: 'full', limit: 100, cursor: null });
  });

  it('refuses an unknown online level', () => {
    expect(messageOf(() => sut.transform({ onlineLevel: 'level4' }))).toBe('onlineLevel: "level4" is not allowed; use one of full, partial, none');
  });
});

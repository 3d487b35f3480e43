import { type Json, useAlertsApi } from './support/alerts-api';
import { BIRTH, COMMUNE_1, COMMUNE_2, DISTRICT, JUSTICE_DEPARTMENT, LOOP_A, MARRIAGE, PROVINCE } from './support/rates-fixtures';

/**
 * Pairs offered online with dossiers but none online: per period, filtered, paged, and bad requests. Shared
 * setup: ./support/alerts-api.ts.
 */

const DATABASE = 'dvc_monitor_api_zero_uptake_test';

describe('zero-uptake API (real PostgreSQL)', () => {
  const { get, allPages } = useAlertsApi(DATABASE);

  describe('GET /v1/zero-uptake', () => {
    const c1Marriage = {
      period: '2025-09',
      agencyCode: COMMUNE_1,
      agencyName: 'UBND xã Lạc Đạo',
      procedureCode: MARRIAGE,
      procedureName: 'Đăng ký kết hôn',
      sector: 'Hộ tịch',
      onlineLevel: 'partial',
      received: 8,
      receivedOnline: 0,
      completed: 3,
      withdrawn: 1,
    };
    const c2Birth = {
      period: '2025-09',
      agencyCode: COMMUNE_2,
      agencyName: 'UBND xã Chỉ Đạo',
      procedureCode: BIRTH,
      procedureName: 'Đăng ký khai sinh',
      sector: 'Hộ tịch',
      onlineLevel: 'full',
      received: 8,
      receivedOnline: 0,
      completed: 0,
      withdrawn: 0,
    };
    const justiceBirth = { ...c2Birth, agencyCode: JUSTICE_DEPARTMENT, agencyName: 'Sở Tư pháp', received: 3, completed: 3 };
    const key = (item: Json) => `${item.period} ${item.agencyCode} ${item.procedureCode} ${item.received}`;

    async function zeroUptake(query: Record<string, string>): Promise<Json[]> {
      const response = await get('/v1/zero-uptake', query);
      expect(response.status).toBe(200);
      expect(response.body.nextCursor).toBeNull();
      return response.body.items;
    }

    it('lists the pairs offered online with dossiers but none online, most dossiers first', async () => {
      // By hand: in September, commune 1 × marriage 5 + 3 = 8, commune 2 × birth 8 (a tie: agency code decides),
      // justice × birth 3; district × birth has 1 online of 21; building permits are not offered online;
      // the uncatalogued procedure has no known level; commune 2 × marriage received nothing.
      expect(await zeroUptake({ from: '2025-09', to: '2025-09' })).toEqual([c1Marriage, c2Birth, justiceBirth]);
      expect(await zeroUptake({ period: 'month', from: '2025-09', to: '2025-09', minReceived: '4' })).toEqual([c1Marriage, c2Birth]);
      expect(await zeroUptake({ from: '2025-09', to: '2025-09', minReceived: '9' })).toEqual([]);
    });

    it('aggregates over each period like /v1/rates', async () => {
      // Every month: ours. (The fixtures' loop B × marriage in March hangs under no root: outside the operator's scope.)
      expect((await zeroUptake({})).map(key)).toEqual([
        `2025-09 ${COMMUNE_1} ${MARRIAGE} 8`,
        `2025-09 ${COMMUNE_2} ${BIRTH} 8`,
        `2025-09 ${JUSTICE_DEPARTMENT} ${BIRTH} 3`,
        `2025-10 ${COMMUNE_2} ${BIRTH} 2`,
      ]);
      // Days: the district's 20 at the counter on 3 September are zero uptake that day, not that month.
      expect((await zeroUptake({ period: 'day', from: '2025-09-01', to: '2025-09-30' })).map(key)).toEqual([
        `2025-09-01 ${COMMUNE_1} ${MARRIAGE} 5`,
        `2025-09-02 ${COMMUNE_2} ${BIRTH} 8`,
        `2025-09-03 ${DISTRICT} ${BIRTH} 20`,
        `2025-09-04 ${JUSTICE_DEPARTMENT} ${BIRTH} 3`,
        `2025-09-15 ${COMMUNE_1} ${MARRIAGE} 3`,
      ]);
      // Quarters: commune 1 × marriage had one online in August, so not in Q3.
      expect((await zeroUptake({ period: 'quarter', from: '2025-Q3', to: '2025-12' })).map(key)).toEqual([
        `2025-Q3 ${COMMUNE_2} ${BIRTH} 8`,
        `2025-Q3 ${JUSTICE_DEPARTMENT} ${BIRTH} 3`,
        `2025-Q4 ${COMMUNE_2} ${BIRTH} 2`,
      ]);
      expect((await zeroUptake({ period: 'year', from: '2025' })).map(key)).toEqual([
        `2025 ${COMMUNE_2} ${BIRTH} 10`,
        `2025 ${JUSTICE_DEPARTMENT} ${BIRTH} 3`,
      ]);
    });

    it('filters by agency, or by agency with its subtree, within the caller’s scope', async () => {
      const september = { from: '2025-09', to: '2025-09' };
      expect(await zeroUptake({ ...september, agency: DISTRICT, subtree: 'true' })).toEqual([c1Marriage, c2Birth]);
      expect(await zeroUptake({ ...september, agency: DISTRICT })).toEqual([]);
      expect(await zeroUptake({ ...september, agency: COMMUNE_2, subtree: 'false' })).toEqual([c2Birth]);
      expect(await zeroUptake({ ...september, agency: PROVINCE, subtree: 'true' })).toEqual([c1Marriage, c2Birth, justiceBirth]);
      expect(await zeroUptake({ agency: LOOP_A, subtree: 'true' })).toEqual([]);
    });

    it('pages through every item exactly once, in order', async () => {
      const everything = await zeroUptake({ period: 'day' });
      expect(everything.length).toBe(6);
      const { items, pages } = await allPages('/v1/zero-uptake', { period: 'day', limit: '2' });
      expect(pages).toBe(3);
      expect(items).toEqual(everything);
      // Across the tie on received within a period.
      const tie = await allPages('/v1/zero-uptake', { from: '2025-09', to: '2025-09', limit: '1' });
      expect(tie.items).toEqual([c1Marriage, c2Birth, justiceBirth]);
    });

    it.each([
      [{ period: 'week' }, /^period: "week" is not allowed/],
      [{ from: '2025-13' }, /^from: "2025-13" is not a period label/],
      [{ from: '2025-10', to: '2025-09' }, /^from: starts \(2025-10-01\) after to ends \(2025-09-30\)/],
      [{ subtree: 'true' }, /^subtree: needs agency/],
      [{ minReceived: '0' }, /^minReceived: "0" is not allowed/],
      [{ minReceived: 'many' }, /^minReceived: "many" is not allowed/],
      [{ cursor: 'garbage' }, /^cursor: is not a cursor/],
      [{ procedure: BIRTH }, /^procedure: unknown parameter/],
    ])('answers 400 to %j, naming the parameter', async (query, message) => {
      const response = await get('/v1/zero-uptake', query);
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
    });

    it('refuses a cursor of another period kind', async () => {
      const first = await get('/v1/zero-uptake', { period: 'month', limit: '1' });
      expect(first.body.nextCursor).not.toBeNull();
      const response = await get('/v1/zero-uptake', { period: 'day', cursor: first.body.nextCursor });
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/^cursor: is not a cursor/);
    });
  });
});

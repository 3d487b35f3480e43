import { ALICE, BOB, ISO, type Json, useAlertsApi } from './support/alerts-api';
import { COMMUNE_1, COMMUNE_2, DISTRICT, PROVINCE } from './support/rates-fixtures';

/**
 * Alert recipients: registration, duplicates, paging, bad requests and authorization. Shared setup:
 * ./support/alerts-api.ts.
 */

const DATABASE = 'dvc_monitor_api_recipients_test';

describe('recipients API (real PostgreSQL)', () => {
  const { db, as, get, count, allPages } = useAlertsApi(DATABASE);

  describe('recipients', () => {
    const post = (body: unknown, actor: string | null = ALICE) => as(actor).post('/v1/recipients').send(body as object);
    const del = (id: string, actor: string | null = ALICE) => as(actor).delete(`/v1/recipients/${id}`);

    it('registers, lists, refuses duplicates per agency regardless of case, and removes', async () => {
      const created = await post({ agencyCode: ` ${DISTRICT} `, email: ' Nguyen.Van.A@HungYen.gov.vn ', name: 'Nguyễn Văn A' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^\d+$/),
        agencyCode: DISTRICT,
        email: 'Nguyen.Van.A@HungYen.gov.vn',
        name: 'Nguyễn Văn A',
        createdAt: expect.stringMatching(ISO),
        createdBy: ALICE,
      });
      expect((await db.query(`SELECT created_by FROM alert_recipients WHERE id = $1`, [created.body.id])).rows[0].created_by).toBe(ALICE);

      const duplicate = await post({ agencyCode: DISTRICT, email: 'nguyen.van.a@hungyen.gov.vn' }, BOB);
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.message).toBe(
        `email: "nguyen.van.a@hungyen.gov.vn" already receives the alerts of agency ${DISTRICT} (recipient ${created.body.id}, as "Nguyen.Van.A@HungYen.gov.vn"); addresses are compared without regard to case`,
      );
      // The same address for another agency is another registration.
      const other = await post({ agencyCode: COMMUNE_1, email: 'nguyen.van.a@hungyen.gov.vn' }, BOB);
      expect(other.status).toBe(201);
      expect(other.body).toMatchObject({ agencyCode: COMMUNE_1, name: null, createdBy: BOB });

      const listed = await get('/v1/recipients', { agency: DISTRICT });
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({ items: [created.body], nextCursor: null });

      const removed = await del(created.body.id);
      expect(removed.status).toBe(204);
      expect((await get('/v1/recipients', { agency: DISTRICT })).body.items).toEqual([]);
      const again = await del(created.body.id);
      expect(again.status).toBe(404);
      expect(again.body.message).toBe(`recipient "${created.body.id}" does not exist`);
      // Once removed, the address can be registered again.
      expect((await post({ agencyCode: DISTRICT, email: 'NGUYEN.van.a@hungyen.gov.vn' })).status).toBe(201);
    });

    it('pages by agency, then address without regard to case', async () => {
      await db.query('DELETE FROM alert_recipients');
      const registrations: Array<[string, string]> = [
        [PROVINCE, 'b@hungyen.gov.vn'],
        [PROVINCE, 'A@hungyen.gov.vn'],
        [COMMUNE_2, 'c@hungyen.gov.vn'],
        [DISTRICT, 'z@hungyen.gov.vn'],
        [PROVINCE, 'c@hungyen.gov.vn'],
      ];
      for (const [agencyCode, email] of registrations) expect((await post({ agencyCode, email })).status).toBe(201);
      const { items, pages } = await allPages('/v1/recipients', { limit: '2' });
      expect(pages).toBe(3);
      expect(items.map((r) => [r.agencyCode, r.email])).toEqual([
        [PROVINCE, 'A@hungyen.gov.vn'],
        [PROVINCE, 'b@hungyen.gov.vn'],
        [PROVINCE, 'c@hungyen.gov.vn'],
        [DISTRICT, 'z@hungyen.gov.vn'],
        [COMMUNE_2, 'c@hungyen.gov.vn'],
      ]);
      expect((await get('/v1/recipients', { agency: PROVINCE })).body.items.map((r: Json) => r.email)).toEqual([
        'A@hungyen.gov.vn',
        'b@hungyen.gov.vn',
        'c@hungyen.gov.vn',
      ]);
    });

    it('answers 400 to bad bodies and 401 to writes without a token, writing nothing', async () => {
      const before = await count('alert_recipients');
      const cases: Array<[unknown, string | null, RegExp]> = [
        [{ agencyCode: DISTRICT, email: 'not-an-address' }, ALICE, /^email: "not-an-address" is not an e-mail address/],
        [{ agencyCode: DISTRICT, email: 'a@b' }, ALICE, /^email: "a@b" is not an e-mail address/],
        [{ agencyCode: DISTRICT }, ALICE, /^email: is required/],
        [{ email: 'x@hungyen.gov.vn' }, ALICE, /^agencyCode: is required/],
        [{ agencyCode: '  ', email: 'x@hungyen.gov.vn' }, ALICE, /^agencyCode: must not be empty or blank/],
        [{ agencyCode: DISTRICT, email: 'x@hungyen.gov.vn', role: 'admin' }, ALICE, /^role: unknown property; a recipient has agencyCode, email, name$/],
      ];
      for (const [body, actor, message] of cases) {
        const response = await post(body, actor);
        expect(response.status).toBe(400);
        expect(response.body.message).toMatch(message);
      }
      expect((await post({ agencyCode: DISTRICT, email: 'x@hungyen.gov.vn' }, null)).status).toBe(401);
      const [someone] = (await get('/v1/recipients')).body.items;
      const unauthenticated = await del(someone.id, null);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(await count('alert_recipients')).toBe(before);
      expect((await del('abc')).status).toBe(404);
      expect((await get('/v1/recipients', { cursor: 'x' })).status).toBe(400);
      expect((await get('/v1/recipients', { agencyCode: DISTRICT })).body.message).toBe('agencyCode: unknown parameter; allowed: agency, limit, cursor');
    });
  });
});

import request from 'supertest';
import { ALICE, BOB, UUID, EFF_DISTRICT, type Json, useTargetsApi } from './support/targets-api';

/**
 * What the targets API refuses: bad bodies and queries, changes without a token, duplicate rules and stale or
 * simultaneous changes. Shared setup: ./support/targets-api.ts.
 */

const DATABASE = 'dvc_monitor_api_targets_refusals_test';

describe('targets API: bad requests and conflicts (real PostgreSQL)', () => {
  const { server, as, get, post, patch, del, auditCount, targetCount, create } = useTargetsApi(DATABASE);

  describe('bad requests', () => {
    const valid = { scope: { kind: 'all' }, metric: 'onTimeRate', threshold: 0.5, severity: 'warning' };

    it.each([
      ['a threshold above 1', { ...valid, threshold: 1.5 }, 'threshold: must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)'],
      ['a negative threshold', { ...valid, threshold: -0.1 }, 'threshold: must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)'],
      ['a threshold as a string', { ...valid, threshold: '0.5' }, 'threshold: "0.5" is not a number; give a ratio from 0 to 1, e.g. 0.5'],
      ['a field of another scope kind', { ...valid, scope: { kind: 'all', agencyCode: 'A' } }, 'scope.agencyCode: unknown property; an "all" scope has kind'],
      ['a missing field of the scope kind', { ...valid, scope: { kind: 'agencyProcedure', agencyCode: 'A' } }, 'scope.procedureCode: is required; give the exact code'],
      ['includeSubtree outside an agency scope', { ...valid, scope: { kind: 'procedure', procedureCode: 'P', includeSubtree: true } }, 'scope.includeSubtree: unknown property; a "procedure" scope has kind, procedureCode'],
      ['a blank code', { ...valid, scope: { kind: 'agency', agencyCode: '   ' } }, 'scope.agencyCode: must not be empty or blank; give the exact code'],
      ['an online level that cannot be targeted', { ...valid, scope: { kind: 'onlineLevel', onlineLevel: 'none' } }, 'scope.onlineLevel: "none" is not allowed; use one of full, partial'],
      ['an unknown scope kind', { ...valid, scope: { kind: 'sector' } }, 'scope.kind: "sector" is not allowed; use one of all, agencyLevel, onlineLevel, agency, procedure, agencyProcedure'],
      ['an unknown field', { ...valid, treshold: 0.4 }, 'treshold: unknown property; a target has scope, metric, threshold, severity, enabled, note'],
      ['an unknown metric', { ...valid, metric: 'paidOnlineRate' }, 'metric: "paidOnlineRate" is not allowed; use one of onlineRate, onTimeRate'],
    ])('refuses %s on create, and writes nothing', async (_what, body, message) => {
      const [targets, audit] = [await targetCount(), await auditCount()];
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
      expect([await targetCount(), await auditCount()]).toEqual([targets, audit]);
    });

    it('refuses malformed JSON', async () => {
      const response = await as(ALICE).post('/v1/targets').set('Content-Type', 'application/json').send('{"scope":');
      expect(response.status).toBe(400);
    });

    it('refuses every change without a token (401), believes no X-Actor header, and writes nothing', async () => {
      const target = await create({ ...valid, scope: { kind: 'procedure', procedureCode: 'ACTOR' } });
      const [targets, audit] = [await targetCount(), await auditCount()];
      for (const response of [
        await post({ ...valid, scope: { kind: 'procedure', procedureCode: 'ACTOR.2' } }, null),
        await request(server()).post('/v1/targets').set('X-Actor', 'alice@hungyen.gov.vn').send({ ...valid, scope: { kind: 'procedure', procedureCode: 'ACTOR.2' } }),
        await patch(target.id, { version: 1, threshold: 0.1 }, null),
        await del(target.id, null),
      ]) {
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
      expect([await targetCount(), await auditCount()]).toEqual([targets, audit]);
      expect((await get(`/v1/targets/${target.id}`)).body).toEqual(target);
      expect((await del(target.id)).status).toBe(204);
    });

    it('refuses bad updates and queries precisely', async () => {
      const target = await create({ ...valid, scope: { kind: 'procedure', procedureCode: 'BAD.UPDATE' } });
      const cases: Array<[request.Response, string]> = [
        [await patch(target.id, { threshold: 0.2 }), 'version: is required: the version you read (GET), so that a change made meanwhile is not overwritten'],
        [await patch(target.id, { version: 1 }), 'body: nothing to change; give at least one of threshold, severity, enabled, note'],
        [await patch(target.id, { version: 1, threshold: 2 }), 'threshold: must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)'],
        [await patch(target.id, { version: 1, metric: 'onlineRate', threshold: 0.2 }), 'metric: unknown property; a target update has version, threshold, severity, enabled, note'],
        [await get('/v1/targets', { scopeKind: 'sector' }), 'scopeKind: "sector" is not allowed; use one of all, agencyLevel, onlineLevel, agency, procedure, agencyProcedure'],
        [await get('/v1/targets', { colour: 'red' }), 'colour: unknown parameter; allowed: scopeKind, metric, agency, procedure, limit, cursor'],
        [await get('/v1/targets/audit', { targetId: 'nope' }), 'targetId: "nope" is not a target id (a UUID)'],
        [await del(target.id, ALICE, { version: 'x' }), 'version: must be the integer version you read'],
      ];
      for (const [response, message] of cases) {
        expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
      }
      expect((await get('/v1/targets', { cursor: 'abc' })).body.message).toMatch(/^cursor: /);
      expect((await get(`/v1/targets/${target.id}`)).body.version).toBe(1);
      expect((await del(target.id)).status).toBe(204);
    });
  });

  describe('conflicts', () => {
    it('refuses a second rule for the same scope × metric × severity, naming the first', async () => {
      const scope = { kind: 'agency', agencyCode: EFF_DISTRICT, includeSubtree: false };
      const first = await create({ scope, metric: 'onlineRate', threshold: 0.3, severity: 'critical' });
      const audit = await auditCount();
      const duplicate = await post({ scope: { ...scope, agencyCode: ` ${EFF_DISTRICT}` }, metric: 'onlineRate', threshold: 0.4, severity: 'critical' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.message).toBe(
        `a critical onlineRate target for this scope already exists (id ${first.id}, version 1); change it with PATCH /v1/targets/${first.id} instead`,
      );
      // includeSubtree absent means false: the same scope.
      expect((await post({ scope: { kind: 'agency', agencyCode: EFF_DISTRICT }, metric: 'onlineRate', threshold: 0.4, severity: 'critical' })).status).toBe(409);
      expect(await auditCount()).toBe(audit);
      // The subtree, another severity or another metric are other rules.
      const subtree = await create({ scope: { ...scope, includeSubtree: true }, metric: 'onlineRate', threshold: 0.3, severity: 'critical' });
      const warning = await create({ scope, metric: 'onlineRate', threshold: 0.3, severity: 'warning' });
      const onTime = await create({ scope, metric: 'onTimeRate', threshold: 0.3, severity: 'critical' });
      // Changing severity onto an existing rule collides too.
      const collision = await patch(warning.id, { version: 1, severity: 'critical' });
      expect(collision.status).toBe(409);
      expect(collision.body.message).toMatch(/^severity: /);
      expect((await get(`/v1/targets/${warning.id}`)).body).toEqual(warning);
      for (const target of [first, subtree, warning, onTime]) expect((await del(target.id)).status).toBe(204);
    });

    it('refuses a change based on a stale version, and keeps the other one', async () => {
      const target = await create({ scope: { kind: 'procedure', procedureCode: 'STALE' }, metric: 'onlineRate', threshold: 0.3, severity: 'warning' });
      const first = await patch(target.id, { version: 1, threshold: 0.4 }, ALICE);
      expect(first.status).toBe(200);
      expect(first.body.version).toBe(2);
      const audit = await auditCount();
      const second = await patch(target.id, { version: 1, threshold: 0.6 }, BOB);
      expect(second.status).toBe(409);
      expect(second.body.message).toBe(
        `version: target ${target.id} is at version 2, not 1: it was changed meanwhile (last by ${ALICE} at ${first.body.updatedAt}); ` +
          'read it again and re-apply your change',
      );
      expect((await get(`/v1/targets/${target.id}`)).body).toEqual(first.body);
      expect(await auditCount()).toBe(audit);
      expect((await del(target.id, BOB, { version: '1' })).status).toBe(409);
      expect((await get(`/v1/targets/${target.id}`)).status).toBe(200);
      const third = await patch(target.id, { version: 2, threshold: 0.6 }, BOB);
      expect(third.body).toMatchObject({ version: 3, threshold: 0.6, updatedBy: BOB });
      expect((await del(target.id, BOB, { version: '3' })).status).toBe(204);
    });

    it('lets only one of two simultaneous changes of the same version through', async () => {
      const target = await create({ scope: { kind: 'procedure', procedureCode: 'RACE' }, metric: 'onlineRate', threshold: 0.3, severity: 'warning' });
      const responses = await Promise.all([0.1, 0.2, 0.4, 0.6].map((threshold) => patch(target.id, { version: 1, threshold })));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
      const history = await get(`/v1/targets/${target.id}/audit`);
      expect(history.body.items.map((e: Json) => e.action)).toEqual(['update', 'create']);
      expect((await del(target.id)).status).toBe(204);
    });
  });
});

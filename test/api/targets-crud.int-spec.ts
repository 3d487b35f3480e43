import request from 'supertest';
import { COMMUNE_2 } from './support/rates-fixtures';
import { ALICE, BOB, UUID, ISO, MISSING_ID, type Json, useTargetsApi } from './support/targets-api';

/**
 * The shipped default targets, creating, reading, changing and deleting targets with their audit trail, 404s,
 * and the OpenAPI document of the targets endpoints. Shared setup: ./support/targets-api.ts.
 */

const DATABASE = 'dvc_monitor_api_targets_crud_test';

describe('targets API: defaults, CRUD, audit and OpenAPI (real PostgreSQL)', () => {
  const { subjects, get, patch, del, auditCount, targetCount, create, allPages } = useTargetsApi(DATABASE);

  describe('shipped defaults', () => {
    it('are present after the migration, audited as created by the migration', async () => {
      const response = await get('/v1/targets');
      expect(response.status).toBe(200);
      expect(response.body.nextCursor).toBeNull();
      const defaults = response.body.items;
      expect(defaults).toHaveLength(2);
      const bySeverity = Object.fromEntries(defaults.map((t: Json) => [t.severity, t]));
      for (const [severity, threshold] of [['critical', 0.1], ['warning', 0.5]] as const) {
        expect(bySeverity[severity]).toEqual({
          id: expect.stringMatching(UUID),
          scope: { kind: 'all' },
          metric: 'onlineRate',
          threshold,
          severity,
          enabled: true,
          note: expect.stringContaining(severity === 'critical' ? '10%' : '50%'),
          version: 1,
          createdAt: expect.stringMatching(ISO),
          createdBy: 'system (migration)',
          updatedAt: expect.stringMatching(ISO),
          updatedBy: 'system (migration)',
        });
        const audit = await get(`/v1/targets/${bySeverity[severity].id}/audit`);
        expect(audit.status).toBe(200);
        expect(audit.body.items).toEqual([
          {
            id: expect.stringMatching(/^\d+$/),
            targetId: bySeverity[severity].id,
            action: 'create',
            actor: 'system (migration)',
            actorSubject: null,
            at: bySeverity[severity].createdAt,
            before: null,
            after: bySeverity[severity],
          },
        ]);
      }
    });
  });

  describe('CRUD and audit', () => {
    it('creates, reads, changes and deletes a target, keeping who did what and when', async () => {
      const scope = { kind: 'agency', agencyCode: '  000.00.17.H31 ', includeSubtree: true };
      const created = await create({ scope, metric: 'onlineRate', threshold: 0.3, severity: 'warning', note: 'Huyện Văn Lâm' });
      expect(created).toEqual({
        id: expect.stringMatching(UUID),
        scope: { kind: 'agency', agencyCode: '000.00.17.H31', includeSubtree: true },
        metric: 'onlineRate',
        threshold: 0.3,
        severity: 'warning',
        enabled: true,
        note: 'Huyện Văn Lâm',
        version: 1,
        createdAt: expect.stringMatching(ISO),
        createdBy: ALICE,
        updatedAt: created.createdAt,
        updatedBy: ALICE,
      });
      expect(Object.keys(created)).toEqual([
        'id', 'scope', 'metric', 'threshold', 'severity', 'enabled', 'note', 'version', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy',
      ]);
      expect((await get(`/v1/targets/${created.id}`)).body).toEqual(created);

      const changed = await patch(created.id, { version: 1, threshold: 0.35, enabled: false, note: null }, BOB);
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ ...created, threshold: 0.35, enabled: false, note: null, version: 2, updatedBy: BOB, updatedAt: expect.stringMatching(ISO) });
      expect(Date.parse(changed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
      expect((await get(`/v1/targets/${created.id}`)).body).toEqual(changed.body);

      const deleted = await del(created.id, ALICE, { version: '2' });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await get(`/v1/targets/${created.id}`)).status).toBe(404);

      // The history outlives the target: newest first, with the target before and after each change.
      const history = await get(`/v1/targets/${created.id}/audit`);
      expect(history.status).toBe(200);
      expect(history.body.items.map((e: Json) => [e.action, e.actor, e.actorSubject])).toEqual([
        ['delete', ALICE, subjects.get(ALICE)],
        ['update', BOB, subjects.get(BOB)],
        ['create', ALICE, subjects.get(ALICE)],
      ]);
      expect(subjects.get(ALICE)).not.toBe(subjects.get(BOB));
      const [deletion, update, creation] = history.body.items;
      expect(creation).toMatchObject({ targetId: created.id, before: null, after: created, at: created.createdAt });
      expect(update).toMatchObject({ targetId: created.id, before: created, after: changed.body, at: changed.body.updatedAt });
      expect(deletion).toMatchObject({ targetId: created.id, before: changed.body, after: null, at: expect.stringMatching(ISO) });
      expect(Number(deletion.id)).toBeGreaterThan(Number(update.id));

      // The global trail, filtered.
      const bobs = await get('/v1/targets/audit', { actor: BOB });
      expect(bobs.body.items.map((e: Json) => e.id)).toEqual([update.id]);
      const deletions = await get('/v1/targets/audit', { action: 'delete', targetId: created.id });
      expect(deletions.body.items).toEqual([deletion]);
    });

    it('lists with filters and pages through every target once', async () => {
      const procedure = await create({ scope: { kind: 'procedure', procedureCode: '1.001612' }, metric: 'onTimeRate', threshold: 0.9, severity: 'critical' });
      const pair = await create({
        scope: { kind: 'agencyProcedure', agencyCode: COMMUNE_2, procedureCode: '1.001612' },
        metric: 'onlineRate',
        threshold: 0.2,
        severity: 'critical',
      });
      const level = await create({ scope: { kind: 'agencyLevel', agencyLevel: 'commune' }, metric: 'onlineRate', threshold: 0.25, severity: 'critical' });
      const ids = (response: request.Response) => response.body.items.map((t: Json) => t.id);

      expect(ids(await get('/v1/targets', { procedure: '1.001612' }))).toEqual([procedure.id, pair.id]);
      expect(ids(await get('/v1/targets', { agency: COMMUNE_2 }))).toEqual([pair.id]);
      expect(ids(await get('/v1/targets', { scopeKind: 'agencyLevel' }))).toEqual([level.id]);
      expect(ids(await get('/v1/targets', { metric: 'onTimeRate' }))).toEqual([procedure.id]);
      expect(ids(await get('/v1/targets', { procedure: '1.001612', metric: 'onlineRate' }))).toEqual([pair.id]);

      const all = await get('/v1/targets');
      expect(all.body.items.length).toBe(await targetCount());
      expect(all.body.items.slice(-3).map((t: Json) => t.id)).toEqual([procedure.id, pair.id, level.id]);
      const paged = await allPages('/v1/targets', { limit: '2' });
      expect(paged).toEqual(all.body.items);

      const trail = await get('/v1/targets/audit');
      const pagedTrail = await allPages('/v1/targets/audit', { limit: '3' });
      expect(pagedTrail).toEqual(trail.body.items);
      expect(pagedTrail.length).toBe(await auditCount());
      expect(pagedTrail.map((e) => Number(e.id))).toEqual([...pagedTrail.map((e) => Number(e.id))].sort((a, b) => b - a));

      for (const target of [procedure, pair, level]) expect((await del(target.id)).status).toBe(204);
    });

    it('changes nothing, and audits nothing, when a change changes nothing', async () => {
      const target = await create({ scope: { kind: 'procedure', procedureCode: 'NOOP' }, metric: 'onlineRate', threshold: 0.4, severity: 'warning' });
      const before = await auditCount();
      const response = await patch(target.id, { version: 1, threshold: 0.4, enabled: true }, BOB);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(target);
      expect(await auditCount()).toBe(before);
      expect((await del(target.id)).status).toBe(204);
    });
  });

  describe('not found', () => {
    it('answers 404 for a target that does not exist, whatever the method', async () => {
      const missing = { statusCode: 404, error: 'Not Found', message: `target "${MISSING_ID}" does not exist` };
      expect((await get(`/v1/targets/${MISSING_ID}`)).body).toEqual(missing);
      expect((await patch(MISSING_ID, { version: 1, threshold: 0.2 })).body).toEqual(missing);
      expect((await del(MISSING_ID)).body).toEqual(missing);
      expect((await get('/v1/targets/not-a-uuid')).status).toBe(404);
      expect((await del('not-a-uuid')).status).toBe(404);
      const history = await get(`/v1/targets/${MISSING_ID}/audit`);
      expect(history.body).toEqual({ statusCode: 404, error: 'Not Found', message: `target "${MISSING_ID}" never existed` });
    });
  });

  describe('OpenAPI', () => {
    it('documents the targets endpoints and their bearer token', async () => {
      const response = await get('/docs-json');
      expect(response.status).toBe(200);
      const paths = response.body.paths;
      expect(Object.keys(paths)).toEqual(
        expect.arrayContaining(['/v1/targets', '/v1/targets/{id}', '/v1/targets/{id}/audit', '/v1/targets/audit', '/v1/targets/effective']),
      );
      expect(Object.keys(paths['/v1/targets'])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(paths['/v1/targets/{id}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
      for (const write of [paths['/v1/targets'].post, paths['/v1/targets/{id}'].patch, paths['/v1/targets/{id}'].delete]) {
        expect(write.security).toEqual([{ bearer: [] }]);
        expect(Object.keys(write.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(Object.keys(paths['/v1/targets/{id}'].patch.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409']));
      expect(paths['/v1/targets'].post.responses).toHaveProperty('201');
      expect(paths['/v1/targets/{id}'].delete.responses).toHaveProperty('204');
      expect(response.body.info.description).not.toContain('X-Actor');
      expect(response.body.components.schemas.UpdateTargetDto.required).toContain('version');
    });
  });
});

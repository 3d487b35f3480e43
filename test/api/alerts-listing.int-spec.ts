import {
  A1,
  A2,
  A3,
  A4,
  A5,
  A6,
  A7,
  A8,
  BOB,
  DELETED_TARGET,
  evaluationOf,
  explanationOf,
  type Json,
  MISSING_ID,
  SEEDS,
  SWEEPER,
  useAlertsApi,
} from './support/alerts-api';
import { BIRTH, COMMUNE_1, COMMUNE_2, DISTRICT, LOOP_A, LOOP_B, PROVINCE } from './support/rates-fixtures';

/**
 * Listing and filtering alerts, one alert in detail, and the OpenAPI document of the alerts, recipients and
 * zero-uptake endpoints. Shared setup: ./support/alerts-api.ts.
 */

const DATABASE = 'dvc_monitor_api_alerts_listing_test';

describe('alerts API: listing, filters, detail and OpenAPI (real PostgreSQL)', () => {
  const { targetIds, get, ids, allPages } = useAlertsApi(DATABASE);

  describe('GET /v1/alerts', () => {
    it('lists the open alerts by default, newest first, ties by id descending', async () => {
      expect(await ids({})).toEqual([A8, A5, A2, A1, A3]);
      expect(await ids({ status: 'open' })).toEqual([A8, A5, A2, A1, A3]);
      expect(await ids({ status: 'all' })).toEqual([A8, A5, A2, A1, A3, A7, A4]);
    });

    it('shows each alert with its numbers, as stored', async () => {
      const response = await get('/v1/alerts', { agency: DISTRICT });
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([
        {
          id: A1,
          kind: 'belowTarget',
          status: 'firing',
          severity: 'critical',
          metric: 'onlineRate',
          threshold: 0.1,
          agencyCode: DISTRICT,
          agencyName: 'UBND huyện Văn Lâm',
          procedureCode: null,
          procedureName: null,
          windowKind: 'monthToDate',
          targetId: targetIds.critical,
          sourceUri: null,
          openedAt: '2025-03-10T02:00:00.000Z',
          lastEvaluatedAt: '2025-03-10T02:05:00.000Z',
          evaluation: evaluationOf(SEEDS[0], 0.1),
          acknowledgedAt: null,
          acknowledgedBy: null,
          acknowledgeComment: null,
          resolvedAt: null,
          resolveReason: null,
          escalatedAt: null,
          reminderCount: 0,
          lastRemindedAt: null,
        },
      ]);
      const [resolved] = (await get('/v1/alerts', { status: 'resolved', agency: PROVINCE })).body.items;
      expect(resolved).toMatchObject({ id: A4, status: 'resolved', resolvedAt: '2025-03-02T01:00:00.000Z', resolveReason: 'recovered', procedureName: null });
    });

    it('filters by status, severity, metric, procedure and window', async () => {
      expect(await ids({ status: 'resolved' })).toEqual([A7, A4]);
      expect(await ids({ status: 'firing,resolved' })).toEqual([A8, A5, A2, A1, A7, A4]);
      expect(await ids({ status: 'acknowledged' })).toEqual([A3]);
      expect(await ids({ severity: 'critical' })).toEqual([A5, A1]);
      expect(await ids({ severity: 'warning', status: 'all' })).toEqual([A8, A2, A3, A7, A4]);
      expect(await ids({ metric: 'onTimeRate' })).toEqual([A3]);
      expect(await ids({ procedure: BIRTH })).toEqual([A5, A2]);
      expect(await ids({ procedure: BIRTH, status: 'all' })).toEqual([A5, A2, A7]);
      expect(await ids({ window: 'rolling30d' })).toEqual([A2]);
      expect(await ids({ window: 'rolling7d' })).toEqual([]);
      expect(await ids({ severity: 'critical', procedure: BIRTH, agency: COMMUNE_2 })).toEqual([A5]);
    });

    it('filters by agency, or by agency with its subtree, within the caller’s scope', async () => {
      expect(await ids({ agency: DISTRICT })).toEqual([A1]);
      expect(await ids({ agency: DISTRICT, subtree: 'false' })).toEqual([A1]);
      expect(await ids({ agency: DISTRICT, subtree: 'true' })).toEqual([A5, A2, A1]);
      expect(await ids({ agency: DISTRICT, subtree: 'true', status: 'all' })).toEqual([A5, A2, A1, A7]);
      expect(await ids({ agency: PROVINCE, subtree: 'true', status: 'all' })).toEqual([A8, A5, A2, A1, A3, A7, A4]);
      expect(await ids({ agency: COMMUNE_1, subtree: 'true' })).toEqual([A2]);
      // The loop hangs under no root: outside the operator's scope, its alert A6 is listed by no filter.
      expect(await ids({ agency: LOOP_B, subtree: 'true' })).toEqual([]);
      expect(await ids({ agency: LOOP_A })).toEqual([]);
      expect((await get(`/v1/alerts/${A6}`)).status).toBe(404);
      expect(await ids({ agency: 'UNKNOWN', subtree: 'true' })).toEqual([]);
    });

    it('filters by opening time: days in Asia/Ho_Chi_Minh, both bounds inclusive, or instants', async () => {
      // A4 opened at 23:59:59.999 on 28 Feb in Vietnam, A7 at 00:00 on 1 March.
      expect(await ids({ status: 'all', openedFrom: '2025-03-01' })).toEqual([A8, A5, A2, A1, A3, A7]);
      expect(await ids({ status: 'all', openedTo: '2025-02-28' })).toEqual([A4]);
      expect(await ids({ status: 'all', openedFrom: '2025-03-01', openedTo: '2025-03-01' })).toEqual([A7]);
      expect(await ids({ status: 'all', openedFrom: '2025-03-10T09:00:00+07:00', openedTo: '2025-03-11T02:00:00Z' })).toEqual([A2, A1]);
      expect(await ids({ status: 'all', openedFrom: '2025-03-10T09:00:00.001+07:00' })).toEqual([A8, A5, A2]);
    });

    it('pages through every alert exactly once, in order', async () => {
      const { items, pages } = await allPages('/v1/alerts', { status: 'all', limit: '2' });
      expect(pages).toBe(4);
      expect(items.map((item) => item.id)).toEqual([A8, A5, A2, A1, A3, A7, A4]);
      // A page boundary between the two alerts opened at the same instant.
      const first = await get('/v1/alerts', { limit: '1' });
      expect(first.body.items.map((item: Json) => item.id)).toEqual([A8]);
      const second = await get('/v1/alerts', { limit: '1', cursor: first.body.nextCursor });
      expect(second.body.items.map((item: Json) => item.id)).toEqual([A5]);
      const last = await get('/v1/alerts', { limit: '5' });
      expect(last.body.items).toHaveLength(5);
      expect(last.body.nextCursor).toBeNull();
    });

    it.each([
      [{ status: 'closed' }, /^status: "closed" is not a status/],
      [{ severity: 'info' }, /^severity: "info" is not allowed; use one of critical, warning$/],
      [{ metric: 'paidRate' }, /^metric: "paidRate" is not allowed/],
      [{ subtree: 'true' }, /^subtree: needs agency/],
      [{ window: '30d' }, /^window: "30d" is not a window/],
      [{ openedFrom: 'yesterday' }, /^openedFrom: "yesterday" is not a day/],
      [{ openedFrom: '2025-03-02', openedTo: '2025-03-01' }, /^openedFrom: is after openedTo/],
      [{ cursor: 'garbage' }, /^cursor: is not a cursor/],
      [{ limit: '0' }, /^limit: "0" is not allowed/],
      [{ sort: 'asc' }, /^sort: unknown parameter/],
    ])('answers 400 to %j, naming the parameter', async (query, message) => {
      const response = await get('/v1/alerts', query);
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
    });
  });

  describe('GET /v1/alerts/:id', () => {
    it('shows the numbers, the rule as it is now, the explanation and the history', async () => {
      const rule = await get(`/v1/targets/${targetIds.critical}`);
      expect(rule.status).toBe(200);
      const response = await get(`/v1/alerts/${A1}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: A1, status: 'firing', evaluation: evaluationOf(SEEDS[0], 0.1) });
      expect(response.body.rule).toEqual(rule.body);
      expect(response.body.explanation).toEqual(explanationOf(SEEDS[0], 0.1, targetIds.critical));
      expect(response.body.explanation.topProcedures).toHaveLength(1);
      expect(response.body.history).toEqual([
        { id: expect.stringMatching(/^\d+$/), at: '2025-03-10T02:00:00.000Z', fromStatus: null, toStatus: 'firing', actor: SWEEPER, actorSubject: null, comment: null, details: { reason: 'belowTarget' } },
      ]);
    });

    it('keeps the history in order and shows a deleted rule as null', async () => {
      const acknowledged = await get(`/v1/alerts/${A3}`);
      expect(acknowledged.status).toBe(200);
      expect(acknowledged.body).toMatchObject({ status: 'acknowledged', acknowledgedAt: '2025-03-05T03:00:00.000Z', acknowledgedBy: BOB, acknowledgeComment: 'Đang xử lý', rule: null });
      expect(acknowledged.body.explanation.target.ruleId).toBe(DELETED_TARGET);
      expect(acknowledged.body.history.map((h: Json) => [h.fromStatus, h.toStatus, h.actor, h.comment])).toEqual([
        [null, 'firing', SWEEPER, null],
        ['firing', 'acknowledged', BOB, 'Đang xử lý'],
      ]);
      const resolved = await get(`/v1/alerts/${A7}`);
      expect(resolved.body.history.map((h: Json) => [h.toStatus, h.at, h.details])).toEqual([
        ['firing', '2025-02-28T17:00:00.000Z', { reason: 'belowTarget' }],
        ['resolved', '2025-03-20T01:00:00.000Z', { reason: 'ruleNoLongerApplies' }],
      ]);
    });

    it('answers 404 for an unknown id, also one that is not a UUID', async () => {
      for (const id of [MISSING_ID, 'not-a-uuid']) {
        const response = await get(`/v1/alerts/${id}`);
        expect(response.status).toBe(404);
        expect(response.body.message).toBe(`alert ${JSON.stringify(id)} does not exist`);
      }
    });
  });

  describe('OpenAPI', () => {
    it('documents the alerts, recipients and zero-uptake endpoints, their bearer token and 4xx answers', async () => {
      const response = await get('/docs-json');
      expect(response.status).toBe(200);
      const paths = response.body.paths;
      expect(Object.keys(paths)).toEqual(
        expect.arrayContaining(['/v1/alerts', '/v1/alerts/{id}', '/v1/alerts/{id}/acknowledge', '/v1/recipients', '/v1/recipients/{id}', '/v1/zero-uptake']),
      );
      const ack = paths['/v1/alerts/{id}/acknowledge'].post;
      for (const write of [ack, paths['/v1/recipients'].post, paths['/v1/recipients/{id}'].delete]) {
        expect(write.security).toEqual([{ bearer: [] }]);
        expect(Object.keys(write.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(Object.keys(ack.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409']));
      expect(Object.keys(paths['/v1/recipients'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '409']));
      expect(Object.keys(paths['/v1/recipients/{id}'].delete.responses)).toEqual(expect.arrayContaining(['204', '404']));
      expect(Object.keys(paths['/v1/zero-uptake'].get.responses)).toEqual(expect.arrayContaining(['200', '400']));
      const alertsQuery = paths['/v1/alerts'].get.parameters.map((p: Json) => p.name);
      expect(alertsQuery).toEqual(
        expect.arrayContaining(['status', 'kind', 'severity', 'metric', 'agency', 'subtree', 'procedure', 'window', 'openedFrom', 'openedTo', 'limit', 'cursor']),
      );
      const schemas = response.body.components.schemas;
      expect(schemas.AcknowledgeAlertDto.required).toContain('comment');
      expect(schemas.AlertDetailDto).toBeDefined();
      expect(schemas.AlertItemDto.properties.kind.enum).toEqual(['belowTarget', 'zeroUptake', 'silentSource']);
      expect(schemas.AlertItemDto.required).toEqual(expect.arrayContaining(['kind', 'sourceUri', 'reminderCount', 'lastRemindedAt', 'escalatedAt']));
      expect(schemas.AlertItemDto.properties.agencyCode.nullable).toBe(true);
      expect(schemas.SilentSourceEvaluationDto).toBeDefined();
      expect(schemas.CreateRecipientDto.required).toEqual(expect.arrayContaining(['agencyCode', 'email']));
    });
  });
});

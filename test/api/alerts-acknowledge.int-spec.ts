import request from 'supertest';
import { A1, A2, A3, A4, A5, A7, A8, ALICE, BOB, ISO, type Json, MISSING_ID, SWEEPER, useAlertsApi } from './support/alerts-api';
import { BIRTH, COMMUNE_1, DISTRICT, MARRIAGE } from './support/rates-fixtures';

/**
 * Acknowledging alerts (who, when, conflicts, authorization), and zero-uptake and silent-source alerts listed,
 * shown and acknowledged. Shared setup: ./support/alerts-api.ts.
 */

const DATABASE = 'dvc_monitor_api_alerts_acknowledge_test';

describe('alerts API: acknowledgements and alerts of every kind (real PostgreSQL)', () => {
  const { db, subjects, server, get, acknowledge, count, ids } = useAlertsApi(DATABASE);

  describe('POST /v1/alerts/:id/acknowledge', () => {
    it('acknowledges a firing alert with who, when and the comment, in the alert and its history, enqueuing nothing', async () => {
      const outboxBefore = await count('notification_outbox');
      const response = await acknowledge(A2, { comment: '  Đã giao UBND xã rà soát  ' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: A2,
        status: 'acknowledged',
        acknowledgedAt: expect.stringMatching(ISO),
        acknowledgedBy: ALICE,
        acknowledgeComment: 'Đã giao UBND xã rà soát',
        resolvedAt: null,
      });
      expect(Date.now() - Date.parse(response.body.acknowledgedAt)).toBeLessThan(60_000);
      expect(response.body.history).toHaveLength(2);
      expect(response.body.history[1]).toEqual({
        id: expect.stringMatching(/^\d+$/),
        at: response.body.acknowledgedAt,
        fromStatus: 'firing',
        toStatus: 'acknowledged',
        actor: ALICE,
        actorSubject: subjects.get(ALICE),
        comment: 'Đã giao UBND xã rà soát',
        details: { source: 'api' },
      });
      // What the alerting service reads.
      const row = (await db.query(`SELECT status, acknowledged_by, acknowledge_comment FROM alerts WHERE id = $1`, [A2])).rows[0];
      expect(row).toEqual({ status: 'acknowledged', acknowledged_by: ALICE, acknowledge_comment: 'Đã giao UBND xã rà soát' });
      expect(await count('notification_outbox')).toBe(outboxBefore);
      expect(await ids({ status: 'acknowledged' })).toEqual([A2, A3]);
      expect(await ids({ status: 'firing' })).toEqual([A8, A5, A1]);
      expect(await ids({})).toEqual([A8, A5, A2, A1, A3]);
    });

    it('answers 409 to a second acknowledgement, naming who acknowledged, and changes nothing', async () => {
      const historyBefore = await count('alert_history');
      const response = await acknowledge(A2, { comment: 'lần nữa' }, BOB);
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(new RegExp(`^status: alert ${A2} is already acknowledged \\(by ${ALICE} at \\d{4}-.*Z\\); only a firing alert can be acknowledged$`));
      expect(await count('alert_history')).toBe(historyBefore);
      const row = (await db.query(`SELECT acknowledged_by, acknowledge_comment FROM alerts WHERE id = $1`, [A2])).rows[0];
      expect(row).toEqual({ acknowledged_by: ALICE, acknowledge_comment: 'Đã giao UBND xã rà soát' });
    });

    it('answers 409 for a resolved alert', async () => {
      const response = await acknowledge(A4, { comment: 'muộn' });
      expect(response.status).toBe(409);
      expect(response.body.message).toBe(`status: alert ${A4} is resolved (at 2025-03-02T01:00:00.000Z); only a firing alert can be acknowledged`);
      expect((await db.query(`SELECT status, acknowledged_by FROM alerts WHERE id = $1`, [A4])).rows[0]).toEqual({ status: 'resolved', acknowledged_by: null });
    });

    it('answers 404 for an unknown alert', async () => {
      for (const id of [MISSING_ID, 'nope']) {
        const response = await acknowledge(id, { comment: 'x' });
        expect(response.status).toBe(404);
        expect(response.body.message).toBe(`alert ${JSON.stringify(id)} does not exist`);
      }
    });

    it('answers 401 without a token, 400 without a comment, and changes nothing', async () => {
      const historyBefore = await count('alert_history');
      for (const unauthenticated of [
        await acknowledge(A5, { comment: 'x' }, null),
        await request(server()).post(`/v1/alerts/${A5}/acknowledge`).set('X-Actor', 'alice@hungyen.gov.vn').send({ comment: 'x' }),
      ]) {
        expect(unauthenticated.status).toBe(401);
      }
      const cases: Array<[unknown, string | null, RegExp]> = [
        [{}, ALICE, /^comment: is required/],
        [{ comment: '  ' }, ALICE, /^comment: must not be empty or blank/],
        [{ comment: 'x', status: 'resolved' }, ALICE, /^status: unknown property; an acknowledgement has comment$/],
      ];
      for (const [body, actor, message] of cases) {
        const response = await acknowledge(A5, body, actor);
        expect(response.status).toBe(400);
        expect(response.body.message).toMatch(message);
      }
      expect(await count('alert_history')).toBe(historyBefore);
      expect((await db.query(`SELECT status FROM alerts WHERE id = $1`, [A5])).rows[0].status).toBe('firing');
    });

    it('lets exactly one of two simultaneous acknowledgements through', async () => {
      const responses = await Promise.all([acknowledge(A5, { comment: 'một' }, ALICE), acknowledge(A5, { comment: 'hai' }, BOB)]);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
      const history = (await db.query(`SELECT to_status FROM alert_history WHERE alert_id = $1 ORDER BY id`, [A5])).rows;
      expect(history.map((h) => h.to_status)).toEqual(['firing', 'acknowledged']);
    });
  });

  describe('alerts of every kind (zeroUptake, silentSource)', () => {
    // Seeded last, so that the lists above stay as they are; opened after every belowTarget alert.
    const Z1 = 'b1000000-0000-4000-8000-000000000000'; // zeroUptake, commune 1 × marriage, firing, reminded twice, escalated
    const Z2 = 'b2000000-0000-4000-8000-000000000000'; // zeroUptake, district × birth, resolved (onlineUptake)
    const S1 = 'c1000000-0000-4000-8000-000000000000'; // silentSource, firing
    const SOURCE = 'urn:dvc:motcua:hung-yen';
    const zeroEvaluation = { received: 12, receivedOnline: 0, minimumDossiers: 10, window: { firstDay: '2025-04-01', lastDay: '2025-04-10' } };
    const zeroExplanation = { agencyName: 'UBND xã 1', procedureName: 'Đăng ký kết hôn', onlineLevel: 'full', window: zeroEvaluation.window };
    const silentEvaluation = { lastEventAt: '2025-04-10T01:00:00.000Z', workingTimeSilentMs: 14_400_000, thresholdMs: 7_200_000, at: '2025-04-10T08:00:00.000Z' };
    const silentExplanation = { sourceUri: SOURCE, schedule: 'working time, Asia/Ho_Chi_Minh' };

    beforeAll(async () => {
      await db.query(
        `INSERT INTO alerts (id, kind, agency_code, procedure_code, window_kind, metric, severity, status, opened_at, last_evaluated_at,
                             last_evaluation, explanation, reminder_count, last_reminded_at, escalated_at)
         VALUES ($1, 'zeroUptake', $2, $3, 'monthToDate', 'onlineRate', 'warning', 'firing', '2025-04-10T02:00:00Z', '2025-04-10T03:00:00Z',
                 $4, $5, 2, '2025-04-12T02:00:00Z', '2025-04-11T02:00:00Z')`,
        [Z1, COMMUNE_1, MARRIAGE, JSON.stringify(zeroEvaluation), JSON.stringify(zeroExplanation)],
      );
      await db.query(
        `INSERT INTO alerts (id, kind, agency_code, procedure_code, window_kind, metric, severity, status, opened_at, last_evaluated_at,
                             resolved_at, resolve_reason, last_evaluation, explanation)
         VALUES ($1, 'zeroUptake', $2, $3, 'rolling30d', 'onlineRate', 'warning', 'resolved', '2025-04-09T02:00:00Z', '2025-04-09T05:00:00Z',
                 '2025-04-09T05:00:00Z', 'onlineUptake', $4, $5)`,
        [Z2, DISTRICT, BIRTH, JSON.stringify({ ...zeroEvaluation, receivedOnline: 1 }), JSON.stringify(zeroExplanation)],
      );
      await db.query(
        `INSERT INTO alerts (id, kind, source_uri, severity, status, opened_at, last_evaluated_at, last_evaluation, explanation)
         VALUES ($1, 'silentSource', $2, 'critical', 'firing', '2025-04-10T08:00:00Z', '2025-04-10T08:00:00Z', $3, $4)`,
        [S1, SOURCE, JSON.stringify(silentEvaluation), JSON.stringify(silentExplanation)],
      );
      for (const id of [Z1, Z2, S1]) {
        await db.query(`INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, details) SELECT id, opened_at, NULL, 'firing', $2, '{}' FROM alerts WHERE id = $1`, [id, SWEEPER]);
      }
    });

    it('lists them with their kind and the null fields of their kind, filtered by kind', async () => {
      expect(await ids({ kind: 'zeroUptake', status: 'all' })).toEqual([Z1, Z2]);
      expect(await ids({ kind: 'zeroUptake' })).toEqual([Z1]);
      expect(await ids({ kind: 'silentSource' })).toEqual([S1]);
      expect(await ids({ kind: 'belowTarget', status: 'all' })).toEqual([A8, A5, A2, A1, A3, A7, A4]);
      expect((await ids({ status: 'all' })).slice(0, 3)).toEqual([S1, Z1, Z2]);
      // An agency filter never matches an operator alert about no agency; other filters combine with kind.
      expect(await ids({ agency: COMMUNE_1, subtree: 'true', status: 'all' })).toEqual([Z1, A2]);
      expect(await ids({ severity: 'critical', kind: 'silentSource' })).toEqual([S1]);
      expect(await ids({ metric: 'onlineRate', kind: 'silentSource' })).toEqual([]);
      expect(await ids({ window: 'rolling30d', kind: 'zeroUptake', status: 'resolved' })).toEqual([Z2]);

      const silent = (await get('/v1/alerts', { kind: 'silentSource' })).body.items[0];
      expect(silent).toEqual({
        id: S1,
        kind: 'silentSource',
        status: 'firing',
        severity: 'critical',
        metric: null,
        threshold: null,
        agencyCode: null,
        agencyName: null,
        procedureCode: null,
        procedureName: null,
        windowKind: null,
        targetId: null,
        sourceUri: SOURCE,
        openedAt: '2025-04-10T08:00:00.000Z',
        lastEvaluatedAt: '2025-04-10T08:00:00.000Z',
        evaluation: silentEvaluation,
        acknowledgedAt: null,
        acknowledgedBy: null,
        acknowledgeComment: null,
        resolvedAt: null,
        resolveReason: null,
        escalatedAt: null,
        reminderCount: 0,
        lastRemindedAt: null,
      });
      const zero = (await get('/v1/alerts', { kind: 'zeroUptake' })).body.items[0];
      expect(zero).toMatchObject({
        id: Z1,
        kind: 'zeroUptake',
        metric: 'onlineRate',
        threshold: null,
        targetId: null,
        sourceUri: null,
        agencyCode: COMMUNE_1,
        procedureCode: MARRIAGE,
        windowKind: 'monthToDate',
        evaluation: zeroEvaluation,
        reminderCount: 2,
        lastRemindedAt: '2025-04-12T02:00:00.000Z',
        escalatedAt: '2025-04-11T02:00:00.000Z',
      });
    });

    it('answers 400 to an unknown kind', async () => {
      const response = await get('/v1/alerts', { kind: 'silent' });
      expect(response.status).toBe(400);
      expect(response.body.message).toBe('kind: "silent" is not allowed; use one of belowTarget, zeroUptake, silentSource');
    });

    it('shows each in detail, without a rule', async () => {
      const zero = await get(`/v1/alerts/${Z1}`);
      expect(zero.status).toBe(200);
      expect(zero.body).toMatchObject({ id: Z1, kind: 'zeroUptake', rule: null, explanation: zeroExplanation, reminderCount: 2 });
      expect(zero.body.history).toHaveLength(1);
      const silent = await get(`/v1/alerts/${S1}`);
      expect(silent.status).toBe(200);
      expect(silent.body).toMatchObject({ id: S1, kind: 'silentSource', sourceUri: SOURCE, agencyCode: null, rule: null, explanation: silentExplanation });
      expect(silent.body.history.map((h: Json) => [h.fromStatus, h.toStatus, h.actor])).toEqual([[null, 'firing', SWEEPER]]);
    });

    it('acknowledges every kind alike, and refuses a resolved one', async () => {
      for (const id of [Z1, S1]) {
        const response = await acknowledge(id, { comment: 'Đã liên hệ đơn vị vận hành' }, BOB);
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ id, status: 'acknowledged', acknowledgedBy: BOB, acknowledgeComment: 'Đã liên hệ đơn vị vận hành' });
        expect(response.body.history.map((h: Json) => h.toStatus)).toEqual(['firing', 'acknowledged']);
        expect((await db.query(`SELECT status, acknowledged_by FROM alerts WHERE id = $1`, [id])).rows[0]).toEqual({ status: 'acknowledged', acknowledged_by: BOB });
        expect((await acknowledge(id, { comment: 'lần nữa' })).status).toBe(409);
      }
      expect((await acknowledge(Z2, { comment: 'muộn' })).status).toBe(409);
      expect(await ids({ kind: 'silentSource', status: 'acknowledged' })).toEqual([S1]);
    });
  });
});

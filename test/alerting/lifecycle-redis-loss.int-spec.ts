import { eventually, ServiceProcess, sleep } from '../support/service-process';
import { useAlertingLifecycle } from './lifecycle-harness';

/**
 * Redis killed under two alerting instances: still exactly one e-mail per recipient. Real processes, as set up
 * by ./lifecycle-harness.ts (its doc says what runs and with which delays).
 */

describe('alerting lifecycle: Redis loss under two instances', () => {
  const {
    alerting,
    alertsOf,
    environment,
    killPrivateRedis,
    serviceEnvironment,
    setBucket,
    sink,
    sweepCounts,
    sweepsPass,
    withSubject,
  } = useAlertingLifecycle('alerting-lifecycle-redis-loss');

  it('Redis killed under two instances still yields exactly one e-mail per recipient', async () => {
    const second = await new ServiceProcess('alerting', serviceEnvironment).start();
    await sweepsPass([alerting, second], 2);
    await killPrivateRedis();
    // Without Redis both instances sweep (only PostgreSQL's guard stands between them).
    const before = await sweepCounts([alerting, second]);
    await eventually(
      async () => {
        const now = await sweepCounts([alerting, second]);
        return now[0] > before[0] + 1 && now[1] > before[1] + 1 ? true : undefined;
      },
      30_000,
      'both instances sweeping without Redis',
    );
    await setBucket('R01', 'P1', 100, 2);
    await eventually(async () => (sink.to('r1@r01.test').length > 0 && sink.to('r2@r01.test').length > 0 ? true : undefined), 30_000, 'R01 e-mails');
    await sweepsPass([alerting, second], 8);
    for (const address of ['r1@r01.test', 'r2@r01.test']) {
      expect(withSubject(address, 'Cảnh báo:')).toHaveLength(1);
    }
    expect((await alertsOf(`agency_code = 'R01'`)).map((a) => `${a.procedure_code ?? '*'} ${a.severity} ${a.status}`).sort()).toEqual([
      '* critical firing',
      '* warning firing',
      'P1 critical firing',
      'P1 warning firing',
    ]);
    const duplicates = await environment.query(`SELECT dedupe_key FROM notification_outbox GROUP BY dedupe_key HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
    await sleep(100);
    await second.stop();
  });
});

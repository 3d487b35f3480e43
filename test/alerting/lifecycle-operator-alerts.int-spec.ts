import { eventually } from '../support/service-process';
import { useAlertingLifecycle } from './lifecycle-harness';

/**
 * The operator and zero-uptake alerts: a silent source, and an online procedure with dossiers but none online.
 * Real processes, as set up by ./lifecycle-harness.ts (its doc says what runs and with which delays).
 */

describe('alerting lifecycle: silent sources and zero uptake', () => {
  const { alerting, alertsOf, environment, produceCanonical, setBucket, sweepsPass, withSubject } = useAlertingLifecycle('alerting-lifecycle-operator-alerts');

  it('a source silent for the configured working time raises an operator alert, resolved when events return', async () => {
    const source = `urn:dvc:test:silent:${environment.runId}`;
    await produceCanonical(source, 'first');
    await eventually(
      async () => ((await environment.query(`SELECT 1 FROM source_activity WHERE source_uri = $1`, [source])).length === 1 ? true : undefined),
      30_000,
      'the source to be recorded',
    );
    expect(await alertsOf(`kind = 'silentSource'`)).toEqual([]);
    await eventually(async () => (withSubject('ops@dvc.test', 'ngừng gửi sự kiện').length > 0 ? true : undefined), 30_000, 'the silent-source e-mail');
    const [silent] = await alertsOf(`kind = 'silentSource' AND source_uri = $1`, [source]);
    expect(silent).toMatchObject({ status: 'firing', severity: 'critical', agency_code: null });
    const [evaluation] = await environment.query<{ silent_ms: number }>(`SELECT (last_evaluation->>'workingTimeSilentMs')::int AS silent_ms FROM alerts WHERE id = $1`, [silent.id]);
    expect(evaluation.silent_ms).toBeGreaterThanOrEqual(5000);
    expect(withSubject('ops@dvc.test', 'ngừng gửi sự kiện')[0].text).toContain(source);

    await produceCanonical(source, 'second');
    await eventually(async () => (withSubject('ops@dvc.test', 'đã gửi sự kiện trở lại').length > 0 ? true : undefined), 30_000, 'the resolve e-mail');
    await sweepsPass([alerting], 2);
    expect((await alertsOf(`id = $1`, [silent.id]))[0].status).toBe('resolved');
    expect(withSubject('ops@dvc.test', 'ngừng gửi sự kiện')).toHaveLength(1);
    expect(withSubject('ops@dvc.test', 'đã gửi sự kiện trở lại')).toHaveLength(1);
    // Silent-source alerts are operator alerts: never escalated to an agency.
    expect((await alertsOf(`kind = 'silentSource'`)).every((a) => a.escalated_at === null)).toBe(true);
  });

  it('an online procedure with dossiers but none online raises a zero-uptake alert, resolved by the first online dossier', async () => {
    await setBucket('Z01', 'P2', 25, 0);
    await setBucket('Z01', 'P1', 19, 0); // below the minimum: no zero-uptake alert
    await eventually(async () => (withSubject('admin@z01.test', 'Cảnh báo: 1 thủ tục trực tuyến').length > 0 ? true : undefined), 30_000, 'the zero-uptake e-mail');
    await sweepsPass([alerting], 2);
    const zero = await alertsOf(`kind = 'zeroUptake'`);
    expect(zero.map((a) => `${a.agency_code} ${a.procedure_code} ${a.status}`)).toEqual(['Z01 P2 firing']);
    const [mail] = withSubject('admin@z01.test', 'Cảnh báo: 1 thủ tục trực tuyến');
    expect(mail.text).toContain('Chứng thực bản sao (P2), trực tuyến một phần: 25 hồ sơ, 0 trực tuyến');

    await setBucket('Z01', 'P2', 26, 1);
    await eventually(async () => (withSubject('admin@z01.test', 'đã có hồ sơ nộp trực tuyến').length > 0 ? true : undefined), 30_000, 'the zero-uptake resolve e-mail');
    await sweepsPass([alerting], 2);
    expect((await alertsOf(`kind = 'zeroUptake'`)).map((a) => a.status)).toEqual(['resolved']);
    expect(withSubject('admin@z01.test', 'Cảnh báo: 1 thủ tục trực tuyến')).toHaveLength(1);
    expect(withSubject('admin@z01.test', 'đã có hồ sơ nộp trực tuyến')).toHaveLength(1);
  });
});

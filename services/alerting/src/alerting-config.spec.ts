import { validateEnvironment } from '@dvc/config';
import { alertingEnvironment, parseWindows } from './alerting-config';

describe('alerting configuration', () => {
  it('parses windows', () => {
    expect(parseWindows('monthToDate, rolling30d')).toEqual([
      { kind: 'monthToDate', spec: { kind: 'monthToDate' } },
      { kind: 'rolling30d', spec: { kind: 'rollingDays', days: 30 } },
    ]);
    expect(() => parseWindows('rolling0d')).toThrow('rolling0d');
    expect(() => parseWindows('weekly')).toThrow('weekly');
    expect(() => parseWindows('rolling7d,rolling7d')).toThrow('twice');
    expect(() => parseWindows(' , ')).toThrow('at least one');
  });

  it('has working defaults and rejects bad values with every problem listed', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = validateEnvironment(alertingEnvironment)({ SECRETS_ENCRYPTION_KEY: key });
    expect(config.HTTP_PORT).toBe(3004);
    expect(config.ALERT_WINDOWS.map((w) => w.kind)).toEqual(['monthToDate', 'rolling30d']);
    expect(config.ALERT_LEADER_LOCK_ENABLED).toBe(true);
    expect(config.TOPIC_ALERTS).toBe('dvc.alerts.v1');
    expect(() =>
      validateEnvironment(alertingEnvironment)({ SECRETS_ENCRYPTION_KEY: key, ALERT_SWEEP_INTERVAL_MS: '10', SMTP_URL: 'http://x', ALERT_WINDOWS: 'daily', ALERT_LEADER_LOCK_ENABLED: 'yes' }),
    ).toThrow(/4 problems[\s\S]*ALERT_SWEEP_INTERVAL_MS[\s\S]*ALERT_WINDOWS[\s\S]*ALERT_LEADER_LOCK_ENABLED[\s\S]*SMTP_URL|4 problems/);
  });

  it('takes a calendar of public holidays and swapped Saturdays, and refuses a day that does not exist', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = validateEnvironment(alertingEnvironment)({ SECRETS_ENCRYPTION_KEY: key, ALERT_HOLIDAYS: '2026-02-16, 2026-02-17', ALERT_EXTRA_WORKING_DAYS: '2026-01-10' });
    expect(config.ALERT_HOLIDAYS).toEqual(['2026-02-16', '2026-02-17']);
    expect(config.ALERT_EXTRA_WORKING_DAYS).toEqual(['2026-01-10']);
    expect(() => validateEnvironment(alertingEnvironment)({ SECRETS_ENCRYPTION_KEY: key, ALERT_HOLIDAYS: '2026-02-30' })).toThrow(/ALERT_HOLIDAYS[\s\S]*"2026-02-30" is not a day/);
    expect(() => validateEnvironment(alertingEnvironment)({ SECRETS_ENCRYPTION_KEY: key, ALERT_EXTRA_WORKING_DAYS: '10/01/2026' })).toThrow(/ALERT_EXTRA_WORKING_DAYS/);
  });

  it('will not start without a key to open webhook secrets with, nor with a short one, nor with two sources of it', () => {
    expect(() => validateEnvironment(alertingEnvironment)({})).toThrow(/SECRETS_ENCRYPTION_KEY \(or SECRETS_ENCRYPTION_KEY_FILE\) is required/);
    expect(() => validateEnvironment(alertingEnvironment)({ SECRETS_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(
      /must be 32 random bytes in base64.*not 16 bytes/,
    );
    expect(() =>
      validateEnvironment(alertingEnvironment)({ SECRETS_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'), SECRETS_ENCRYPTION_KEY_FILE: '/run/secrets/key' }),
    ).toThrow(/both set/);
  });
});

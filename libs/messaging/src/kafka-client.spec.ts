import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { checkKafkaSecurity, commonEnvironment, validateEnvironment } from '@dvc/config';
import { kafkaConnectionSecurity, kafkaSecurity } from './kafka-client';

const schema = commonEnvironment.superRefine(checkKafkaSecurity);
const validate = validateEnvironment(schema);
const directory = mkdtempSync(join(tmpdir(), 'dvc-kafka-security-'));
const passwordFile = join(directory, 'ingest.password');
const caFile = join(directory, 'ca.pem');
const SECRET = 'correct-horse-battery-staple';
writeFileSync(passwordFile, `${SECRET}\n`);
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

/** The message validateEnvironment throws, or '' when the environment is valid. */
function problems(environment: Record<string, string>): string {
  try {
    validate(environment);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('Kafka security configuration', () => {
  it('is plaintext unless asked otherwise, and then has no ssl or sasl options', () => {
    const config = validate({});
    expect(config.KAFKA_SECURITY_PROTOCOL).toBe('plaintext');
    expect(config.KAFKA_SASL_MECHANISM).toBe('scram-sha-512');
    expect(kafkaConnectionSecurity(kafkaSecurity(config))).toEqual({});
  });

  it('accepts SASL_SSL with a password file and a CA, and reads both', () => {
    const config = validate({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_USERNAME: 'dvc-ingest',
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      KAFKA_SSL_CA_FILE: caFile,
    });
    expect(config.KAFKA_SECURITY_PROTOCOL).toBe('sasl_ssl');
    const options = kafkaConnectionSecurity(kafkaSecurity(config));
    expect(options.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'dvc-ingest', password: SECRET });
    expect(options.ssl).toEqual({ rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
  });

  it('takes the password itself and SCRAM-SHA-256, and the system CAs without KAFKA_SSL_CA_FILE', () => {
    const config = validate({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET });
    expect(kafkaConnectionSecurity(kafkaSecurity(config))).toEqual({
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-256', username: 'u', password: SECRET },
    });
  });

  it('names the missing variable when sasl_ssl lacks a username or a password', () => {
    const message = problems({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl' });
    expect(message).toContain('KAFKA_SASL_USERNAME: is required when KAFKA_SECURITY_PROTOCOL=sasl_ssl');
    expect(message).toContain('KAFKA_SASL_PASSWORD: is required when KAFKA_SECURITY_PROTOCOL=sasl_ssl');
  });

  it('refuses both password sources, unreadable files and a CA file without a certificate', () => {
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET, KAFKA_SASL_PASSWORD_FILE: passwordFile })).toContain(
      'KAFKA_SASL_PASSWORD_FILE: and KAFKA_SASL_PASSWORD are both set',
    );
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: join(directory, 'missing') })).toMatch(
      /KAFKA_SASL_PASSWORD_FILE: \S+missing cannot be read \(ENOENT\)/,
    );
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET, KAFKA_SSL_CA_FILE: passwordFile })).toContain(
      'holds no PEM certificate',
    );
  });

  it('refuses SASL settings on a plaintext connection, and unknown protocols or mechanisms', () => {
    expect(problems({ KAFKA_SASL_USERNAME: 'u' })).toContain('KAFKA_SASL_USERNAME: is set but KAFKA_SECURITY_PROTOCOL is plaintext');
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'ssl' })).toContain('KAFKA_SECURITY_PROTOCOL');
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET })).toContain(
      'KAFKA_SASL_MECHANISM',
    );
  });

  it('never puts the password into a configuration error', () => {
    const message = problems({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_MECHANISM: 'bad', KAFKA_SASL_PASSWORD: SECRET, KAFKA_SASL_PASSWORD_FILE: passwordFile, KAFKA_SSL_CA_FILE: passwordFile });
    expect(message).not.toBe('');
    expect(message).not.toContain(SECRET);
  });

  it('can be checked by every service schema that extends commonEnvironment', () => {
    const extended = commonEnvironment.extend({ EXTRA: z.string().default('x') }).superRefine(checkKafkaSecurity);
    expect(() => validateEnvironment(extended)({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl' })).toThrow(/KAFKA_SASL_USERNAME/);
  });
});

import type { KafkaConfig } from 'kafkajs';

/**
 * What the raw clients of the Kafka client comparison (bench/kafka-client-benchmark.ts) share. Types and Node's
 * built-ins only: each raw process loads its own client and nothing else, so its RSS stays that client's.
 */

/** The clients compared. */
export type RawKafkaClient = 'kafkajs' | 'platformatic' | 'librdkafka';

/** kafkajs-style `ssl`/`sasl`, as deploy/kafka/security.cjs builds them. */
export type KafkaConnection = Pick<KafkaConfig, 'ssl' | 'sasl'>;

type SaslCredentials = { mechanism: string; username: string; password: string };

/** The part of `@confluentinc/kafka-javascript` used here (it is not a dependency of the project: no types). */
export type LibrdkafkaModule = { KafkaJS: { Kafka: new (config: Record<string, unknown>) => any; logLevel: Record<string, number> }; librdkafkaVersion: string };

/** SASL/TLS from KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_CA_FILE, when `securityModule` (security.cjs) is given. */
export function connectionFromEnvironment(securityModule: string | undefined): KafkaConnection {
  const security = securityModule ? (require(securityModule) as typeof import('../../deploy/kafka/security.cjs')) : undefined;
  return (security?.kafkaConnectionOptions(process.env) ?? {}) as KafkaConnection;
}

/** `@platformatic/kafka`'s `tls`/`sasl` options for the same connection. */
export function platformaticConnection(connection: KafkaConnection): { tls?: object; sasl?: { mechanism: 'SCRAM-SHA-512'; username: string; password: string } } {
  const sasl = connection.sasl as SaslCredentials | undefined;
  return {
    ...(connection.ssl && typeof connection.ssl === 'object' ? { tls: connection.ssl } : {}),
    ...(sasl ? { sasl: { mechanism: sasl.mechanism.toUpperCase() as 'SCRAM-SHA-512', username: sasl.username, password: sasl.password } } : {}),
  };
}

/** librdkafka's own TLS/SASL properties for the same connection (the CA as PEM text). */
export function librdkafkaConnection(connection: KafkaConnection): Record<string, string> {
  const sasl = connection.sasl as SaslCredentials | undefined;
  if (!sasl) return {};
  const ca = typeof connection.ssl === 'object' && connection.ssl.ca ? [connection.ssl.ca].flat().map(String).join('\n') : undefined;
  return {
    'security.protocol': 'sasl_ssl',
    'sasl.mechanisms': sasl.mechanism.toUpperCase(),
    'sasl.username': sasl.username,
    'sasl.password': sasl.password,
    ...(ca ? { 'ssl.ca.pem': ca } : {}),
  };
}

import type { KafkaConfig } from 'kafkajs';

/** The clients of the Kafka client comparison (bench/kafka-client-benchmark.ts). */
export type RawKafkaClient = 'kafkajs' | 'platformatic' | 'librdkafka';

/** The part of `@confluentinc/kafka-javascript` used here (it is not a dependency of the project: no types). */
export type LibrdkafkaModule = { KafkaJS: { Kafka: new (config: Record<string, unknown>) => any; logLevel: Record<string, number> }; librdkafkaVersion: string };

/** librdkafka's own TLS/SASL properties for kafkajs-style `ssl`/`sasl` options (the CA as PEM text). */
export function librdkafkaConnection(connection: Pick<KafkaConfig, 'ssl' | 'sasl'>): Record<string, string> {
  const sasl = connection.sasl as { mechanism: string; username: string; password: string } | undefined;
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


import { join } from 'node:path';
import * as kafkajs from 'kafkajs';
import type { Kafka, KafkaConfig } from 'kafkajs';

type SecurityModule = typeof import('../../deploy/kafka/security.cjs');
export type BenchService = 'ingest' | 'aggregator' | 'alerting' | 'simulator';

/**
 * The benchmark's side of the broker's security, as in the integration tests: on a secured local broker
 * (deploy/kafka/kafka.sh, KAFKA_SECURITY=scram-tls) the benchmark's own clients connect as admin, and
 * every service (and the simulator's replay) as its own principal, with its least-privilege ACLs for the
 * run's topics and groups. deploy/kafka/security.cjs knows where the credentials are.
 */
export class BenchKafkaSecurity {
  readonly module: SecurityModule;
  readonly modulePath: string;

  constructor(
    repoRoot: string,
    private readonly brokers: string[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.modulePath = join(repoRoot, 'deploy', 'kafka', 'security.cjs');
    this.module = require(this.modulePath) as SecurityModule;
  }

  /** The environment a principal connects with (admin: the benchmark's own clients). */
  environment(principal = 'admin'): Record<string, string> {
    const dataDir = this.dataDir();
    if (dataDir) return this.module.principalEnvironment(dataDir, principal);
    const inherited: Record<string, string> = {};
    for (const name of this.module.SECURITY_VARIABLES) if (this.env[name] !== undefined) inherited[name] = this.env[name] as string;
    return inherited;
  }

  get secured(): boolean {
    return this.environment().KAFKA_SECURITY_PROTOCOL === 'sasl_ssl';
  }

  /** kafkajs `ssl`/`sasl` of the benchmark's own clients. */
  connection(): Pick<KafkaConfig, 'ssl' | 'sasl'> {
    return this.module.kafkaConnectionOptions(this.environment()) as Pick<KafkaConfig, 'ssl' | 'sasl'>;
  }

  /** `env` with a process's Kafka identity: `principal` if given, else admin (the benchmark's own tools). */
  processEnvironment(env: NodeJS.ProcessEnv, service?: BenchService): NodeJS.ProcessEnv {
    const principal = service ? this.module.SERVICE_PRINCIPALS[service] : this.module.ADMIN_PRINCIPAL;
    return { ...this.module.withoutSecurityVariables(env), ...this.environment(principal) };
  }

  /** Creates the services' ACLs for the topics and groups in `env` (nothing on a plaintext broker). */
  async grant(kafka: Kafka, env: NodeJS.ProcessEnv, services: BenchService[]): Promise<void> {
    if (!this.secured) return;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await this.module.ensureAcls(admin, kafkajs, this.module.serviceAclBindings(env, services));
    } finally {
      await admin.disconnect();
    }
  }

  /** Deletes the ACLs on the run's topics (and the per-source prefixes under them), (prefixed) groups and transactional ids. */
  async revoke(kafka: Kafka, topics: string[], groups: string[]): Promise<void> {
    if (!this.secured) return;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await this.module.deleteAclsOn(admin, kafkajs, [
        ...topics.map((name) => ({ resource: 'topic' as const, name })),
        // ingest's grant on the per-source topics of the run's input topic (`<input>.*`)
        ...topics.map((name) => ({ resource: 'topic' as const, name: `${name}.`, pattern: 'prefixed' as const })),
        ...groups.map((name) => ({ resource: 'group' as const, name, pattern: 'prefixed' as const })),
        // ingest's transactional ids start with its group id (INGEST_TRANSACTIONAL_ID_PREFIX unset)
        ...groups.map((name) => ({ resource: 'transactional-id' as const, name, pattern: 'prefixed' as const })),
      ]);
    } finally {
      await admin.disconnect();
    }
  }

  private dataDir(): string | undefined {
    try {
      return this.module.localBroker({ ...this.env, KAFKA_BROKERS: this.brokers.join(','), KAFKA_PORT: undefined }).dataDir;
    } catch {
      return undefined; // not a local kafka.sh broker: the caller's KAFKA_SECURITY_* / KAFKA_SASL_* apply
    }
  }
}

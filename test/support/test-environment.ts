import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '@dvc/persistence';
import kafkajs = require('kafkajs');
import { KAFKA_BROKERS, kafkaClient, kafkaSecured, POSTGRES_URL } from './infrastructure';

export interface TestTopics {
  dossierEvents: string;
  canonicalEvents: string;
  deadLetter: string;
  rateChanges: string;
}

/**
 * An isolated world for one test file: its own database (migrated), its own topics and consumer
 * groups, so test files never see each other's data even on a shared broker.
 */
export class TestEnvironment {
  readonly runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  readonly databaseName: string;
  readonly databaseUrl: string;
  readonly topics: TestTopics;
  /** The shared broker, unless the test file runs its own (`kafkaBrokers`). */
  readonly kafkaBrokers: string[];
  /** The machine's PostgreSQL server, unless the test file runs its own (`postgresUrl`, e.g. a PrivatePostgres). */
  readonly postgresUrl: string;

  constructor(
    readonly name: string,
    options: { kafkaBrokers?: string[]; databasePerRun?: boolean; postgresUrl?: string } = {},
  ) {
    this.kafkaBrokers = options.kafkaBrokers ?? KAFKA_BROKERS;
    this.postgresUrl = options.postgresUrl ?? POSTGRES_URL;
    // databasePerRun: for a file that must not meet another run of itself (it terminates its
    // database's connections); such a file drops its database itself (`dropDatabase`).
    this.databaseName = `dvc_test_${name.replace(/\W/g, '_')}${options.databasePerRun ? `_${this.runId}` : ''}`;
    this.databaseUrl = `${this.postgresUrl}/${this.databaseName}`;
    const prefix = `test.${name}.${this.runId}`;
    this.topics = {
      dossierEvents: `${prefix}.dossier-events`,
      canonicalEvents: `${prefix}.canonical`,
      deadLetter: `${prefix}.dlq`,
      rateChanges: `${prefix}.rate-changes`,
    };
  }

  /** Environment variables that point a service at this world. */
  serviceEnvironment(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      KAFKA_BROKERS: this.kafkaBrokers.join(','),
      TOPIC_DOSSIER_EVENTS: this.topics.dossierEvents,
      TOPIC_CANONICAL_EVENTS: this.topics.canonicalEvents,
      TOPIC_DEAD_LETTER: this.topics.deadLetter,
      TOPIC_RATE_CHANGES: this.topics.rateChanges,
      INGEST_GROUP_ID: `ingest.${this.runId}`,
      AGGREGATOR_GROUP_ID: `aggregator.${this.runId}`,
      LOG_LEVEL: process.env.TEST_SERVICE_LOG_LEVEL ?? 'warn',
      ...extra,
    };
  }

  async prepare(partitions = 6): Promise<void> {
    await this.dropDatabase();
    await migrate(this.databaseUrl);
    await this.createTopics(Object.values(this.topics), partitions);
  }

  /** Topics on this world's broker (a test file's own, beside `topics`), once their leaders are elected. */
  async createTopics(names: string[], partitions: number): Promise<void> {
    const kafkaAdmin = kafkaClient('dvc-test', this.kafkaBrokers).admin();
    await kafkaAdmin.connect();
    try {
      await kafkaAdmin.createTopics({ waitForLeaders: true, topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
    } finally {
      await kafkaAdmin.disconnect();
    }
  }

  async dropDatabase(): Promise<void> {
    const admin = new Client({ connectionString: `${this.postgresUrl}/postgres` });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.databaseName} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }

  async query<T = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, parameters)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /**
   * Deletes this run's topics, and on a secured broker the ACLs the services got for this run's topics
   * and groups (every resource named with the run id). The database is kept for a post-mortem and
   * dropped by the next run.
   */
  async cleanUp(): Promise<void> {
    const kafkaAdmin = kafkaClient('dvc-test', this.kafkaBrokers).admin();
    await kafkaAdmin.connect();
    try {
      await kafkaAdmin.deleteTopics({ topics: Object.values(this.topics) });
    } catch {
      // best effort: a later run uses new topic names anyway
    }
    try {
      if (kafkaSecured(this.kafkaBrokers)) await this.deleteRunAcls(kafkaAdmin);
    } catch {
      // best effort: ACLs of topics and groups that no longer exist grant nothing
    } finally {
      await kafkaAdmin.disconnect();
    }
  }

  private async deleteRunAcls(kafkaAdmin: ReturnType<ReturnType<typeof kafkaClient>['admin']>): Promise<void> {
    const { resources } = await kafkaAdmin.describeAcls({
      resourceType: kafkajs.AclResourceTypes.ANY,
      resourcePatternType: kafkajs.ResourcePatternTypes.ANY,
      operation: kafkajs.AclOperationTypes.ANY,
      permissionType: kafkajs.AclPermissionTypes.ANY,
    });
    const ours = resources.filter((resource) => resource.resourceName.includes(this.runId));
    if (!ours.length) return;
    await kafkaAdmin.deleteAcls({
      filters: ours.map((resource) => ({
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        resourcePatternType: resource.resourcePatternType,
        operation: kafkajs.AclOperationTypes.ANY,
        permissionType: kafkajs.AclPermissionTypes.ANY,
      })),
    });
  }
}

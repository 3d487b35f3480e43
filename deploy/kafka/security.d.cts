// Types of security.cjs, for the TypeScript tests and benchmarks that load it.
import type { Admin } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';

type Env = Record<string, string | undefined>;
export type ServiceWithPrincipal = 'ingest' | 'aggregator' | 'alerting' | 'simulator';
export interface AclBinding {
  principal: string;
  resource: 'topic' | 'group' | 'cluster' | 'transactional-id';
  name: string;
  pattern: 'literal' | 'prefixed';
  operation: 'read' | 'write' | 'describe' | 'idempotent-write';
}
type Kafkajs = typeof import('kafkajs');

export declare const ADMIN_PRINCIPAL: 'admin';
export declare const SERVICE_PRINCIPALS: Readonly<Record<ServiceWithPrincipal, string>>;
export declare const SECURITY_VARIABLES: readonly string[];
export declare const DEFAULT_TOPICS: Readonly<Record<'dossierEvents' | 'canonicalEvents' | 'deadLetter' | 'rateChanges' | 'alerts', string>>;
export declare function localBroker(env?: Env): { port: number; brokers: string[]; dataDir: string };
export declare function brokerDataDir(port: number, env?: Env): string;
export declare function securityPaths(dataDir: string): { securityFile: string; caFile: string; credentialsDir: string };
export declare function brokerSecurity(dataDir: string): 'scram-tls' | 'plaintext' | undefined;
export declare function passwordFile(dataDir: string, principal: string): string;
export declare function principalEnvironment(dataDir: string, principal: string): Record<string, string>;
export declare function serviceEnvironment(dataDir: string, service: ServiceWithPrincipal): Record<string, string>;
export declare function withoutSecurityVariables<T extends Env>(env: T): T;
export declare function toolEnvironment<T extends Env>(env?: T): T;
export declare function kafkaConnectionOptions(env?: Env): {
  ssl?: ConnectionOptions;
  sasl?: { mechanism: 'scram-sha-512' | 'scram-sha-256'; username: string; password: string };
};
export declare function serviceResources(env?: Env): {
  dossierEvents: string;
  canonicalEvents: string;
  deadLetter: string;
  rateChanges: string;
  alerts: string;
  groups: Record<ServiceWithPrincipal, string[]>;
  ingestTransactionalIdPrefix: string;
};
export declare function serviceAclBindings(env?: Env, services?: ServiceWithPrincipal[]): AclBinding[];
export declare function checkSourceKey(key: string): void;
export declare function sourceAccess(key: string, env?: Env): { principal: string; topic: string; bindings: AclBinding[] };
export declare function ensureAcls(admin: Admin, kafkajs: Kafkajs, bindings: AclBinding[]): Promise<void>;
export declare function deleteAclsOn(admin: Admin, kafkajs: Kafkajs, resources: Array<{ resource: 'topic' | 'group' | 'transactional-id'; name: string; pattern?: 'literal' | 'prefixed' }>): Promise<void>;
export declare function deleteAclsOf(admin: Admin, kafkajs: Kafkajs, principal: string): Promise<void>;

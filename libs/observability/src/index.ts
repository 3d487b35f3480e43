export * from './observability.module';
export * from './health/readiness-checks';
export * from './logging';
export * from './bootstrap';
export * from './health/health.controller';

import type { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { READINESS_CHECKS, ReadinessCheck } from '@dvc/observability';
import type { ApiEnvironment } from '../config/api-environment';

/** The API's one dependency is PostgreSQL (no Kafka, no Redis): ready when it answers a ping in time. */
export const databaseReadinessProvider: Provider = {
  provide: READINESS_CHECKS,
  inject: [TypeOrmHealthIndicator, ConfigService],
  useFactory: (database: TypeOrmHealthIndicator, config: ConfigService<ApiEnvironment, true>): ReadinessCheck[] => {
    const timeout = config.get('HEALTH_CHECK_TIMEOUT_MS', { infer: true });
    return [() => database.pingCheck('database', { timeout })];
  },
};

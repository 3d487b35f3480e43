import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '@dvc/auth';
import { validateEnvironment } from '@dvc/config';
import { HealthController, ObservabilityModule } from '@dvc/observability';
import { dataSourceOptions } from '@dvc/persistence';
import { ApiEnvironment, apiEnvironment } from './config/api-environment';
import { AgenciesController } from './controllers/agencies.controller';
import { AlertsController } from './controllers/alerts.controller';
import { IndicatorsController } from './controllers/indicators.controller';
import { ProceduresController } from './controllers/procedures.controller';
import { ReportsController } from './controllers/reports.controller';
import { RatesController } from './controllers/rates.controller';
import { RecipientsController } from './controllers/recipients.controller';
import { TargetsController } from './controllers/targets.controller';
import { SourcesController } from './controllers/sources.controller';
import { WebhooksController } from './controllers/webhooks.controller';
import { ZeroUptakeController } from './controllers/zero-uptake.controller';
import { databaseReadinessProvider } from './health/database-readiness.provider';
import { FailOpenThrottlerStorage, RateLimitStorageModule, SubjectThrottlerGuard } from './http-edge';
import { ADOPTION_METRIC_PROVIDERS } from './metrics/adoption-metrics';
import { AdoptionMetricsService } from './metrics/adoption-metrics.service';
import { httpRequestDurationProvider } from './metrics/http-metrics';
import { ReadCacheInterceptor, readCacheCounterProvider } from './cache/read-cache.interceptor';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { AdoptionMetricsRepository } from './repositories/adoption-metrics.repository';
import { AgenciesRepository } from './repositories/agencies.repository';
import { AlertsRepository } from './repositories/alerts.repository';
import { IndicatorsRepository } from './repositories/indicators.repository';
import { ProceduresRepository } from './repositories/procedures.repository';
import { RatesRepository } from './repositories/rates.repository';
import { RecipientsRepository } from './repositories/recipients.repository';
import { TargetsRepository } from './repositories/targets.repository';
import { SourcesRepository } from './repositories/sources.repository';
import { WebhooksRepository } from './repositories/webhooks.repository';
import { ZeroUptakeRepository } from './repositories/zero-uptake.repository';
import { AgenciesService } from './services/agencies.service';
import { AlertsService } from './services/alerts.service';
import { IndicatorsService } from './services/indicators.service';
import { ProceduresService } from './services/procedures.service';
import { RatesService } from './services/rates.service';
import { RecipientsService } from './services/recipients.service';
import { TargetsService } from './services/targets.service';
import { SourcesService } from './services/sources.service';
import { WebhooksService } from './services/webhooks.service';
import { ZeroUptakeService } from './services/zero-uptake.service';

export const SERVICE_NAME = 'api';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, validate: validateEnvironment(apiEnvironment) }),
    ObservabilityModule.forRoot({ serviceName: SERVICE_NAME }),
    AuthModule.forRoot(),
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [ConfigService, FailOpenThrottlerStorage],
      useFactory: (config: ConfigService<ApiEnvironment, true>, storage: FailOpenThrottlerStorage) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.get('API_RATE_LIMIT_PER_MINUTE', { infer: true }) }],
        storage,
        // Probes must answer however busy the API is.
        skipIf: (context) => context.switchToHttp().getRequest<{ path: string }>().path.startsWith('/health'),
        errorMessage: (_context, detail) =>
          `too many requests: at most ${detail.limit} a minute for each signed-in user (by address without a token); ` +
          `try again in ${detail.timeToBlockExpire} s`,
      }),
    }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<ApiEnvironment, true>) => {
        const options = dataSourceOptions(config.get('DATABASE_URL', { infer: true }), config.get('DATABASE_POOL_SIZE', { infer: true }));
        return {
          ...options,
          extra: {
            ...options.extra,
            application_name: `dvc-monitor-${SERVICE_NAME}`,
            statement_timeout: config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }),
          },
        };
      },
    }),
  ],
  controllers: [
    RatesController,
    AgenciesController,
    ProceduresController,
    TargetsController,
    AlertsController,
    RecipientsController,
    ZeroUptakeController,
    WebhooksController,
    SourcesController,
    IndicatorsController,
    ReportsController,
    HealthController,
  ],
  providers: [
    { provide: APP_GUARD, useClass: SubjectThrottlerGuard },
    databaseReadinessProvider,
    httpRequestDurationProvider,
    readCacheCounterProvider,
    ReadCacheInterceptor,
    ...ADOPTION_METRIC_PROVIDERS,
    AdoptionMetricsService,
    AdoptionMetricsRepository,
    RatesService,
    AgenciesService,
    ProceduresService,
    TargetsService,
    AlertsService,
    RecipientsService,
    ZeroUptakeService,
    WebhooksService,
    SourcesService,
    IndicatorsService,
    RatesRepository,
    AgenciesRepository,
    ProceduresRepository,
    TargetsRepository,
    AlertsRepository,
    RecipientsRepository,
    ZeroUptakeRepository,
    WebhooksRepository,
    SourcesRepository,
    IndicatorsRepository,
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}

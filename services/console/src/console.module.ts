import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { oidcTokenVerifierProvider } from '@dvc/auth';
import { validateEnvironment } from '@dvc/config';
import { HealthController, ObservabilityModule, READINESS_CHECKS } from '@dvc/observability';
import { createRedisClient, redisReadinessCheck } from '@dvc/persistence';
import { ApiClient } from './api/api-client';
import { ConsoleAuthGuard } from './auth/console-auth.guard';
import { OidcClientService } from './auth/oidc-client.service';
import { SessionController } from './auth/session.controller';
import { consoleEnvironment, type ConsoleEnvironment } from './config/console-environment';
import { AlertPagesController } from './pages/alert-pages.controller';
import { IndicatorPagesController } from './pages/indicator-pages.controller';
import { IndicatorViews } from './pages/indicator-views';
import { RecipientPagesController } from './pages/recipient-pages.controller';
import { ReportPagesController } from './pages/report-pages.controller';
import { TargetPagesController } from './pages/target-pages.controller';
import { PdfRenderer } from './pdf/pdf-renderer.service';
import { ViewRenderer } from './rendering/view-renderer';
import { PageExceptionFilter } from './web/page-exception.filter';

export const SERVICE_NAME = 'console';
/** The Redis connection the sessions live on (main.ts hands it to connect-redis; readiness pings it). */
export const SESSION_REDIS = Symbol('SESSION_REDIS');

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, validate: validateEnvironment(consoleEnvironment) }),
    ObservabilityModule.forRoot({ serviceName: SERVICE_NAME }),
  ],
  controllers: [
    SessionController,
    IndicatorPagesController,
    AlertPagesController,
    TargetPagesController,
    RecipientPagesController,
    ReportPagesController,
    HealthController,
  ],
  providers: [
    // Access tokens are checked exactly as the API checks them, so a page never shows what the API would refuse.
    oidcTokenVerifierProvider,
    {
      provide: SESSION_REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<ConsoleEnvironment, true>) => createRedisClient(config.get('REDIS_URL', { infer: true }), 'dvc-console-sessions'),
    },
    {
      // Without Redis there are no sessions, so the console is not ready; the API and the provider have their own probes.
      provide: READINESS_CHECKS,
      inject: [ConfigService, HealthIndicatorService, SESSION_REDIS],
      useFactory: (config: ConfigService<ConsoleEnvironment, true>, indicators: HealthIndicatorService, redis: Redis) => [
        redisReadinessCheck(redis, indicators, config.get('HEALTH_CHECK_TIMEOUT_MS', { infer: true })),
      ],
    },
    { provide: APP_GUARD, useClass: ConsoleAuthGuard },
    { provide: APP_FILTER, useClass: PageExceptionFilter },
    OidcClientService,
    ApiClient,
    ViewRenderer,
    IndicatorViews,
    PdfRenderer,
  ],
})
export class ConsoleModule {}

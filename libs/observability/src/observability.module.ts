import { DynamicModule, MiddlewareConsumer, Module, NestModule, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { edgeAccess, OidcTokenVerifier } from '@dvc/auth';
import type { EdgeAccessMode } from '@dvc/config';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { structuredLogging } from './logging';

export interface ObservabilityOptions {
  serviceName: string;
}

/**
 * Logging, `/metrics` (prom-client default metrics plus the service's own) and `/health/live|ready`.
 * Each service lists `HealthController` among its own controllers and provides `READINESS_CHECKS`
 * there, with one check per dependency (the checks need the service's own clients).
 */
@Module({})
export class ObservabilityModule implements NestModule {
  constructor(
    private readonly config: ConfigService,
    @Optional() private readonly verifier?: OidcTokenVerifier,
  ) {}

  /** `/metrics` behind METRICS_ACCESS, decided before any guard (the Prometheus controller has no permission of its own). */
  configure(consumer: MiddlewareConsumer): void {
    const mode = this.config.get<EdgeAccessMode>('METRICS_ACCESS') ?? 'loopback';
    if (mode === 'token' && !this.verifier) throw new Error('METRICS_ACCESS=token needs a service that verifies tokens (the api or ingest)');
    consumer.apply(edgeAccess(mode, 'operations:read', this.verifier ?? null)).forRoutes('metrics');
  }

  static forRoot({ serviceName }: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        structuredLogging(serviceName),
        PrometheusModule.register({
          path: '/metrics',
          defaultMetrics: { enabled: true },
          defaultLabels: { service: serviceName },
        }),
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
      ],
      exports: [PrometheusModule, TerminusModule],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
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
export class ObservabilityModule {
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

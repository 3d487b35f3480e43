import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Kafka } from 'kafkajs';
import { validateEnvironment } from '@dvc/config';
import { createKafkaClient, kafkaReadinessCheck, kafkaSecurity } from '@dvc/messaging';
import { HealthController, ObservabilityModule, READINESS_CHECKS } from '@dvc/observability';
import { loadSimulatorConfig, SimulatorConfig, simulatorEnvironment } from '../config/simulator.environment';
import { createSink } from '../sinks/create-sink';
import { LiveStreamService } from './live-stream.service';
import { SIMULATOR_METRIC_PROVIDERS, SimulatorMetrics } from './simulator.metrics';
import { EVENT_SINK, KAFKA, SIMULATOR_CONFIG } from './tokens';

/** The `stream` command: live events to the configured sink, with `/metrics` and `/health`. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvironment(simulatorEnvironment) }),
    ObservabilityModule.forRoot({ serviceName: 'simulator' }),
  ],
  controllers: [HealthController],
  providers: [
    { provide: SIMULATOR_CONFIG, useFactory: () => loadSimulatorConfig() },
    {
      provide: KAFKA,
      inject: [SIMULATOR_CONFIG],
      useFactory: (config: SimulatorConfig) =>
        createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'dvc-simulator', security: kafkaSecurity(config) }),
    },
    { provide: EVENT_SINK, inject: [SIMULATOR_CONFIG, KAFKA], useFactory: createSink },
    {
      provide: READINESS_CHECKS,
      inject: [SIMULATOR_CONFIG, HealthIndicatorService, KAFKA],
      // Kafka is a dependency only when events go there; the HTTP and file sinks have none to check.
      useFactory: (config: SimulatorConfig, indicators: HealthIndicatorService, kafka: Kafka) =>
        config.SIMULATOR_SINK === 'kafka' ? [kafkaReadinessCheck(kafka, indicators, config.HEALTH_CHECK_TIMEOUT_MS)] : [],
    },
    ...SIMULATOR_METRIC_PROVIDERS,
    SimulatorMetrics,
    LiveStreamService,
  ],
})
export class SimulatorModule {}

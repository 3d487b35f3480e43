import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { validateEnvironment } from '@dvc/config';
import { createKafkaClient, KAFKA_BATCH_TRANSPORT_OPTIONS, kafkaReadinessCheck, kafkaSecurity } from '@dvc/messaging';
import { HealthController, ObservabilityModule, READINESS_CHECKS } from '@dvc/observability';
import { dataSourceOptions } from '@dvc/persistence';
import type { Kafka } from 'kafkajs';
import { aggregatorEnvironment, AggregatorConfig } from './aggregator-config';
import { aggregatorTransportOptions, CanonicalEventsController } from './consumers/canonical-events.controller';
import { AGGREGATOR_METRIC_PROVIDERS, AggregatorMetrics } from './metrics/aggregator.metrics';
import { AggregationRepository } from './repositories/aggregation.repository';
import { BatchApplier } from './services/batch-applier.service';
import { RateChangePublisher } from './services/rate-change-publisher.service';
import { KAFKA } from './tokens';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvironment(aggregatorEnvironment) }),
    ObservabilityModule.forRoot({ serviceName: 'aggregator' }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AggregatorConfig, true>) =>
        dataSourceOptions(config.get('DATABASE_URL'), config.get('DATABASE_POOL_SIZE')),
    }),
  ],
  controllers: [HealthController, CanonicalEventsController],
  providers: [
    {
      provide: KAFKA,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AggregatorConfig, true>) =>
        createKafkaClient({
          brokers: config.get('KAFKA_BROKERS'),
          clientId: config.get('KAFKA_CLIENT_ID') ?? 'dvc-aggregator',
          security: kafkaSecurity((key) => config.get(key)),
        }),
    },
    {
      provide: READINESS_CHECKS,
      inject: [ConfigService, HealthIndicatorService, TypeOrmHealthIndicator, KAFKA],
      useFactory: (
        config: ConfigService<AggregatorConfig, true>,
        indicators: HealthIndicatorService,
        database: TypeOrmHealthIndicator,
        kafka: Kafka,
      ) => {
        const timeout = config.get('HEALTH_CHECK_TIMEOUT_MS');
        return [() => database.pingCheck('database', { timeout }), kafkaReadinessCheck(kafka, indicators, timeout)];
      },
    },
    ...AGGREGATOR_METRIC_PROVIDERS,
    AggregatorMetrics,
    AggregationRepository,
    BatchApplier,
    RateChangePublisher,
    { provide: KAFKA_BATCH_TRANSPORT_OPTIONS, inject: [KAFKA, ConfigService], useFactory: aggregatorTransportOptions },
  ],
})
export class AggregatorModule {}

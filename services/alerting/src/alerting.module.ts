import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import { validateEnvironment } from '@dvc/config';
import { createKafkaClient, KAFKA_BATCH_TRANSPORT_OPTIONS, KafkaBatchSubscription, KafkaBatchTransportOptions, kafkaReadinessCheck, kafkaSecurity } from '@dvc/messaging';
import { HealthController, ObservabilityModule, READINESS_CHECKS } from '@dvc/observability';
import { createRedisClient, dataSourceOptions, redisReadinessCheck } from '@dvc/persistence';
import { AlertingConfig, alertingEnvironment } from './alerting-config';
import { LifecycleSteps } from './evaluation/lifecycle-steps';
import { RateChangeController, rateChangeSubscription } from './evaluation/rate-change.controller';
import { SourceActivityController, sourceActivitySubscription } from './evaluation/source-activity.controller';
import { SweepService } from './evaluation/sweep.service';
import { LeaderLock } from './leader/leader-lock.service';
import { ALERTING_METRIC_PROVIDERS, AlertingMetrics } from './metrics/alerting.metrics';
import { OutboxDispatcher } from './notifications/outbox-dispatcher.service';
import { AlertmanagerPusher } from './notifications/alertmanager';
import { EmailSender, KafkaAlertPublisher, WebhookSender } from './notifications/senders';
import { AlertsRepository } from './repositories/alerts.repository';
import { LifecycleRepository } from './repositories/lifecycle.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { SweepCountsRepository } from './repositories/sweep-counts.repository';
import { KAFKA, REDIS } from './tokens';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvironment(alertingEnvironment) }),
    ObservabilityModule.forRoot({ serviceName: 'alerting' }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AlertingConfig, true>) =>
        dataSourceOptions(config.get('DATABASE_URL'), config.get('DATABASE_POOL_SIZE')),
    }),
  ],
  controllers: [HealthController, SourceActivityController, RateChangeController],
  providers: [
    {
      provide: KAFKA,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AlertingConfig, true>) =>
        createKafkaClient({
          brokers: config.get('KAFKA_BROKERS'),
          clientId: config.get('KAFKA_CLIENT_ID') ?? 'dvc-alerting',
          security: kafkaSecurity((key) => config.get(key)),
        }),
    },
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AlertingConfig, true>) => createRedisClient(config.get('REDIS_URL'), 'dvc-alerting'),
    },
    {
      provide: READINESS_CHECKS,
      inject: [ConfigService, HealthIndicatorService, TypeOrmHealthIndicator, KAFKA, REDIS],
      useFactory: (
        config: ConfigService<AlertingConfig, true>,
        indicators: HealthIndicatorService,
        database: TypeOrmHealthIndicator,
        kafka: Kafka,
        redis: Redis,
      ) => {
        const timeout = config.get('HEALTH_CHECK_TIMEOUT_MS');
        return [
          () => database.pingCheck('database', { timeout }),
          redisReadinessCheck(redis, indicators, timeout),
          kafkaReadinessCheck(kafka, indicators, timeout),
        ];
      },
    },
    ...ALERTING_METRIC_PROVIDERS,
    AlertingMetrics,
    AlertsRepository,
    LifecycleRepository,
    OutboxRepository,
    SweepCountsRepository,
    LeaderLock,
    EmailSender,
    KafkaAlertPublisher,
    WebhookSender,
    AlertmanagerPusher,
    OutboxDispatcher,
    LifecycleSteps,
    SweepService,
    {
      // The batch transport's subscriptions (libs/messaging): the canonical topic for source activity, the
      // rate-change topic for change-driven evaluation; each only when its feature is on.
      provide: KAFKA_BATCH_TRANSPORT_OPTIONS,
      inject: [KAFKA, ConfigService],
      useFactory: (kafka: Kafka, config: ConfigService<AlertingConfig, true>): KafkaBatchTransportOptions => ({
        kafka,
        subscriptions: [sourceActivitySubscription(config), rateChangeSubscription(config)].filter((item): item is KafkaBatchSubscription => item !== null),
      }),
    },
  ],
})
export class AlertingModule {}

import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Kafka } from 'kafkajs';
import type Redis from 'ioredis';
import { AuthModule } from '@dvc/auth';
import { validateEnvironment } from '@dvc/config';
import { createKafkaClient, KAFKA_BATCH_TRANSPORT_OPTIONS, kafkaReadinessCheck, kafkaSecurity } from '@dvc/messaging';
import { HealthController, ObservabilityModule, READINESS_CHECKS } from '@dvc/observability';
import { createRedisClient, dataSourceOptions, redisReadinessCheck } from '@dvc/persistence';
import { DossierEventsController, ingestTransportOptions } from './consumers/dossier-events.controller';
import { EventsController } from './controllers/events.controller';
import { ingestEnvironment, IngestConfig } from './ingest-config';
import { INGEST_METRIC_PROVIDERS, IngestMetrics } from './metrics/ingest.metrics';
import { IngestSourcesRepository } from './repositories/ingest-sources.repository';
import { ApiKeyAuthenticator } from './services/api-key-authenticator.service';
import { EventPublisher } from './services/event-publisher.service';
import { HttpIntake } from './services/http-intake.service';
import { KafkaSourceDirectory } from './services/kafka-source-directory.service';
import { SourceAgencyPolicy } from './services/source-agency-policy.service';
import { SourceRateLimiter } from './services/source-rate-limiter.service';
import { TransactionalBatchPublisher } from './services/transactional-batch-publisher.service';
import { KAFKA, REDIS } from './tokens';

type Config = ConfigService<IngestConfig, true>;

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvironment(ingestEnvironment) }),
    ObservabilityModule.forRoot({ serviceName: 'ingest' }),
    // The global guard: every route is closed unless it names a permission or is @Public (events use API keys).
    AuthModule.forRoot(),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: Config) => dataSourceOptions(config.get('DATABASE_URL'), config.get('DATABASE_POOL_SIZE')),
    }),
  ],
  controllers: [HealthController, EventsController, DossierEventsController],
  providers: [
    {
      provide: KAFKA,
      inject: [ConfigService],
      useFactory: (config: Config) =>
        createKafkaClient({
          brokers: config.get('KAFKA_BROKERS'),
          clientId: config.get('KAFKA_CLIENT_ID') ?? 'dvc-ingest',
          security: kafkaSecurity((key) => config.get(key)),
        }),
    },
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: Config) => {
        const redis = createRedisClient(config.get('REDIS_URL'), 'dvc-ingest');
        // Its outages surface as failed rate-limit calls (a warning and dvc_ingest_rate_limiter_unavailable_total) and
        // in readiness; without a listener ioredis would also print "Unhandled error event" at every reconnection.
        redis.on('error', () => undefined);
        return redis;
      },
    },
    {
      provide: READINESS_CHECKS,
      inject: [ConfigService, HealthIndicatorService, TypeOrmHealthIndicator, KAFKA, REDIS],
      useFactory: (config: Config, indicators: HealthIndicatorService, database: TypeOrmHealthIndicator, kafka: Kafka, redis: Redis) => {
        const timeout = config.get('HEALTH_CHECK_TIMEOUT_MS');
        return [
          () => database.pingCheck('database', { timeout }),
          kafkaReadinessCheck(kafka, indicators, timeout),
          // Without Redis ingest goes on without per-source rate limits (SourceRateLimiter fails open): ready, degraded.
          redisReadinessCheck(redis, indicators, timeout, { degradesOnly: true }),
        ];
      },
    },
    ...INGEST_METRIC_PROVIDERS,
    IngestMetrics,
    IngestSourcesRepository,
    ApiKeyAuthenticator,
    SourceAgencyPolicy,
    KafkaSourceDirectory,
    SourceRateLimiter,
    EventPublisher,
    TransactionalBatchPublisher,
    HttpIntake,
    { provide: KAFKA_BATCH_TRANSPORT_OPTIONS, inject: [KAFKA, ConfigService, KafkaSourceDirectory], useFactory: ingestTransportOptions },
  ],
})
export class IngestModule {}

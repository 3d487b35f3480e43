import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { connectKafkaBatchTransport } from '@dvc/messaging';
import { listen, startOrExit } from '@dvc/observability';
import { AlertingConfig } from './alerting-config';
import { AlertingModule } from './alerting.module';

startOrExit(async () => {
  const app = await NestFactory.create(AlertingModule, { bufferLogs: true });
  const config = app.get(ConfigService<AlertingConfig, true>);
  // A hybrid app: HTTP for /health and /metrics, the batch transport for the canonical and rate-change topics.
  connectKafkaBatchTransport(app);
  await listen(app, config.get('HTTP_HOST'), config.get('HTTP_PORT'), 'alerting');
});

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { connectKafkaBatchTransport } from '@dvc/messaging';
import { listen, startOrExit } from '@dvc/observability';
import { AggregatorConfig } from './aggregator-config';
import { AggregatorModule } from './aggregator.module';

startOrExit(async () => {
  const app = await NestFactory.create(AggregatorModule, { bufferLogs: true });
  const config = app.get(ConfigService<AggregatorConfig, true>);
  // A hybrid app: HTTP for /health and /metrics, the batch transport for the canonical topic.
  connectKafkaBatchTransport(app);
  await listen(app, config.get('HTTP_HOST'), config.get('HTTP_PORT'), 'aggregator');
});

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { listen, startOrExit } from '@dvc/observability';
import { AggregatorConfig } from './aggregator-config';
import { AggregatorModule } from './aggregator.module';

startOrExit(async () => {
  const app = await NestFactory.create(AggregatorModule, { bufferLogs: true });
  const config = app.get(ConfigService<AggregatorConfig, true>);
  await listen(app, config.get('HTTP_HOST'), config.get('HTTP_PORT'), 'aggregator');
});

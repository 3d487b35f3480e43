import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { documentApi, listen, startOrExit } from '@dvc/observability';
import { IngestConfig } from './ingest-config';
import { IngestModule } from './ingest.module';

startOrExit(async () => {
  // The events endpoint reads its raw body itself, with its own size limit.
  const app = await NestFactory.create(IngestModule, { bufferLogs: true, bodyParser: false });
  documentApi(app, 'dvc-monitor ingest', 'Nhận sự kiện hồ sơ qua HTTPS — dossier events over HTTPS (CloudEvents 1.0)');
  const config = app.get(ConfigService<IngestConfig, true>);
  await listen(app, config.get('HTTP_HOST'), config.get('HTTP_PORT'), 'ingest');
});

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { edgeAccess, OidcTokenVerifier } from '@dvc/auth';
import { connectKafkaBatchTransport } from '@dvc/messaging';
import { documentApi, listen, startOrExit } from '@dvc/observability';
import { IngestConfig } from './ingest-config';
import { IngestModule } from './ingest.module';

startOrExit(async () => {
  // The events endpoint reads its raw body itself, with its own size limit.
  const app = await NestFactory.create(IngestModule, { bufferLogs: true, bodyParser: false });
  const config = app.get(ConfigService<IngestConfig, true>);
  // /docs behind DOCS_ACCESS (loopback by default), like the API's; registered before Swagger's own handlers.
  app.use(['/docs', '/docs-json', '/docs-yaml'], edgeAccess(config.get('DOCS_ACCESS'), 'sources:manage', app.get(OidcTokenVerifier)));
  // A hybrid app: HTTP ingest, /health and /metrics, and the batch transport for the Kafka input topics.
  connectKafkaBatchTransport(app);
  documentApi(app, 'dvc-monitor ingest', 'Nhận sự kiện hồ sơ qua HTTPS — dossier events over HTTPS (CloudEvents 1.0)');
  await listen(app, config.get('HTTP_HOST'), config.get('HTTP_PORT'), 'ingest');
});

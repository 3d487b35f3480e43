import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { listen, startOrExit } from '@dvc/observability';
import type { ApiEnvironment } from './config/api-environment';
import { configureHttpEdge } from './http-edge';
import { setupOpenApi } from './openapi';

startOrExit(async () => {
  // Loaded here, not imported at the top: the module validates the environment as it loads, and a
  // bad one must end in startOrExit's one clear message rather than a stack trace.
  const { AppModule, SERVICE_NAME } = await import('./app.module');
  const app = await NestFactory.create(AppModule, { bufferLogs: true, abortOnError: false });
  configureHttpEdge(app);
  setupOpenApi(app);
  const config = app.get<ConfigService<ApiEnvironment, true>>(ConfigService);
  await listen(app, config.get('HTTP_HOST', { infer: true }), config.get('HTTP_PORT', { infer: true }), SERVICE_NAME);
});

import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';

/**
 * Common start-up of an HTTP-serving service: JSON logger, shutdown hooks (so consumers drain and
 * commit on SIGTERM/SIGINT), listen, and one line saying where to look.
 */
export async function listen(app: INestApplication, host: string, port: number, serviceName: string): Promise<void> {
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  // Providers first (producers connect on bootstrap), then HTTP, then a hybrid app's transports (its consumers).
  // HTTP before the consumers: joining a consumer group waits for its rebalance, which after a crash lasts until
  // the dead member's session expires (30 s and more); /health/live must answer meanwhile, or a liveness probe
  // restarts the instance mid-join, again and again.
  await app.init();
  await app.listen(port, host);
  await app.startAllMicroservices();
  app.get(Logger).log(`${serviceName} listening on http://${host}:${port} (metrics /metrics, health /health/ready)`);
}

export interface DocumentOptions {
  bearerAuth?: boolean;
  /** Components the decorators reference by name but do not define (schemas derived from zod). */
  schemas?: Record<string, SchemaObject>;
}

/** OpenAPI document at `/docs-json` and its UI at `/docs`. */
export function documentApi(app: INestApplication, title: string, description: string, options: DocumentOptions = {}): void {
  const builder = new DocumentBuilder().setTitle(title).setDescription(description).setVersion('1');
  if (options.bearerAuth) builder.addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token of the identity provider' });
  const document = SwaggerModule.createDocument(app, builder.build());
  if (options.schemas) {
    const components = (document.components ??= {});
    components.schemas = { ...components.schemas, ...options.schemas };
  }
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** Runs a service's start-up; a failure (bad configuration, unreachable dependency) ends the process with its message. */
export function startOrExit(start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    console.error(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

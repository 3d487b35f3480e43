import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import RedisStore from 'connect-redis';
import cookieParser from 'cookie-parser';
import session from 'express-session';
import helmet from 'helmet';
import type Redis from 'ioredis';
import { listen, startOrExit } from '@dvc/observability';
import type { ConsoleEnvironment } from './config/console-environment';

startOrExit(async () => {
  // Loaded here so that a bad environment ends in startOrExit's one clear message (see services/api/src/main.ts).
  const { ConsoleModule, SERVICE_NAME, SESSION_REDIS } = await import('./console.module');
  const app = await NestFactory.create<NestExpressApplication>(ConsoleModule, { bufferLogs: true, abortOnError: false });
  const config = app.get<ConfigService<ConsoleEnvironment, true>>(ConfigService);
  configureConsoleEdge(app, config, app.get<Redis>(SESSION_REDIS));
  await listen(app, config.get('HTTP_HOST', { infer: true }), config.get('HTTP_PORT', { infer: true }), SERVICE_NAME);
});

/**
 * The browser-facing edge: a strict content security policy (scripts and styles only from this console, no inline
 * script, no framing), the static assets, small form bodies, and the session cookie (HttpOnly, SameSite=Lax,
 * Secure over https, rolling idle expiry) whose contents — tokens included — live in Redis, never in the browser.
 */
function configureConsoleEdge(app: NestExpressApplication, config: ConfigService<ConsoleEnvironment, true>, redis: Redis): void {
  app.set('trust proxy', false);
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          // Forms post only here; sign-out's redirect to the provider's end-session page counts as a form action too.
          'form-action': ["'self'", new URL(config.get('OIDC_ISSUER_URL', { infer: true })).origin],
          'frame-ancestors': ["'none'"],
          // helmet's default upgrades every request to https, which breaks a console served over plain http (local stack).
          'upgrade-insecure-requests': config.get('cookieSecure', { infer: true }) ? [] : null,
        },
      },
      // The provider is another origin: the referrer of a redirect there carries no path or query.
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.useStaticAssets(join(__dirname, 'assets'), { prefix: '/assets/', maxAge: '1h', index: false });
  // htmx and Chart.js as npm installed them: no CDN, the exact versions of package-lock.json.
  app.useStaticAssets(dirname(require.resolve('htmx.org')), { prefix: '/assets/vendor/htmx/', maxAge: '1h', index: false });
  app.useStaticAssets(dirname(require.resolve('chart.js')), { prefix: '/assets/vendor/chart.js/', maxAge: '1h', index: false });
  const limit = config.get('CONSOLE_MAX_BODY_BYTES', { infer: true });
  app.useBodyParser('urlencoded', { limit, extended: false });
  app.useBodyParser('json', { limit });
  app.use(cookieParser());
  const idleMs = config.get('CONSOLE_SESSION_IDLE_MINUTES', { infer: true }) * 60_000;
  app.use(
    session({
      name: 'dvc_console',
      secret: config.get('CONSOLE_SESSION_SECRET', { infer: true }) ?? randomBytes(48).toString('base64url'),
      store: new RedisStore({ client: redis, prefix: 'dvc:console:session:', ttl: Math.ceil(idleMs / 1000) }),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      proxy: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.get('cookieSecure', { infer: true }), maxAge: idleMs, path: '/' },
    }),
  );
}

import { LoggerModule } from 'nestjs-pino';

/**
 * Structured JSON logs on stdout (one object a line, for the data center's log shipper), with the
 * service's name on every line and credentials redacted.
 */
export function structuredLogging(serviceName: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      name: serviceName,
      level: process.env.LOG_LEVEL ?? 'info',
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      serializers: {
        // The console's sign-in callback carries the authorization code and state in its query: never logged.
        req: (req: { url?: string; query?: unknown }) => {
          if (typeof req.url === 'string' && req.url.startsWith('/auth/callback')) {
            req.url = '/auth/callback?[Redacted]';
            req.query = '[Redacted]';
          }
          return req;
        },
      },
      // Probes and scrapes every few seconds would drown the useful lines.
      autoLogging: { ignore: (req) => /^\/(metrics|health)/.test(req.url ?? '') },
    },
  });
}

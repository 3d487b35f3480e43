import { makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const HTTP_REQUEST_DURATION = 'http_request_duration_seconds';

/** Labels stay bounded: the route pattern (never its values), the method and the status class. */
export const httpRequestDurationProvider = makeHistogramProvider({
  name: HTTP_REQUEST_DURATION,
  help: 'HTTP request duration in seconds, by method, route pattern and status class',
  labelNames: ['method', 'route', 'status_class'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export function statusClass(statusCode: number): string {
  return statusCode >= 100 && statusCode < 600 ? `${Math.floor(statusCode / 100)}xx` : 'other';
}

/** The matched route pattern, or one label for everything that matched none (probes of random URLs). */
export function routeLabel(routePath: unknown): string {
  return typeof routePath === 'string' && routePath !== '' ? routePath : 'unmatched';
}

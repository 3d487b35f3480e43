import { Injectable, NestMiddleware } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Histogram } from 'prom-client';
import { HTTP_REQUEST_DURATION, routeLabel, statusClass } from './http-metrics';

/** Times every request, including those refused by validation or matching no route. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@InjectMetric(HTTP_REQUEST_DURATION) private readonly duration: Histogram<string>) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const stopTimer = this.duration.startTimer();
    // Express mounts this middleware as a catch-all route of its own; a handler that matches later
    // replaces `request.route`, so if it is still this one at the end, no route matched.
    const ownRoute = routeOf(request);
    response.once('finish', () => {
      const route = routeOf(request);
      const path = route === ownRoute ? undefined : route?.path;
      stopTimer({ method: request.method, route: routeLabel(path), status_class: statusClass(response.statusCode) });
    });
    next();
  }
}

function routeOf(request: Request): { path?: unknown } | undefined {
  return (request as Request & { route?: { path?: unknown } }).route;
}

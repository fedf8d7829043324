import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AppLogger, requestScope } from './logger';
import { AppMetrics } from './metrics';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Gives every request an id (kept from X-Request-Id when well-formed), logs and counts it when it ends. */
export function requestObserver(logger: AppLogger, metrics: AppMetrics, accessLog: boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      // the route pattern, not the URL, so that metrics keep a bounded set of labels
      const route = req.route?.path ? `${req.baseUrl}${req.route.path as string}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      if (accessLog) {
        logger.info('request', {
          requestId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10,
        });
      }
    });
    requestScope.run({ requestId, method: req.method, path: req.path }, next);
  };
}

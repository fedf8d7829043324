import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AppLogger } from './logger';
import { AppMetrics } from './metrics';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Gives every request an id (kept from X-Request-Id when well-formed), and when it ends counts it
 * in the metrics and writes one access-log line with id, route, status and time.
 */
export function observeRequests(fastify: FastifyInstance, logger: AppLogger, metrics: AppMetrics, accessLog: boolean): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    // the route pattern, not the URL, so that metrics keep a bounded set of labels
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, seconds);
    if (accessLog) {
      logger.access({ requestId: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(seconds * 1e4) / 10 });
    }
    done();
  });
}

/** Fastify's request id: the caller's X-Request-Id when well-formed, else a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

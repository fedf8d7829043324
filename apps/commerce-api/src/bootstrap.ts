import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import fastifyCookie from '@fastify/cookie';
import { ContextCookies } from './accounts/context-cookies';
import { AppModule } from './app.module';
import { AppEnv } from './config/app-config';
import { createValidationPipe } from './common/validation';
import { installJsonBodyParser } from './common/json-body';
import { Problem, ProblemFilter } from './common/problem.filter';
import { HealthService } from './health/health.service';
import { AppLogger } from './observability/logger';
import { AppMetrics } from './observability/metrics';
import { observeRequests, requestIdOf } from './observability/request-observer';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the HTTP application, the same for `main.ts` and for tests (NestJS on Fastify: docs/architecture.md says why). */
export async function createApp(env: AppEnv, logger = new AppLogger(env.DC_ID, env.LOG_LEVEL)): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: '127.0.0.0/8',
    genReqId: (req: IncomingMessage) => requestIdOf(req.headers['x-request-id']),
    // an unknown query parameter or a bad body is the DTOs' to refuse, with our error format
    ajv: { customOptions: { removeAdditional: false } },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(env, logger), adapter, {
    logger, abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  app.get(ContextCookies).install(fastify);
  await app.register(fastifyCookie);
  // the API speaks JSON only: any other body answers 415 instead of reaching a DTO as a string
  fastify.removeContentTypeParser('text/plain');
  installJsonBodyParser(app, BODY_LIMIT_BYTES);
  observeRequests(fastify, logger, app.get(AppMetrics), env.ACCESS_LOG);
  const health = app.get(HealthService);
  // while draining, every answer asks the client to close its connection, so none is left idle
  fastify.addHook('onRequest', (_req, reply, done) => {
    if (health.isDraining) reply.header('connection', 'close');
    done();
  });
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'health/deep', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(createValidationPipe());
  // global, not APP_FILTER: only these also see errors Fastify raises before a route runs (body parsing)
  app.useGlobalFilters(new ProblemFilter(logger));
  const doc = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Meridian commerce API')
    .setDescription('Catalog, accounts, cart, checkout and orders of one DC. Money is in minor units.')
    .setVersion('0.1').addCookieAuth('meridian_session')
    .addGlobalResponse({
      status: 'default', type: Problem,
      description: 'Every error is a JSON problem and changes nothing: 400 INVALID_INPUT (details name the fields), 404 NOT_FOUND, '
        + '409 (OUT_OF_STOCK naming the lines, ILLEGAL_TRANSITION, CART_EMPTY, CART_CLOSED, EMAIL_TAKEN, CONFLICT), 413 body over 1 MB, '
        + '422 IDEMPOTENCY_KEY_REUSED, 429 RATE_LIMITED and 503 UNAVAILABLE (a DC\'s database cannot be reached), both with Retry-After. '
        + 'Only a 503 whose connection broke while a write was on its way may leave that write done: repeat it (a checkout with the '
        + 'same Idempotency-Key, which answers the order if it was placed).',
    })
    .build());
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs/openapi.json' });
  return app;
}

import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import { HealthService } from './health/health.service';
import { AppModule } from './app.module';
import { AppEnv } from './config/app-config';
import { createValidationPipe } from './common/validation';
import { bodyErrors, ProblemFilter } from './common/problem.filter';
import { AppLogger } from './observability/logger';
import { AppMetrics } from './observability/metrics';
import { requestObserver } from './observability/request-observer.middleware';

/** Builds the HTTP application: the same for `main.ts` and for tests. */
export async function createApp(env: AppEnv, logger = new AppLogger(env.DC_ID, env.LOG_LEVEL)): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env, logger), {
    logger, bodyParser: false, abortOnError: false,
  });
  app.set('etag', false);
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  app.use(requestObserver(logger, app.get(AppMetrics), env.ACCESS_LOG));
  const health = app.get(HealthService);
  // while draining, every answer asks the client to close its connection, so none is left idle
  app.use((_req: Request, res: Response, next: NextFunction) => {
    if (health.isDraining) res.setHeader('Connection', 'close');
    next();
  });
  app.useBodyParser('json', { limit: '1mb' });
  app.use(bodyErrors);
  app.use(cookieParser());
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(createValidationPipe());
  // global, not APP_FILTER: only these also see errors of Express middleware such as the body parser
  app.useGlobalFilters(new ProblemFilter(logger));
  const doc = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Meridian commerce API')
    .setDescription('Catalog, accounts, cart, checkout and orders of one DC. Money is in minor units.')
    .setVersion('0.1').addCookieAuth('meridian_session').build());
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs/openapi.json' });
  return app;
}

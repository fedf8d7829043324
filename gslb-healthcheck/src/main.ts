import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@meridian/config';
import { HealthcheckEnv, loadHealthcheckEnv } from './config';
import { HealthcheckModule } from './app.module';
import { HealthcheckLogger } from './logger';

/** One gslb-healthcheck instance: the aggregator of one DC (two run per DC). */
export async function createHealthcheck(env: HealthcheckEnv): Promise<NestFastifyApplication> {
  const logger = new HealthcheckLogger(env.HC_DC, env.HC_INSTANCE, env.LOG_LEVEL);
  const app = await NestFactory.create<NestFastifyApplication>(HealthcheckModule.forRoot(env, logger), new FastifyAdapter(), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  return app;
}

async function main(): Promise<void> {
  const env = loadHealthcheckEnv();
  const app = await createHealthcheck(env);
  await app.listen(env.PORT, env.HOST);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : err.stack}\n`);
    process.exit(1);
  });
}

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@meridian/config';
import { DnsEnv, loadDnsEnv } from './config/dns-env';
import { loadZoneConfig } from './config/zone-config';
import { GslbDnsModule } from './app.module';
import { DnsLogger } from './dns/dns-logger';

/** One gslb-dns instance (ns1, ns2 …): the zone over UDP and TCP, and /status, /metrics over HTTP. */
export async function createGslbDns(env: DnsEnv): Promise<NestFastifyApplication> {
  const config = loadZoneConfig(env.DNS_CONFIG);
  const logger = new DnsLogger(env.DNS_INSTANCE, env.LOG_LEVEL);
  const app = await NestFactory.create<NestFastifyApplication>(GslbDnsModule.forRoot(env, config, logger), new FastifyAdapter(), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  return app;
}

async function main(): Promise<void> {
  const env = loadDnsEnv();
  const app = await createGslbDns(env);
  await app.listen(env.HTTP_PORT, env.HTTP_HOST);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : err.stack}\n`);
    process.exit(1);
  });
}

import 'reflect-metadata';
import type { Server } from 'node:http';
import { ConfigError, loadAppEnv } from './config/app-config';
import { createApp } from './bootstrap';
import { HealthService } from './health/health.service';
import { AppLogger } from './observability/logger';

async function main(): Promise<void> {
  const env = loadAppEnv();
  const logger = new AppLogger(env.DC_ID, env.LOG_LEVEL);
  const app = await createApp(env, logger);
  await app.listen(env.PORT, env.HOST);
  logger.info('commerce-api listening', { url: `http://${env.HOST}:${env.PORT}/api`, dc: env.DC_ID });

  // Graceful shutdown, in this order: readiness fails and every answer says Connection: close for
  // SHUTDOWN_DRAIN_MS (load balancers notice, requests already sent get parsed and served); then no
  // new connections, the requests in flight finish, idle connections close, and only then the
  // database pools close. Nest's own shutdown hooks would close the pools before the server.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    setTimeout(() => {
      logger.warn('shutdown grace period over, exiting with requests still open');
      process.exit(1);
    }, env.SHUTDOWN_GRACE_MS).unref();
    app.get(HealthService).startDraining();
    await new Promise((r) => setTimeout(r, env.SHUTDOWN_DRAIN_MS));
    const server = app.getHttpServer() as Server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    server.closeIdleConnections();
    await closed;
    clearInterval(reaper);
    await app.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { ConfigError, loadAppEnv } from './config/app-config';
import { createApp } from './bootstrap';
import { AppLogger } from './observability/logger';

async function main(): Promise<void> {
  const env = loadAppEnv();
  const logger = new AppLogger(env.DC_ID, env.LOG_LEVEL);
  const app = await createApp(env, logger);
  await app.listen(env.PORT, env.HOST);
  logger.info('commerce-api listening', { url: `http://${env.HOST}:${env.PORT}/api`, dc: env.DC_ID });
  // Nest closes the server on SIGTERM/SIGINT (in-flight requests finish); this bounds how long that may take
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info('shutting down', { signal });
      setTimeout(() => {
        logger.warn('shutdown grace period over, exiting');
        process.exit(1);
      }, env.SHUTDOWN_GRACE_MS).unref();
    });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});

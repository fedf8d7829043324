import { createLogger, format, Logger, transports } from 'winston';

/** JSON lines on stdout (regionctl keeps them in the instance's log file): state changes and failures. */
export class HealthcheckLogger {
  private readonly w: Logger;

  constructor(dc: string, instance: string, level = 'info') {
    this.w = createLogger({ level, defaultMeta: { app: 'gslb-healthcheck', dc, instance }, format: format.combine(format.timestamp(), format.json()),
      transports: [new transports.Console()] });
  }

  info(message: string, meta: Record<string, unknown> = {}): void {
    this.w.info(message, meta);
  }

  error(message: string, meta: Record<string, unknown> = {}): void {
    this.w.error(message, meta);
  }
}

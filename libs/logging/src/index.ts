import { createLogger, format, Logger, transports } from 'winston';

/**
 * JSON lines on stdout for the small apps (aggregators, DNS servers): regionctl keeps them in the
 * instance's log file. Each line carries the app and the fields given here (its DC, its instance).
 */
export class JsonLogger {
  private readonly w: Logger;

  constructor(defaultMeta: Record<string, string>, level = 'info') {
    this.w = createLogger({ level, defaultMeta, format: format.combine(format.timestamp(), format.json()), transports: [new transports.Console()] });
  }

  info(message: string, meta: Record<string, unknown> = {}): void {
    this.w.info(message, meta);
  }

  warn(message: string, meta: Record<string, unknown> = {}): void {
    this.w.warn(message, meta);
  }

  error(message: string, meta: Record<string, unknown> = {}): void {
    this.w.error(message, meta);
  }
}

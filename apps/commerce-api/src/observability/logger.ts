import { LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import * as winston from 'winston';

export interface RequestScope {
  requestId: string;
  method: string;
  path: string;
}

/** Carries the request id through async calls so that every log line of a request names it. */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/** winston JSON logs: one line per event with time, level, DC and, inside a request, its id. */
export class AppLogger implements LoggerService {
  private readonly winston: winston.Logger;

  constructor(dc: string, level = 'info') {
    const withScope = winston.format((info) => {
      const scope = requestScope.getStore();
      if (scope) {
        info.requestId = scope.requestId;
        info.route ??= `${scope.method} ${scope.path}`;
      }
      return info;
    });
    this.winston = winston.createLogger({
      level,
      defaultMeta: { dc, pid: process.pid },
      format: winston.format.combine(winston.format.timestamp(), withScope(), winston.format.json()),
      transports: [new winston.transports.Console()],
    });
  }

  info(message: string, meta?: Record<string, unknown>): void { this.winston.info(message, meta); }
  error(message: string, meta?: Record<string, unknown> | string): void {
    this.winston.error(message, typeof meta === 'string' ? { trace: meta } : meta);
  }
  warn(message: string, meta?: Record<string, unknown>): void { this.winston.warn(message, meta); }
  debug(message: string, meta?: Record<string, unknown>): void { this.winston.debug(message, meta); }

  /** Nest's LoggerService: the framework's own messages. */
  log(message: unknown, context?: string): void { this.winston.info(String(message), { context }); }
  verbose(message: unknown, context?: string): void { this.winston.verbose(String(message), { context }); }
}

import { LoggerService } from '@nestjs/common';
import { Writable } from 'node:stream';
import * as winston from 'winston';

/**
 * stdout, written once per event-loop turn: Node writes to a file or pipe synchronously, and one
 * syscall per log line cost more CPU than serving a cached request. What is buffered is at most
 * one turn's worth of lines, written out on exit too.
 */
export class BatchedStdout extends Writable {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    super({ decodeStrings: false });
    process.once('exit', () => this.flush());
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.pending.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    done();
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.out.write(text);
  }
}

/** winston JSON logs: one line per event with time, level, DC and pid; request lines carry the request id. */
export class AppLogger implements LoggerService {
  private readonly winston: winston.Logger;

  constructor(dc: string, level = 'info') {
    this.winston = winston.createLogger({
      level,
      defaultMeta: { dc, pid: process.pid },
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: new BatchedStdout() })],
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

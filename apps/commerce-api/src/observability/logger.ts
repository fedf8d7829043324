import { LoggerService } from '@nestjs/common';
import { EOL } from 'node:os';
import { Writable } from 'node:stream';
import * as winston from 'winston';

/** What the access log says about one answered request. */
export interface AccessLine {
  requestId: string;
  method: string;
  route: string;
  status: number;
  ms: number;
}

/**
 * stdout, written in batches: Node writes to a file or pipe synchronously, and a write syscall per
 * log line cost more CPU than serving a cached request (12-20 % of a product page's throughput).
 * Lines go out every `flushMs` or once `maxBytes` are waiting, and at exit; a process killed with
 * SIGKILL loses at most `flushMs` of log lines.
 */
export class BatchedStdout extends Writable {
  private pending: string[] = [];
  private bytes = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly flushMs = 20,
    private readonly maxBytes = 64 * 1024,
  ) {
    super({ decodeStrings: false });
    process.once('exit', () => this.flush());
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.line(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    done();
  }

  /** Queues one line without going through the stream machinery (the access log's path). */
  line(text: string): void {
    this.pending.push(text);
    this.bytes += text.length;
    if (this.bytes >= this.maxBytes) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs).unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    this.out.write(text);
  }
}

/** winston JSON logs: one line per event with time, level, DC and pid; request lines carry the request id. */
export class AppLogger implements LoggerService {
  private readonly winston: winston.Logger;
  private readonly defaultMeta: { dc: string; pid: number };
  private readonly accessEnabled: boolean;

  constructor(dc: string, level = 'info', private readonly out = new BatchedStdout()) {
    this.defaultMeta = { dc, pid: process.pid };
    this.winston = winston.createLogger({
      level, defaultMeta: this.defaultMeta,
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: out })],
    });
    this.accessEnabled = this.winston.isInfoEnabled();
  }

  /**
   * One access-log line: the line `info('request', line)` writes (winston's json format sorts the
   * keys; so does this), made with JSON.stringify on one fixed-shape object and handed to the
   * output directly: through winston's format pipeline and object-mode streams it cost a large
   * share of serving a cached product page (measured in docs/benchmarks.md).
   */
  access(line: AccessLine): void {
    if (!this.accessEnabled) return;
    const { dc, pid } = this.defaultMeta;
    this.out.line(`${JSON.stringify({
      dc, level: 'info', message: 'request', method: line.method, ms: line.ms, pid,
      requestId: line.requestId, route: line.route, status: line.status, timestamp: new Date().toISOString(),
    })}${EOL}`);
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

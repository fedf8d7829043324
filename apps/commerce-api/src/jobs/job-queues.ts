import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { AppEnv } from '../config/app-config';
import { AppLogger } from '../observability/logger';

/** How often one component's Redis errors are logged while they last (a dead Redis errors on every retry). */
const ERROR_LOG_EVERY_MS = 30000;
/** A close waits for running jobs and for Redis; with Redis gone it would wait for ever. */
const CLOSE_WITHIN_MS = 3000;

/**
 * The DC's job queues, on its Redis (BullMQ). Producers fail at once while Redis is down (no
 * offline queue: a caller would otherwise wait for a reconnect); workers and event readers keep
 * reconnecting. Everything made here is closed when the app closes.
 */
@Injectable()
export class JobQueues implements OnApplicationShutdown {
  private readonly made: { close(): Promise<void> }[] = [];
  private readonly lastLogged = new Map<string, number>();

  constructor(
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {}

  /** false when REDIS_URL is not set: there are no queues to use */
  get enabled(): boolean {
    return this.env.REDIS_URL !== '';
  }

  queue<D, R>(name: string): Queue<D, R> {
    const q = new Queue<D, R>(name, { connection: { url: this.env.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 } });
    return this.track(`queue ${name}`, q);
  }

  /** The queue's event stream, read from now on; resolves once it is listening. */
  async events(name: string): Promise<QueueEvents> {
    const e = this.track(`events of ${name}`, new QueueEvents(name, { connection: { url: this.env.REDIS_URL } }));
    await e.waitUntilReady();
    return e;
  }

  worker<D, R>(name: string, process: (job: Job<D, R>) => Promise<R>, concurrency: number): Worker<D, R> {
    return this.track(`worker of ${name}`, new Worker<D, R>(name, process, { connection: { url: this.env.REDIS_URL }, concurrency }));
  }

  async onApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_WITHIN_MS); });
    await Promise.race([Promise.allSettled(this.made.splice(0).reverse().map((m) => m.close())), late]);
    clearTimeout(timer);
  }

  /** An unhandled 'error' event would end the process: each is logged instead, a few times a minute at most. */
  private track<T extends { close(): Promise<void>; on(event: 'error', listener: (err: Error) => void): unknown }>(what: string, made: T): T {
    made.on('error', (err: Error) => {
      const now = Date.now();
      if (now - (this.lastLogged.get(what) ?? 0) < ERROR_LOG_EVERY_MS) return;
      this.lastLogged.set(what, now);
      this.logger.warn(`job queue: ${what}: ${err.message}`);
    });
    this.made.push(made);
    return made;
  }
}

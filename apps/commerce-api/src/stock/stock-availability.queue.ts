import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Queue, QueueEvents } from 'bullmq';
import { newId } from '@meridian/dc';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { JobQueues } from '../jobs/job-queues';
import { StockRepository } from './stock.repository';

export const AVAILABILITY_QUEUE = 'stock-availability';

interface AvailabilityQuestion {
  sku: string;
  /** ms since the epoch: a question nobody can still be waiting for is not worked on */
  askedAt: number;
}

export interface AvailabilityAnswer {
  sku: string;
  /** null: no variant has the SKU */
  variantId: string | null;
  /** this DC's allocation */
  available: number;
  /** the DC whose worker answered */
  dc: string;
}

/** How long the boot waits for the queue's event stream. */
const BOOT_WAIT_MS = 2000;
/** A question older than this is answered without reading (its asker gave up long ago): a backlog drains fast. */
const STALE_AFTER_MS = 30000;

/**
 * Inventory questions over the DC's job queue: `ask` adds a job and waits for its answer; a worker
 * in every commerce-api of the DC answers from this DC's stock. Jobs are removed when answered,
 * and a question given up on is taken off the queue when no worker has it yet.
 */
@Injectable()
export class StockAvailabilityQueue implements OnModuleInit {
  private queue?: Queue<AvailabilityQuestion, AvailabilityAnswer>;
  private events?: QueueEvents;

  constructor(
    @Inject(JobQueues) private readonly jobs: JobQueues,
    @Inject(StockRepository) private readonly stock: StockRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.jobs.enabled) return;
    this.queue = this.jobs.queue(AVAILABILITY_QUEUE);
    this.jobs.worker<AvailabilityQuestion, AvailabilityAnswer>(AVAILABILITY_QUEUE, (job) => this.answer(job.data), 8);
    // the boot waits a little for the event stream (the first deep health would fail without it), never
    // long: a Redis that is down at boot must not hold the shop up
    const listening = this.jobs.events(AVAILABILITY_QUEUE).then((e) => { this.events = e; }, () => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([listening, new Promise((resolve) => { timer = setTimeout(resolve, BOOT_WAIT_MS); })]);
    clearTimeout(timer);
  }

  /** This DC's units of `sku`, as a worker of the DC's queue read them; rejects after `timeoutMs`. */
  async ask(sku: string, timeoutMs: number): Promise<AvailabilityAnswer> {
    const [queue, events] = [this.queue, this.events];
    if (!queue) throw new Error('no job queue: REDIS_URL is not set');
    if (!events) throw new Error('the job queue\'s events are not being read yet (Redis unreachable since the start?)');
    const jobId = newId(this.router.dc);
    let timer: NodeJS.Timeout | undefined;
    let settle: { ok(a: AvailabilityAnswer): void; fail(e: Error): void } | undefined;
    // listening before the job exists: its answer cannot come before the listener
    const answered = new Promise<AvailabilityAnswer>((ok, fail) => { settle = { ok, fail }; });
    const onCompleted = ({ returnvalue }: { returnvalue: unknown }) => settle?.ok(parsed(returnvalue));
    const onFailed = ({ failedReason }: { failedReason: string }) => settle?.fail(new Error(`the worker failed: ${failedReason}`));
    events.on(`completed:${jobId}` as 'completed', onCompleted as never);
    events.on(`failed:${jobId}` as 'failed', onFailed as never);
    try {
      timer = setTimeout(() => settle?.fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      await Promise.race([queue.add('availability', { sku, askedAt: Date.now() }, { jobId, removeOnComplete: true, removeOnFail: true }), answered]);
      return await answered;
    } catch (err) {
      void queue.remove(jobId).catch(() => undefined); // not picked up yet: nobody waits for it any more
      throw err;
    } finally {
      clearTimeout(timer);
      events.off(`completed:${jobId}` as 'completed', onCompleted as never);
      events.off(`failed:${jobId}` as 'failed', onFailed as never);
    }
  }

  private async answer(q: AvailabilityQuestion): Promise<AvailabilityAnswer> {
    const dc = this.router.dc;
    if (Date.now() - q.askedAt > STALE_AFTER_MS) return { sku: q.sku, variantId: null, available: 0, dc };
    return { sku: q.sku, ...await this.stock.availabilityOfSku(this.router.local, q.sku, dc), dc };
  }
}

/** QueueEvents hands the return value as the JSON text the worker's result was stored as. */
function parsed(v: unknown): AvailabilityAnswer {
  return (typeof v === 'string' ? JSON.parse(v) : v) as AvailabilityAnswer;
}

import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AppEnv } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/domain-error';
import { PeriodicJobs } from '../common/periodic';
import { withDeadline } from '../common/deadline';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppLogger } from '../observability/logger';
import { DcFenceRepository, FenceView } from './dc-fence.repository';

/** How often each process reads the fence rows of its DC's database (one small query). */
const POLL_SECONDS = 1;

/** A write of this DC as its processes know it: the DC and its fencing epoch, checked by every home fence. */
export interface Writer {
  dc: string;
  epoch: number;
}

/**
 * What this process knows of failovers, from its own DC's database, read at start and every second:
 * the DCs failed over (the router stops asking them), this DC's own epoch (carried by every account
 * write and refused by a database that knows a newer one), and whether this DC is fenced itself (its
 * fence row says failed_over, or its database is read-only, as a DC that comes back after a failover
 * is): then it serves reads and refuses every write with FAILED_OVER.
 */
@Injectable()
export class DcFenceService implements OnModuleInit {
  private view: FenceView = { fences: [], readOnly: false };
  private said = '';
  /** the lease: when a majority of the other DCs' databases last answered this process (monotonic ms) */
  private majoritySince = performance.now();
  private leaseExpired?: string;
  /** another DC's fence row says this DC was failed over at a newer epoch than its own database knows (seen at a lease renewal) */
  private failedOverElsewhere?: string;

  constructor(
    @Inject(DcFenceRepository) private readonly repo: DcFenceRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(PeriodicJobs) private readonly jobs: PeriodicJobs,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh().catch((err: Error) => this.logger.warn('fence rows not read at start; the next round will try again', { error: err.message }));
    this.jobs.add('reading the fence rows', POLL_SECONDS, () => this.refresh());
  }

  async refresh(): Promise<void> {
    const [view] = await Promise.all([this.repo.view(this.router.local), this.renewLease()]);
    this.apply(view);
  }

  /**
   * With LEASE_SECONDS and three DCs or more: asks every other DC's database (SELECT 1, at most a
   * second); a majority of the DCs reached (this one counted) renews the lease. Expired, this DC takes
   * no writes; renewed after that, it first asks an answering DC whether it was failed over meanwhile
   * (its fence row there at a newer epoch than this DC's own): then it stays fenced until failback.
   */
  private async renewLease(): Promise<void> {
    const others = this.router.remoteSources();
    if (this.env.LEASE_SECONDS === 0 || others.length < 2) return;
    const answered = (await Promise.all(others.map(async (db) => (await withDeadline(db.query('SELECT 1'), 1000).then(() => db, () => undefined)))))
      .filter((db) => db !== undefined);
    const now = performance.now();
    // a majority of all the DCs, this one included (three: itself and one other; a lone DC never)
    if (answered.length + 1 >= Math.floor((others.length + 1) / 2) + 1) {
      if (this.leaseExpired && !this.failedOverElsewhere) {
        const seen = await this.repo.view(answered[0]!).then((v) => v.fences.find((f) => f.dc === this.env.DC_ID), () => undefined);
        if (seen && seen.state === 'failed_over' && seen.epoch > this.writer.epoch) {
          this.failedOverElsewhere = `DC ${this.env.DC_ID} was failed over to DC ${seen.moved_to ?? '?'} (epoch ${seen.epoch}) while it was cut off: `
            + 'it takes no writes until failback';
        }
      }
      this.majoritySince = now;
      this.leaseExpired = undefined;
    } else if (now - this.majoritySince > this.env.LEASE_SECONDS * 1000) {
      this.leaseExpired = `DC ${this.env.DC_ID} cannot reach a majority of the DCs (${answered.length} of the ${others.length} others answer) `
        + `for more than ${this.env.LEASE_SECONDS} s: it takes no writes while cut off (a lease), so that a failover elsewhere cannot give its accounts two homes`;
    }
  }

  /** Takes the fence rows just read: the router learns the failed-over DCs; a change of this DC's own fence is logged. */
  private apply(view: FenceView): void {
    this.view = view;
    this.router.setFailedOver(new Map(view.fences.filter((f) => f.state === 'failed_over').map((f) => [f.dc, f.moved_to ?? '?'])));
    const now = this.fencedReason() ?? '';
    if (now !== this.said) {
      if (now) this.logger.warn('this DC is fenced: it takes no writes', { reason: now });
      else if (this.said) this.logger.info('this DC is no longer fenced');
      this.said = now;
    }
  }

  get writer(): Writer {
    return { dc: this.env.DC_ID, epoch: this.view.fences.find((f) => f.dc === this.env.DC_ID)?.epoch ?? 0 };
  }

  /** Why this DC takes no writes now; undefined when it takes them. */
  fencedReason(): string | undefined {
    if (this.failedOverElsewhere) return this.failedOverElsewhere;
    if (this.leaseExpired) return this.leaseExpired;
    const own = this.view.fences.find((f) => f.dc === this.env.DC_ID);
    if (own?.state === 'failed_over') return `DC ${own.dc} was failed over to DC ${own.moved_to ?? '?'} (epoch ${own.epoch}): it takes no writes until failback`;
    if (this.view.readOnly) return `the database of DC ${this.env.DC_ID} is read-only (fenced after a failover): this DC takes no writes until failback`;
    return undefined;
  }

  /** Throws FAILED_OVER when this DC is fenced. */
  refuseWritesIfFenced(): void {
    const reason = this.fencedReason();
    if (reason) {
      const own = this.view.fences.find((f) => f.dc === this.env.DC_ID);
      throw new DomainError(ErrorCode.FailedOver, `${reason}; shop at another DC`, { dc: this.env.DC_ID, movedTo: own?.moved_to ?? undefined }, 30);
    }
  }
}

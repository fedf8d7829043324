import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PeriodicJobs } from '../common/periodic';
import { AppEnv } from '../config/app-config';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppLogger } from '../observability/logger';
import { DomainError, ErrorCode } from '../common/domain-error';
import { Batch } from '../database/batch';
import { StockReservationsRepository } from './stock-reservations.repository';

const LOCK = 'meridian:reservation-sweeper';
const BATCH = 100;

/**
 * Gives back the units of stock reservations that no order needs any more, in this DC's database.
 *
 * Cancelled orders: a cancellation at the order's owner gives the units back to the DC that sold
 * them at once when it can reach that DC's database; when it cannot, the cancellation replicates
 * here and the next round gives them back (held -> released, once, whoever comes first).
 *
 * Orders that never were: a checkout at a DC that does
 * not own the order reserves the units here, then sends the order to the owner; when the link
 * breaks while that batch is on its way, the outcome is unknown and the reservation stays held
 * (selling the units twice would be worse). Once older than RESERVATION_GRACE_SECONDS, no such
 * batch can still commit (REMOTE_STATEMENT_TIMEOUT_MS: its COMMIT refuses after it), so asking
 * the DCs settles it: if none has the order, the units come back (held -> released, once). The DC
 * the order was sent to must have answered (every DC, for a reservation from before that was
 * recorded); one that cannot be asked keeps only its own reservations held, logged, for a later
 * round, and the rest are settled.
 * Every process runs it; a MariaDB named lock lets one at a time work per DC.
 */
@Injectable()
export class ReservationSweeper implements OnModuleInit {
  constructor(
    @Inject(StockReservationsRepository) private readonly repo: StockReservationsRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(PeriodicJobs) private readonly jobs: PeriodicJobs,
  ) {}

  onModuleInit(): void {
    this.jobs.add('stock reservation sweep', this.env.RESERVATION_SWEEP_SECONDS, () => this.sweep());
  }

  /** One round; answers the order ids whose reservations were given back (cancelled ones first). */
  async sweep(): Promise<string[]> {
    const local = this.router.local;
    // one connection holds the named lock for the round
    return local.transaction(async (tx) => {
      if (!await this.repo.tryLock(tx, LOCK)) return [];
      try {
        const cancelled = await this.repo.findCancelled(tx, local.dc, BATCH);
        for (const id of cancelled) await local.transaction((t) => t.batchAndCommit(Batch.of(this.repo.release(id, local.dc))));
        if (cancelled.length) this.logger.info('stock of cancelled orders given back', { dc: local.dc, orders: cancelled });
        const candidates = await this.repo.findUnmatched(tx, local.dc, this.env.RESERVATION_GRACE_SECONDS, BATCH);
        const found = new Set<string>();
        const unasked = new Set<string>();
        for (const remote of this.router.remoteSources()) {
          try {
            for (const id of await this.repo.ordersPresent(remote, candidates.map((c) => c.orderId))) found.add(id);
          } catch (err) {
            if (!(err instanceof DomainError && err.code === ErrorCode.Unavailable)) throw err;
            unasked.add(remote.dc);
          }
        }
        // nowhere it was asked: settled once the DC the order was sent to has answered (every DC, for rows that do not name it)
        const settled = (c: { ownerDc: string | null }) => (c.ownerDc ? !unasked.has(c.ownerDc) : unasked.size === 0);
        const missing = candidates.filter((c) => !found.has(c.orderId));
        const orphans = missing.filter(settled).map((c) => c.orderId);
        const waiting = missing.filter((c) => !settled(c)).map((c) => c.orderId);
        if (waiting.length) {
          this.logger.warn('stock reservations kept: the DC their order was sent to cannot be asked', { dc: local.dc, orders: waiting, unreachable: [...unasked] });
        }
        for (const id of orphans) await local.transaction((t) => t.batchAndCommit(Batch.of(this.repo.release(id, local.dc))));
        if (orphans.length) this.logger.info('stock reservations without an order given back', { dc: local.dc, orders: orphans });
        return [...cancelled, ...orphans];
      } finally {
        await this.repo.unlock(tx, LOCK);
      }
    });
  }
}

import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PeriodicJobs } from '../common/periodic';
import { AppEnv } from '../config/app-config';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppLogger } from '../observability/logger';
import { OrdersRepository } from './orders.repository';

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
 * batch can still commit, so asking every DC settles it: if no database has the order, the units
 * come back (held -> released, once). If any DC cannot be asked, the round fails (logged as a
 * warning) and nothing is released.
 * Every process runs it; a MariaDB named lock lets one at a time work per DC.
 */
@Injectable()
export class ReservationSweeper implements OnModuleInit {
  constructor(
    @Inject(OrdersRepository) private readonly repo: OrdersRepository,
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
      const [{ got }] = await tx.query<{ got: number | null }>('SELECT GET_LOCK(?, 0) AS got', [LOCK]);
      if (Number(got) !== 1) return [];
      try {
        const cancelled = await this.repo.findCancelledReservations(tx, local.dc, BATCH);
        for (const id of cancelled) await local.transaction((t) => t.batchAndCommit(this.repo.releaseReservation(id, local.dc)));
        if (cancelled.length) this.logger.info('stock of cancelled orders given back', { dc: local.dc, orders: cancelled });
        const candidates = await this.repo.findUnmatchedReservations(tx, local.dc, this.env.RESERVATION_GRACE_SECONDS, BATCH);
        const found = new Set<string>();
        for (const remote of this.router.remoteSources()) {
          for (const id of await this.repo.findOrderIds(remote, candidates)) found.add(id);
        }
        const orphans = candidates.filter((id) => !found.has(id));
        for (const id of orphans) await local.transaction((t) => t.batchAndCommit(this.repo.releaseReservation(id, local.dc)));
        if (orphans.length) this.logger.info('stock reservations without an order given back', { dc: local.dc, orders: orphans });
        return [...cancelled, ...orphans];
      } finally {
        await tx.query('SELECT RELEASE_LOCK(?)', [LOCK]);
      }
    });
  }
}

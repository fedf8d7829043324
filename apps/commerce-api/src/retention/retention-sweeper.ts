import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PeriodicJobs } from '../common/periodic';
import { AppEnv } from '../config/app-config';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppLogger } from '../observability/logger';
import { Purge, RetentionRepository } from './retention.repository';

/** rows deleted per statement: short transactions, small replication events */
const BATCH = 500;
/** statements per kind and round: a large backlog goes over several rounds */
const BATCHES_PER_ROUND = 20;

/**
 * Keeps the tables that only grow from growing for ever: every RETENTION_SWEEP_SECONDS each process
 * deletes, in this DC's database, the rows this database wrote that nobody can use any more:
 * - sessions expired more than SESSION_RETENTION_HOURS ago (their token expired with them, so
 *   nothing writes them again; a revoked session goes when it would have expired);
 * - Idempotency-Keys (checkouts, cart merges) older than IDEMPOTENCY_KEY_RETENTION_HOURS: asked
 *   again after that, the key is a new request;
 * - failed log-in counts whose LOGIN_WINDOW_SECONDS window has passed (they count for nothing).
 * Stock transfers and their receipts, orders and carts are history and are kept.
 */
@Injectable()
export class RetentionSweeper implements OnModuleInit {
  constructor(
    @Inject(RetentionRepository) private readonly repo: RetentionRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(PeriodicJobs) private readonly jobs: PeriodicJobs,
  ) {}

  onModuleInit(): void {
    this.jobs.add('purging old rows', this.env.RETENTION_SWEEP_SECONDS, () => this.sweep());
  }

  /** One round; answers how many rows of each table went. */
  async sweep(): Promise<Record<Purge['table'], number>> {
    const rules: [Purge, number][] = [
      [{ table: 'session', column: 'expires_at' }, this.env.SESSION_RETENTION_HOURS * 3600],
      [{ table: 'idempotency_key', column: 'created_at' }, this.env.IDEMPOTENCY_KEY_RETENTION_HOURS * 3600],
      [{ table: 'login_throttle', column: 'window_start' }, this.env.LOGIN_WINDOW_SECONDS],
    ];
    const gone = { session: 0, idempotency_key: 0, login_throttle: 0 };
    for (const [purge, seconds] of rules) {
      for (let i = 0; i < BATCHES_PER_ROUND; i++) {
        const n = await this.repo.purge(this.router.local, purge, seconds, BATCH);
        gone[purge.table] += n;
        if (n < BATCH) break;
      }
    }
    if (Object.values(gone).some((n) => n > 0)) this.logger.info('old rows purged', { dc: this.router.dc, ...gone });
    return gone;
  }
}

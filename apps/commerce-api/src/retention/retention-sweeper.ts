import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PeriodicJobs } from '../common/periodic';
import { AppEnv } from '../config/app-config';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppLogger } from '../observability/logger';
import { AccountsRepository } from '../accounts/accounts.repository';
import { Sql } from '../database/sql';
import { IdempotencyKeysRepository } from '../idempotency/idempotency-keys.repository';

type Purged = 'session' | 'idempotency_key' | 'login_throttle';

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
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(IdempotencyKeysRepository) private readonly keys: IdempotencyKeysRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(PeriodicJobs) private readonly jobs: PeriodicJobs,
  ) {}

  onModuleInit(): void {
    this.jobs.add('purging old rows', this.env.RETENTION_SWEEP_SECONDS, () => this.sweep());
  }

  /** One round; answers how many rows of each table went. */
  async sweep(): Promise<Record<Purged, number>> {
    // each table's rows purged by the repository that owns the table
    const rules: [Purged, (db: Sql, limit: number) => Promise<number>][] = [
      ['session', (db, limit) => this.accounts.purgeExpiredSessions(db, this.env.SESSION_RETENTION_HOURS * 3600, limit)],
      ['idempotency_key', (db, limit) => this.keys.purgeOlderThan(db, this.env.IDEMPOTENCY_KEY_RETENTION_HOURS * 3600, limit)],
      ['login_throttle', (db, limit) => this.accounts.purgeLoginFailures(db, this.env.LOGIN_WINDOW_SECONDS, limit)],
    ];
    const gone = { session: 0, idempotency_key: 0, login_throttle: 0 };
    for (const [table, purge] of rules) {
      for (let i = 0; i < BATCHES_PER_ROUND; i++) {
        const n = await purge(this.router.local, BATCH);
        gone[table] += n;
        if (n < BATCH) break;
      }
    }
    if (Object.values(gone).some((n) => n > 0)) this.logger.info('old rows purged', { dc: this.router.dc, ...gone });
    return gone;
  }
}

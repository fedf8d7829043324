import { Inject, Injectable } from '@nestjs/common';
import { AppEnv } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, notFound } from '../common/domain-error';
import { Step } from '../database/batch';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { OrderDataSource } from '../database/sql';
import { AppLogger } from '../observability/logger';
import { DcFenceService } from '../fencing/dc-fence.service';
import { AccountRow, AccountsRepository, NotHomeError } from './accounts.repository';

/** The account a write is for and the database of its home as believed; `home` is moved when the home moved. */
export interface HomedAccount {
  id: string;
  home: OrderDataSource;
}

/** How many times one request follows a home that moved under it. */
const MAX_HOPS = 3;

const moving = () => new DomainError(ErrorCode.Unavailable, 'the account is moving to another DC; try again', undefined, 1);

/**
 * The home-DC protocol (docs/architecture.md, "Login: claiming the home DC"). Every write to an
 * account's data runs at its home, behind the home fence; a log-in claims the home for its DC when
 * the old home saw no log-in within HOME_ACTIVE_WINDOW_SECONDS, and the new home writes only after
 * its database has applied everything the old home had. Every write to the account row itself
 * happens in the current home's database, so its binlog orders them.
 */
@Injectable()
export class HomeDcService {
  constructor(
    @Inject(AccountsRepository) private readonly repo: AccountsRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(DcFenceService) private readonly fences: DcFenceService,
  ) {}

  /** An account whose home is `homeDc`, with the database to write it at. */
  homed(accountId: string, homeDc: string): HomedAccount {
    return { id: accountId, home: this.router.forOwner(homeDc) };
  }

  /**
   * Runs an account write at the account's home. `work` gets the home's database and its home
   * fence, which must be the first step of its transaction. When the fence refuses (this process
   * routed on a stale copy of the account row), the refusing database, which saw the move, says
   * where the home went: follow it, at most a few hops, and keep it in `account.home`.
   */
  async atHome<T>(account: HomedAccount, work: (db: OrderDataSource, fence: Step<void>) => Promise<T>): Promise<T> {
    for (let hop = 1; ; hop++) {
      const db = account.home;
      try {
        return await work(db, this.repo.homeFence(account.id, db.dc, this.fences.writer));
      } catch (err) {
        if (!(err instanceof NotHomeError)) throw err;
        const homeDc = await this.repo.findHomeDc(db, account.id);
        if (!homeDc || homeDc === db.dc || hop >= MAX_HOPS) throw moving();
        account.home = this.router.forOwner(homeDc);
      }
    }
  }

  /**
   * At log-in, the DC that is the home for this session:
   * - home here: record the log-in, fenced by home and epoch;
   * - home elsewhere: in one round trip to it, claim the home for this DC if it saw no log-in within
   *   HOME_ACTIVE_WINDOW_SECONDS (epoch + 1, compare-and-set), else record the log-in there; after a
   *   claim, wait until this DC's database has applied the old home's position before the first write.
   * A fence that fails means another DC claimed first: re-read the row where it lives and follow it.
   * Answers the home and its epoch as this log-in left them.
   */
  async settleAtLogin(dc: string, start: AccountRow): Promise<{ dc: string; epoch: number }> {
    let account = start;
    for (let attempt = 0; attempt < 3; attempt++) {
      const home = this.router.forOwner(account.home_dc);
      const now = this.clock.now();
      if (account.home_dc === dc) {
        if (await this.repo.recordLogin(home, account.id, now, account.home_dc, account.home_epoch)) return { dc, epoch: Number(account.home_epoch) };
      } else {
        const r = await this.repo.claimHome(home, { accountId: account.id, homeDc: account.home_dc, epoch: account.home_epoch,
          toDc: dc, now, activeSince: new Date(now.getTime() - this.env.HOME_ACTIVE_WINDOW_SECONDS * 1000) });
        if (r.claimed) {
          if (await this.repo.waitForGtid(this.router.local, r.gtid, this.env.HOME_CLAIM_WAIT_SECONDS)) return { dc, epoch: r.home_epoch };
          // this DC is too far behind the old home (or its channel stopped): left as it is, the old home would
          // send every write here and this DC back there until it caught up. The home goes back; this session writes there.
          if (await this.repo.undoClaim(home, { accountId: account.id, claimedBy: dc, epoch: r.home_epoch, backTo: account.home_dc })) {
            this.logger.warn('home claim given back: this DC had not applied the old home\'s writes in time', { accountId: account.id, homeDc: account.home_dc });
            return { dc: account.home_dc, epoch: r.home_epoch + 1 };
          }
        }
        if (r.recorded) return { dc: account.home_dc, epoch: Number(account.home_epoch) };
      }
      const fresh = await this.repo.findById(home, account.id);
      if (!fresh) throw notFound('account');
      account = fresh;
    }
    throw moving();
  }
}

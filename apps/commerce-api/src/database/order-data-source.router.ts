import { DomainError, ErrorCode } from '../common/domain-error';
import { homeFence, isNotHome } from './home-fence';
import { OrderDataSource, Statement } from './sql';

/** The account a write is for and where its home is believed to be; `homeDc` is corrected when the home moved. */
export interface HomedAccount {
  id: string;
  homeDc: string;
}

const MAX_HOPS = 3;

/**
 * The one place that decides which database a request's account data goes to:
 * Order_DS_Local when the owner is this DC, Order_DS_Remote (a pool to the owner's DC) otherwise.
 */
export class OrderDataSourceRouter {
  private readonly remotes = new Map<string, OrderDataSource>();

  constructor(readonly local: OrderDataSource) {}

  get dc(): string {
    return this.local.dc;
  }

  addRemote(ds: OrderDataSource): void {
    this.remotes.set(ds.dc, ds);
  }

  /** Every other DC's database (Order_DS_Remote), in no particular order. */
  remoteSources(): OrderDataSource[] {
    return [...this.remotes.values()];
  }

  async closeRemotes(): Promise<void> {
    await Promise.all([...this.remotes.values()].map((r) => r.close()));
  }

  /** Whether `dc` is this DC or one this process has a pool to. */
  reaches(dc: string): boolean {
    return dc === this.local.dc || this.remotes.has(dc);
  }

  /** The data source of the DC that owns the data (an account's home DC, a guest cart's DC). */
  forOwner(ownerDc: string): OrderDataSource {
    if (ownerDc === this.local.dc) return this.local;
    const remote = this.remotes.get(ownerDc);
    if (!remote) {
      throw new DomainError(ErrorCode.Unavailable, `the data of DC ${ownerDc} cannot be reached from DC ${this.local.dc}`, undefined, 5);
    }
    return remote;
  }

  /**
   * Runs an account write at the account's home. `work` gets the home's database and its home fence
   * (homeFence(account.id, db.dc)), which must be the first statement of its transaction. When the fence refuses (the home moved and the row this process
   * routed on was stale), the refusing database, which saw the move, says where the home went:
   * follow it, at most a few hops, and remember it in `account.homeDc` for the rest of the request.
   */
  async atHome<T>(account: HomedAccount, work: (db: OrderDataSource, fence: Statement) => Promise<T>): Promise<T> {
    for (let hop = 1; ; hop++) {
      const db = this.forOwner(account.homeDc);
      try {
        return await work(db, homeFence(account.id, db.dc));
      } catch (err) {
        if (!isNotHome(err)) throw err;
        const [row] = await db.query<{ home_dc: string }>('SELECT home_dc FROM account WHERE id = ?', [account.id]);
        if (!row || row.home_dc === db.dc || hop >= MAX_HOPS) {
          throw new DomainError(ErrorCode.Unavailable, 'the account is moving to another DC; try again', undefined, 1);
        }
        account.homeDc = row.home_dc;
      }
    }
  }
}

import { DomainError, ErrorCode } from '../common/domain-error';
import { OrderDataSource } from './sql';

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
}

import { DomainError, ErrorCode } from '../common/domain-error';
import { FAILED_OVER, UnreachableError } from './sql-errors';
import { OrderDataSource, TxSql, WriteResult } from './sql';

/**
 * The one place that decides which database a request's account data goes to:
 * Order_DS_Local when the owner is this DC, Order_DS_Remote (a pool to the owner's DC) otherwise.
 * A DC that was failed over is not asked (even when it answers again, fenced): its data source
 * fails as an unreachable one would, before sending anything, so a guest cart of it is adopted.
 */
export class OrderDataSourceRouter {
  private readonly remotes = new Map<string, OrderDataSource>();
  private readonly failedOver = new Map<string, FailedOverSource>();

  constructor(readonly local: OrderDataSource) {}

  get dc(): string {
    return this.local.dc;
  }

  addRemote(ds: OrderDataSource): void {
    this.remotes.set(ds.dc, ds);
  }

  /** The other DCs that are failed over now, each with the DC that took its accounts (DcFenceService keeps it current). */
  setFailedOver(dcs: Map<string, string>): void {
    for (const dc of [...this.failedOver.keys()]) if (!dcs.has(dc)) this.failedOver.delete(dc);
    for (const [dc, movedTo] of dcs) {
      if (dc !== this.local.dc && this.failedOver.get(dc)?.movedTo !== movedTo) this.failedOver.set(dc, new FailedOverSource(dc, movedTo));
    }
  }

  isFailedOver(dc: string): boolean {
    return this.failedOver.has(dc);
  }

  /** Every other DC's database (Order_DS_Remote) that is not failed over, in no particular order. */
  remoteSources(): OrderDataSource[] {
    return [...this.remotes.values()].filter((r) => !this.failedOver.has(r.dc));
  }

  async closeRemotes(): Promise<void> {
    await Promise.all([...this.remotes.values()].map((r) => r.close()));
  }

  /** Whether `dc` is this DC or one this process has a pool to (and that is not failed over). */
  reaches(dc: string): boolean {
    return dc === this.local.dc || (this.remotes.has(dc) && !this.failedOver.has(dc));
  }

  /** The data source of the DC that owns the data (an account's home DC, a guest cart's DC). */
  forOwner(ownerDc: string): OrderDataSource {
    if (ownerDc === this.local.dc) return this.local;
    const failed = this.failedOver.get(ownerDc);
    if (failed) return failed;
    const remote = this.remotes.get(ownerDc);
    if (!remote) {
      throw new DomainError(ErrorCode.Unavailable, `the data of DC ${ownerDc} cannot be reached from DC ${this.local.dc}`, undefined, 5);
    }
    return remote;
  }
}

/** A failed-over DC's database as the router hands it out: every call fails at once, nothing sent. */
class FailedOverSource implements OrderDataSource {
  readonly kind = 'remote' as const;

  constructor(readonly dc: string, readonly movedTo: string) {}

  private refuse(): Promise<never> {
    return Promise.reject(new UnreachableError(this.dc, FAILED_OVER, false,
      `DC ${this.dc} was failed over to DC ${this.movedTo}: its data is not written until failback; try again shortly`));
  }

  query<T>(): Promise<T[]> { return this.refuse(); }
  execute(): Promise<WriteResult> { return this.refuse(); }
  batch(): Promise<void> { return this.refuse(); }
  run<T>(): Promise<T> { return this.refuse(); }
  transaction<T>(_work: (tx: TxSql) => Promise<T>): Promise<T> { return this.refuse(); }
  warm(): Promise<void> { return Promise.resolve(); }
  close(): Promise<void> { return Promise.resolve(); }
}

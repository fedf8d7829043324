import { Inject, Injectable } from '@nestjs/common';
import { dcOfId, newId } from '@meridian/dc';
import { notFound, unauthenticated } from '../common/domain-error';
import { RequestContext } from '../common/request-context';
import { Batch, Step } from '../database/batch';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { OrderDataSource, Sql } from '../database/sql';
import { AccountsRepository } from '../accounts/accounts.repository';
import { HomeDcService, HomedAccount } from '../accounts/home-dc.service';
import { StockReservationsRepository } from '../stock/stock-reservations.repository';
import { AppLogger } from '../observability/logger';
import { AppEnv } from '../config/app-config';
import { AppMetrics } from '../observability/metrics';
import { assertTransition, OrderStatus } from './order-state';
import { OrderPageView, OrderView } from './orders.dto';
import { orderView } from './order-view';
import { OrderRow, OrdersRepository } from './orders.repository';
import { newOrderNumber } from './checkout.service';

/** Following orders and moving them through their states. */
@Injectable()
export class OrdersService {
  constructor(
    @Inject(OrdersRepository) private readonly repo: OrdersRepository,
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(HomeDcService) private readonly homes: HomeDcService,
    @Inject(StockReservationsRepository) private readonly stock: StockReservationsRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(AppMetrics) private readonly metrics: AppMetrics,
  ) {}

  /** Deep health: an order written as checkout writes one and read back, in a transaction that is rolled back. */
  async probe(): Promise<void> {
    const dc = this.router.dc;
    const b = new Batch();
    const found = b.add(this.repo.probeOrder({ order: newId(dc), line: newId(dc), event: newId(dc), cart: newId(dc) },
      newOrderNumber(dc), dc, this.env.STORE_CURRENCY));
    await this.router.local.transaction((tx) => tx.batchAndRollback(b));
    if (!found.value) throw new Error('the order just written was not read back');
  }

  /**
   * The account's orders. Home elsewhere: read from this DC's replica once it has applied the
   * client's last remote write (read-your-writes, bounded wait), else at the home.
   */
  async listMine(ctx: RequestContext, page: number, pageSize: number): Promise<OrderPageView> {
    if (!ctx.account) throw unauthenticated();
    const home = ctx.account.home;
    const replicaFresh = home.kind === 'remote'
      && await this.accounts.waitForGtid(this.router.local, ctx.readAfter ?? '', this.env.READ_YOUR_WRITES_WAIT_MS / 1000);
    if (home.kind === 'remote') this.metrics.replicaReads.inc({ data: 'orders', served: replicaFresh ? 'replica' : 'home' });
    const db = replicaFresh ? this.router.local : home;
    const { rows, total } = await this.repo.findOrdersOfAccount(db, ctx.account.id, pageSize, (page - 1) * pageSize);
    const lines = await this.repo.findLines(db, rows.map((r) => r.id));
    return { items: rows.map((o) => orderView(o, lines.filter((l) => l.order_id === o.id))), total, page, pageSize };
  }

  async getOrder(ctx: RequestContext, id: string): Promise<OrderView & { history: unknown[] }> {
    const order = await this.visibleOrder(ctx, this.router.local, id);
    const db = this.router.local;
    const [lines, events] = await Promise.all([this.repo.findLines(db, [id]), this.repo.findEvents(db, id)]);
    return {
      ...orderView(order, lines),
      history: events.map((e) => ({ from: e.from_status, to: e.to_status, by: e.actor, at: new Date(e.created_at).toISOString() })),
    };
  }

  /** The placeholder payment step: authorises and captures at once (placed → payment_pending → paid). */
  async pay(ctx: RequestContext, id: string): Promise<OrderView> {
    return this.move(ctx, id, ['payment_pending', 'paid']);
  }

  /** A customer cancels an order not yet shipped; the stock goes back to the DC that sold it. */
  async cancel(ctx: RequestContext, id: string): Promise<OrderView> {
    return this.move(ctx, id, ['cancelled']);
  }

  /** An admin moves an order one legal step. */
  async transition(ctx: RequestContext, id: string, to: OrderStatus): Promise<OrderView> {
    return this.move(ctx, id, [to]);
  }

  /**
   * Locks the order, checks each step, and writes the steps with COMMIT: two round trips. A
   * cancelled order's units go back to the allocation of the DC that sold them, in that DC's
   * database: in the same transaction when it is this one, else right after the commit.
   */
  private async move(ctx: RequestContext, id: string, steps: OrderStatus[]): Promise<OrderView> {
    const owner = await this.owner(ctx, id);
    return owner.account
      ? this.homes.atHome(owner.account, (db, fence) => this.moveAt(ctx, db, id, steps, fence))
      : this.moveAt(ctx, owner.db, id, steps);
  }

  private async moveAt(ctx: RequestContext, db: OrderDataSource, id: string, steps: OrderStatus[], fence?: Step<void>): Promise<OrderView> {
    const actor = ctx.account ? `${ctx.account.role}:${ctx.account.id}` : 'guest';
    const moved = await db.transaction(async (tx) => {
      const read = new Batch();
      if (fence) read.add(fence);
      const locked = read.add(this.repo.lockWithLines(id));
      await tx.batch(read);
      const order = this.mayAct(ctx, locked.value.order, id);
      const writes = new Batch();
      let status = order.status;
      for (const to of steps) {
        assertTransition(status, to);
        writes.add(this.repo.setStatus(id, status, to));
        writes.add(this.repo.event(newId(ctx.dc), id, status, to, actor));
        if (to === 'cancelled' && order.placed_dc === db.dc) writes.add(this.stock.release(id, order.placed_dc));
        status = to;
      }
      await tx.batchAndCommit(writes);
      return { order, view: orderView({ ...order, status, updated_at: new Date() }, locked.value.lines) };
    });
    if (steps.includes('cancelled') && moved.order.placed_dc !== db.dc) await this.returnStockElsewhere(id, moved.order.placed_dc);
    return moved.view;
  }

  /** Gives the units back to the DC that sold them now; if it cannot be reached, its reservation sweeper does once the cancellation replicates there. */
  private async returnStockElsewhere(orderId: string, dc: string): Promise<void> {
    try {
      await this.router.forOwner(dc).transaction((tx) => tx.batchAndCommit(Batch.of(this.stock.release(orderId, dc))));
    } catch (err) {
      this.logger.warn('cancelled order: its stock could not be returned to the DC that sold it yet', { orderId, dc, error: (err as Error).message });
    }
  }

  /**
   * The order if the requester may see it: its account, the guest holding its cart's cookie, or an
   * admin. Anyone else gets the same 404 as for an order that does not exist.
   */
  private mayAct(ctx: RequestContext, order: OrderRow | undefined, id: string): OrderRow {
    const mine = order && (
      ctx.account?.role === 'admin'
      || (order.account_id !== null && order.account_id === ctx.account?.id)
      || (order.account_id === null && order.cart_id === ctx.guestCartId));
    if (!order || !mine) throw notFound('order', id);
    return order;
  }

  private async visibleOrder(ctx: RequestContext, db: Sql, id: string): Promise<OrderRow> {
    return this.mayAct(ctx, await this.repo.findOrder(db, id), id);
  }

  /**
   * Writes go to the owner: the account's home DC (behind its fence), or for a guest order the DC
   * of its cart. Only an admin acting on someone else's order needs to read the order first to know which.
   */
  private async owner(ctx: RequestContext, id: string): Promise<{ account: HomedAccount; db?: undefined } | { account?: undefined; db: OrderDataSource }> {
    if (ctx.account && ctx.account.role !== 'admin') return { account: ctx.account };
    if (!ctx.account) return { db: this.router.forOwner(dcOfId(ctx.guestCartId ?? '') ?? ctx.dc) };
    const order = await this.repo.findOrder(this.router.local, id);
    if (!order) throw notFound('order', id);
    if (order.account_id === null) return { db: this.router.forOwner(dcOfId(order.cart_id) ?? ctx.dc) };
    const account = await this.accounts.findById(this.router.local, order.account_id);
    return { account: this.homes.homed(order.account_id, account?.home_dc ?? ctx.dc) };
  }
}

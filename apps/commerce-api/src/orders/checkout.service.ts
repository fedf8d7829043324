import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomInt } from 'node:crypto';
import { newId } from '@meridian/dc';
import { DomainError, ErrorCode, invalidInput, notFound } from '../common/domain-error';
import { idempotencyKey } from '../common/idempotency-key';
import { RequestContext } from '../common/request-context';
import { Batch, Step } from '../database/batch';
import { OrderDataSource, TxSql } from '../database/sql';
import { UnreachableError } from '../database/sql-errors';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppLogger } from '../observability/logger';
import { AppMetrics } from '../observability/metrics';
import { AccountsRepository } from '../accounts/accounts.repository';
import { HomeDcService } from '../accounts/home-dc.service';
import { cartClosed, CartService, PricedCart } from '../cart/cart.service';
import { CartChangedError, CartLineRow, CartRef, CartRepository, CartRow } from '../cart/cart.repository';
import { IdempotencyKeysRepository, KeyClaimedError } from '../idempotency/idempotency-keys.repository';
import { StockLine, StockReservationsRepository, StockShortError } from '../stock/stock-reservations.repository';
import { CheckoutDto, OrderView } from './orders.dto';
import { orderView } from './order-view';
import { NewOrder, OrderLineRow, OrderNumberTakenError, OrdersRepository } from './orders.repository';

export interface CheckoutAnswer {
  order: OrderView;
  /** true when the key had already placed this order: nothing new was created */
  replayed: boolean;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `A-7K3M9-QXT2B`: the DC, then 50 random bits; a collision is refused by the unique index and retried. */
export function newOrderNumber(dc: string): string {
  const c = Array.from({ length: 10 }, () => CROCKFORD[randomInt(32)]).join('');
  return `${dc.toUpperCase()}-${c.slice(0, 5)}-${c.slice(5)}`;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function requestHash(dto: CheckoutDto): string {
  return createHash('sha256').update(JSON.stringify(canonical(dto))).digest('hex');
}

const stockLines = (lines: CartLineRow[]): StockLine[] => lines.map((l) => ({ v: l.variant_id, q: l.quantity }));

interface CheckoutInput {
  scope: string;
  key: string;
  hash: string;
  dto: CheckoutDto;
}

/**
 * Places an order from the cart, once per Idempotency-Key. The order belongs to the cart's owner
 * (the account's home DC, or the DC that made a guest cart); the stock to this DC's allocation.
 *
 * An account's order is written behind the home fence (first statement of the owner's transaction):
 * if the home moved since this DC's replica said where it is, the fence refuses and the order
 * follows the home (HomeDcService.atHome).
 * Owner here: one transaction of two round trips on this DC's database:
 *   1. claim the (scope, key) row, lock the cart, read its priced lines (and the account's e-mail);
 *   2. take the stock from this DC's allocation with a reservation row (the batch aborts unless
 *      every line got it), insert the order, its lines and first event, close the cart, COMMIT.
 * Owner elsewhere: one WAN round trip whatever the number of lines:
 *   1. read the cart from this DC's replica and price it (local);
 *   2. reserve the stock in this DC's database (local transaction, one round trip);
 *   3. on the owner's database, one batch: claim the key, lock the cart and check it is still what
 *      was priced (else CART_CHANGED: re-read at the owner, try again), insert the order, close
 *      the cart, COMMIT. A refused batch gives the reservation back; an unknown outcome (the link
 *      failed mid-way) keeps it, never selling the same units twice.
 * A retry with the same key, even a concurrent one, waits on the key's unique index and then
 * finds the committed key: it answers the same order and never makes a second one.
 */
@Injectable()
export class CheckoutService {
  constructor(
    @Inject(OrdersRepository) private readonly repo: OrdersRepository,
    @Inject(CartService) private readonly carts: CartService,
    @Inject(CartRepository) private readonly cartRows: CartRepository,
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(HomeDcService) private readonly homes: HomeDcService,
    @Inject(IdempotencyKeysRepository) private readonly keys: IdempotencyKeysRepository,
    @Inject(StockReservationsRepository) private readonly stock: StockReservationsRepository,
    @Inject(AppMetrics) private readonly metrics: AppMetrics,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {}

  async placeOrder(ctx: RequestContext, key: string | undefined, dto: CheckoutDto): Promise<CheckoutAnswer> {
    key = idempotencyKey(key, true)!;
    if (!ctx.account && !dto.email) throw invalidInput('email: a guest checkout needs an e-mail address');
    const target = this.carts.target(ctx);
    if (!target) throw notFound('cart');
    const hash = requestHash(dto);
    const place = (db: OrderDataSource, ref: CartRef, fence?: Step<void>) => {
      const scope = 'accountId' in ref ? `account:${ref.accountId}` : `cart:${ref.guestCartId}`;
      const input: CheckoutInput = { scope, key, hash, dto };
      return db.dc === this.router.local.dc ? this.placeHere(ctx, db, ref, input, fence) : this.placeAtOwner(ctx, db, ref, input, fence);
    };
    // an account's order goes behind its home fence; a guest's to its cart's DC, or to the cart this DC
    // adopts when that DC cannot be reached
    const order = ctx.account
      ? await this.homes.atHome(ctx.account, (db, fence) => place(db, target.ref, fence))
      : await this.carts.guestAtOwner(ctx, target, (t) => place(t.db, t.ref));
    if (!order.replayed) this.metrics.ordersPlaced.inc({ dc: ctx.dc });
    return order;
  }

  private async placeHere(ctx: RequestContext, db: OrderDataSource, ref: CartRef, input: CheckoutInput, fence?: Step<void>): Promise<CheckoutAnswer> {
    for (let attempt = 1; ; attempt++) {
      let stock: StockLine[] = [];
      try {
        const order = await db.transaction((tx) => this.place(ctx, tx, ref, input, fence, (lines) => { stock = lines; }));
        return { order, replayed: false };
      } catch (err) {
        if (err instanceof StockShortError) throw await this.outOfStock(stock, ctx.dc);
        if (err instanceof OrderNumberTakenError && attempt < 3) continue;
        if (!(err instanceof KeyClaimedError)) throw err;
        // the key was committed before us (a retry, or a concurrent request we waited for)
        const replayed = await this.replay(db, input);
        if (replayed) return replayed;
        throw err;
      }
    }
  }

  private async placeAtOwner(ctx: RequestContext, owner: OrderDataSource, ref: CartRef, input: CheckoutInput, fence?: Step<void>): Promise<CheckoutAnswer> {
    const local = this.router.local;
    let atOwner = false;
    for (let attempt = 1; attempt <= 3; attempt++) {
      // this DC's replica once it has the client's last remote write (read-your-writes); else the owner,
      // which alone can say "no cart"
      let loaded: { cart?: CartRow; lines: CartLineRow[] } | undefined = atOwner ? undefined : await this.carts.fromReplica(ctx, ref);
      if (!loaded) {
        atOwner = true;
        loaded = await this.carts.loadForCheckout(owner, ref, ctx.dc);
      }
      const { cart, lines } = loaded;
      if (!cart || cart.status !== 'active') {
        // a retry of a checkout that went through finds its order; anything else has no cart to order
        const replayed = await this.replay(owner, input);
        if (replayed) return replayed;
        throw cart ? cartClosed() : notFound('cart');
      }
      const { priced, shippingCode } = await this.price(cart, lines, input.dto);
      const stock = stockLines(lines);
      const orderId = newId(ctx.dc);
      // the account's e-mail comes back with the reservation's round trip
      const reservation = new Batch();
      reservation.add(this.stock.reserve({ id: newId(ctx.dc), orderId, dc: ctx.dc, lines: stock, cartId: cart.id, ownerDc: owner.dc }));
      const accountEmail = input.dto.email ? undefined : reservation.add(this.accounts.emailOf(ctx.account!.id));
      try {
        await local.transaction((tx) => tx.batchAndCommit(reservation));
      } catch (err) {
        if (err instanceof StockShortError) throw await this.outOfStock(stock, ctx.dc);
        throw err;
      }
      const built = this.build(ctx, cart, lines, priced, shippingCode, this.emailFor(input.dto, accountEmail?.value), input.dto, orderId);
      const order = new Batch();
      if (fence) order.add(fence);
      order.add(this.keys.claim({ id: newId(ctx.dc), scope: input.scope, key: input.key, requestHash: input.hash, orderId: built.order.id }));
      order.add(this.cartRows.guardUnchanged(cart.id, { lines: stock, discountCode: cart.discount_code, shippingMethodCode: cart.shipping_method_code }));
      order.add(this.repo.insertOrder(built.order, built.lines, newId(ctx.dc), ctx.account ? `account:${ctx.account.id}` : 'guest'));
      order.add(this.cartRows.closeOrdered(cart.id));
      try {
        const gtid = await owner.transaction((tx) => tx.batchCommitGtid(order));
        if (gtid) ctx.wroteAt = gtid;
        const now = new Date();
        return { order: orderView({ ...built.order, created_at: now, updated_at: now }, built.lines), replayed: false };
      } catch (err) {
        if (err instanceof UnreachableError && err.outcomeUnknown) {
          // the link broke mid-way: the owner may have committed; the reservation stays held until that is known
          this.logger.warn('checkout at another DC ended without an answer: stock reservation kept', { orderId: built.order.id, ownerDc: owner.dc });
          throw err;
        }
        await local.transaction((tx) => tx.batchAndCommit(Batch.of(this.stock.release(built.order.id, ctx.dc))));
        if (err instanceof CartChangedError) {
          atOwner = true;
          continue;
        }
        if (err instanceof OrderNumberTakenError) continue;
        if (!(err instanceof KeyClaimedError)) throw err;
        const replayed = await this.replay(owner, input);
        if (replayed) return replayed;
        throw err;
      }
    }
    throw new DomainError(ErrorCode.Unavailable, 'the cart kept changing during checkout; try again', undefined, 1);
  }

  private async outOfStock(stock: StockLine[], dc: string): Promise<DomainError> {
    const short = stock.length ? await this.stock.findShortLines(this.router.local, stock, dc) : [];
    return new DomainError(ErrorCode.OutOfStock, `not enough stock for ${short.map((s) => s.sku).join(', ')}`,
      { lines: short.map((s) => ({ variantId: s.variant_id, sku: s.sku, requested: s.requested, available: Number(s.available) })) });
  }

  private async replay(db: OrderDataSource, input: CheckoutInput): Promise<CheckoutAnswer | undefined> {
    const row = await this.keys.find(db, input.scope, input.key);
    if (!row?.order_id) return undefined;
    if (row.request_hash !== input.hash) {
      throw new DomainError(ErrorCode.IdempotencyKeyReused, 'this Idempotency-Key was used for a different checkout');
    }
    const order = await this.repo.findOrder(db, row.order_id);
    if (!order) throw notFound('order', row.order_id);
    return { order: orderView(order, await this.repo.findLines(db, [order.id])), replayed: true };
  }

  private async place(ctx: RequestContext, tx: TxSql, ref: CartRef, p: CheckoutInput, fence: Step<void> | undefined,
    seenStock: (lines: StockLine[]) => void): Promise<OrderView> {
    const orderId = newId(ctx.dc);
    const claim = new Batch();
    if (fence) claim.add(fence);
    claim.add(this.keys.claim({ id: newId(ctx.dc), scope: p.scope, key: p.key, requestHash: p.hash, orderId }));
    const locked = claim.add(this.cartRows.lockForCheckout(ref, ctx.dc));
    const accountEmail = ctx.account ? claim.add(this.accounts.emailOf(ctx.account.id)) : undefined;
    await tx.batch(claim);
    const { cart, lines } = locked.value;
    if (!cart) throw notFound('cart');
    if (cart.status !== 'active') throw cartClosed();
    const { priced, shippingCode } = await this.price(cart, lines, p.dto);
    const { order, lines: orderLines } = this.build(ctx, cart, lines, priced, shippingCode, this.emailFor(p.dto, accountEmail?.value), p.dto, orderId);
    const stock = stockLines(lines);
    seenStock(stock);
    await tx.batchAndCommit(Batch.of(
      this.stock.reserve({ id: newId(ctx.dc), orderId, dc: ctx.dc, lines: stock, cartId: cart.id, ownerDc: ctx.dc }),
      this.repo.insertOrder(order, orderLines, newId(ctx.dc), ctx.account ? `account:${ctx.account.id}` : 'guest'),
      this.cartRows.closeOrdered(cart.id),
    ));
    const now = new Date();
    return orderView({ ...order, created_at: now, updated_at: now }, orderLines);
  }

  /** The guest's address, else the account's (read with the order's first round trip). */
  private emailFor(dto: CheckoutDto, accountEmail: string | undefined): string {
    const email = dto.email ?? accountEmail;
    if (!email) throw notFound('account');
    return email;
  }

  private async price(cart: CartRow, lines: CartLineRow[], dto: CheckoutDto): Promise<{ priced: PricedCart; shippingCode: string }> {
    const shippingCode = dto.shippingMethod ?? cart.shipping_method_code;
    if (!shippingCode) throw invalidInput('shippingMethod: choose a shipping method');
    if (lines.length === 0) throw new DomainError(ErrorCode.CartEmpty, 'the cart is empty');
    return { priced: await this.carts.priceLines(cart, lines, shippingCode), shippingCode };
  }

  /** The order and its lines as they will be written. */
  private build(ctx: RequestContext, cart: CartRow, lines: CartLineRow[], priced: PricedCart, shippingCode: string, email: string,
    dto: CheckoutDto, orderId = newId(ctx.dc)): { order: NewOrder; lines: OrderLineRow[] } {
    const orderLines: OrderLineRow[] = lines.map((l) => ({
      id: newId(ctx.dc), order_id: orderId, variant_id: l.variant_id, sku: l.sku, product_name: l.product_name,
      variant_name: l.variant_name, quantity: l.quantity, unit_price: l.unit_price, tax_rate_bp: l.tax_rate_bp,
      line_total: l.unit_price * l.quantity,
    }));
    const t = priced.totals;
    const order: NewOrder = {
      id: orderId, number: newOrderNumber(ctx.dc), account_id: ctx.account?.id ?? null, cart_id: cart.id, email,
      status: 'placed', currency: cart.currency, subtotal: t.subtotal, discount_total: t.discount,
      shipping_total: t.shipping, tax_total: t.tax, total: t.total, discount_code: priced.discountCode,
      shipping_method_code: priced.shippingMethod ?? shippingCode, shipping_address: { ...dto.shippingAddress }, placed_dc: ctx.dc,
    };
    return { order, lines: orderLines };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomInt } from 'node:crypto';
import { newId } from '@meridian/dc';
import { DomainError, ErrorCode, invalidInput, notFound } from '../common/domain-error';
import { RequestContext } from '../common/request-context';
import { isDuplicateKey, OrderDataSource, rowsOf, TxSql } from '../database/sql';
import { AppMetrics } from '../observability/metrics';
import { AccountsRepository } from '../accounts/accounts.repository';
import { cartClosed, CartService } from '../cart/cart.service';
import { CartLineRow, CartRef, CartRow } from '../cart/cart.repository';
import { CheckoutDto, OrderView } from './orders.dto';
import { orderView } from './order-view';
import { OrderLineRow, OrdersRepository, OUT_OF_STOCK_SIGNAL } from './orders.repository';

export interface CheckoutAnswer {
  order: OrderView;
  /** true when the key had already placed this order: nothing new was created */
  replayed: boolean;
}

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,100}$/;
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

const isOutOfStock = (err: unknown) => (err as { errno?: number; message?: string }).errno === 1644
  && String((err as Error).message).includes(OUT_OF_STOCK_SIGNAL);

/**
 * Places an order from the cart, once per Idempotency-Key, in one transaction of two round trips
 * on the cart owner's database:
 *   1. claim the (scope, key) row, lock the cart, read its priced lines (and the account's e-mail);
 *   2. take the stock from this DC's allocation (the batch aborts unless every line got it), insert
 *      the order, its lines and first event, close the cart, COMMIT.
 * A retry with the same key, even a concurrent one, waits on the key's unique index and then
 * finds the committed key: it answers the same order and never makes a second one.
 */
@Injectable()
export class CheckoutService {
  constructor(
    @Inject(OrdersRepository) private readonly repo: OrdersRepository,
    @Inject(CartService) private readonly carts: CartService,
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(AppMetrics) private readonly metrics: AppMetrics,
  ) {}

  async placeOrder(ctx: RequestContext, key: string | undefined, dto: CheckoutDto): Promise<CheckoutAnswer> {
    if (!key || !KEY_PATTERN.test(key)) {
      throw invalidInput('the Idempotency-Key header is required: 8 to 100 letters, digits or . _ : -');
    }
    if (!ctx.account && !dto.email) throw invalidInput('email: a guest checkout needs an e-mail address');
    const target = this.carts.target(ctx);
    if (!target) throw notFound('cart');
    const scope = ctx.account ? `account:${ctx.account.id}` : `cart:${ctx.guestCartId}`;
    const hash = requestHash(dto);

    for (let attempt = 1; ; attempt++) {
      let cartId: string | undefined;
      try {
        const order = await target.db.transaction((tx) =>
          this.place(ctx, tx, target.ref, { scope, key, hash, dto }, (id) => { cartId = id; }));
        this.metrics.ordersPlaced.inc({ dc: ctx.dc });
        return { order, replayed: false };
      } catch (err) {
        if (isOutOfStock(err) && cartId) {
          const short = await this.repo.findShortLines(target.db, cartId, ctx.dc);
          throw new DomainError(ErrorCode.OutOfStock, `not enough stock for ${short.map((s) => s.sku).join(', ')}`,
            { lines: short.map((s) => ({ variantId: s.variant_id, sku: s.sku, requested: s.requested, available: Number(s.available) })) });
        }
        if (!isDuplicateKey(err)) throw err;
        if (String((err as Error).message).includes('uq_order_number') && attempt < 3) continue;
        // the key was committed before us (a retry, or a concurrent request we waited for)
        const replayed = await this.replay(target.db, scope, key, hash);
        if (replayed) return replayed;
        throw err;
      }
    }
  }

  private async replay(db: OrderDataSource, scope: string, key: string, hash: string): Promise<CheckoutAnswer | undefined> {
    const row = await this.repo.findIdempotencyKey(db, scope, key);
    if (!row) return undefined;
    if (row.request_hash !== hash) {
      throw new DomainError(ErrorCode.IdempotencyKeyReused, 'this Idempotency-Key was used for a different checkout');
    }
    const order = await this.repo.findOrder(db, row.order_id);
    if (!order) throw notFound('order', row.order_id);
    return { order: orderView(order, await this.repo.findLines(db, [order.id])), replayed: true };
  }

  private async place(ctx: RequestContext, tx: TxSql, ref: CartRef,
    p: { scope: string; key: string; hash: string; dto: CheckoutDto }, seenCart: (id: string) => void): Promise<OrderView> {
    const orderId = newId(ctx.dc);
    const results = await tx.batch([
      this.repo.claimIdempotencyKey({ id: newId(ctx.dc), scope: p.scope, key: p.key, requestHash: p.hash, orderId }),
      ...this.carts.lockForCheckout(ref, ctx.dc),
      ...(ctx.account ? [this.accounts.emailOf(ctx.account.id)] : []),
    ]);
    const cart = rowsOf<CartRow>(results[1])[0];
    const lines = rowsOf<CartLineRow>(results[2]);
    if (!cart) throw notFound('cart');
    if (cart.status !== 'active') throw cartClosed();
    seenCart(cart.id);
    const shippingCode = p.dto.shippingMethod ?? cart.shipping_method_code;
    if (!shippingCode) throw invalidInput('shippingMethod: choose a shipping method');
    if (lines.length === 0) throw new DomainError(ErrorCode.CartEmpty, 'the cart is empty');
    const priced = await this.carts.priceLines(cart, lines, shippingCode);
    const email = p.dto.email ?? rowsOf<{ email: string }>(results[3])[0].email;

    const orderLines: OrderLineRow[] = lines.map((l) => ({
      id: newId(ctx.dc), order_id: orderId, variant_id: l.variant_id, sku: l.sku, product_name: l.product_name,
      variant_name: l.variant_name, quantity: l.quantity, unit_price: l.unit_price, tax_rate_bp: l.tax_rate_bp,
      line_total: l.unit_price * l.quantity,
    }));
    const t = priced.totals;
    const order = {
      id: orderId, number: newOrderNumber(ctx.dc), account_id: ctx.account?.id ?? null, cart_id: cart.id, email,
      status: 'placed' as const, currency: cart.currency, subtotal: t.subtotal, discount_total: t.discount,
      shipping_total: t.shipping, tax_total: t.tax, total: t.total, discount_code: priced.discountCode,
      shipping_method_code: priced.shippingMethod!, shipping_address: { ...p.dto.shippingAddress }, placed_dc: ctx.dc,
    };
    await tx.batchAndCommit([
      ...this.repo.takeStockForCart(cart.id, ctx.dc, lines.length),
      ...this.repo.insertOrder(order, orderLines, newId(ctx.dc), ctx.account ? `account:${ctx.account.id}` : 'guest'),
      this.repo.closeCart(cart.id),
    ]);
    const now = new Date();
    return orderView({ ...order, created_at: now, updated_at: now }, orderLines);
  }
}

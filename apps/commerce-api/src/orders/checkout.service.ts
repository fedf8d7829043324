import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomInt } from 'node:crypto';
import { newId } from '@meridian/dc';
import { DomainError, ErrorCode, invalidInput, notFound } from '../common/domain-error';
import { RequestContext } from '../common/request-context';
import { isDuplicateKey, OrderDataSource, Sql } from '../database/sql';
import { AppMetrics } from '../observability/metrics';
import { AccountsRepository } from '../accounts/accounts.repository';
import { cartClosed, CartService } from '../cart/cart.service';
import { CheckoutDto, OrderView } from './orders.dto';
import { orderView } from './order-view';
import { OrderLineRow, OrdersRepository } from './orders.repository';

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

/**
 * Places an order from the cart, once per Idempotency-Key. The key row, the stock taken from this
 * DC's allocation, the order and the closed cart commit in one transaction on the cart owner's
 * database, so a retry (even a concurrent one) finds the key and gets the same order.
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
    const scope = ctx.account ? `account:${ctx.account.id}` : ctx.guestCartId ? `cart:${ctx.guestCartId}` : undefined;
    if (!scope) throw notFound('cart');
    if (!ctx.account && !dto.email) throw invalidInput('email: a guest checkout needs an e-mail address');
    const hash = requestHash(dto);
    const { db, cart } = await this.carts.locate(ctx);

    const earlier = await this.replay(db, scope, key, hash);
    if (earlier) return earlier;
    if (!cart) throw ctx.guestCartId ? cartClosed() : notFound('cart');

    for (let attempt = 1; ; attempt++) {
      try {
        const order = await db.transaction((tx) => this.place(ctx, tx, { scope, key, hash, cartId: cart.id, dto }));
        this.metrics.ordersPlaced.inc({ dc: ctx.dc });
        return { order, replayed: false };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        if (String((err as Error).message).includes('uq_order_number') && attempt < 3) continue;
        // the same key committed by a concurrent request while we waited on its row
        const replayed = await this.replay(db, scope, key, hash);
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

  private async place(ctx: RequestContext, tx: Sql,
    p: { scope: string; key: string; hash: string; cartId: string; dto: CheckoutDto }): Promise<OrderView> {
    const orderId = newId(ctx.dc);
    await this.repo.claimIdempotencyKey(tx, { id: newId(ctx.dc), scope: p.scope, key: p.key, requestHash: p.hash, orderId });

    const cart = await this.carts.lockCart(tx, p.cartId);
    if (!cart || cart.status !== 'active') throw cartClosed();
    const shippingCode = p.dto.shippingMethod ?? cart.shipping_method_code;
    if (!shippingCode) throw invalidInput('shippingMethod: choose a shipping method');
    const priced = await this.carts.priceForCheckout(ctx, tx, cart, shippingCode);
    if (priced.lines.length === 0) throw new DomainError(ErrorCode.CartEmpty, 'the cart is empty');

    const taken = await this.repo.takeStockForCart(tx, cart.id, ctx.dc);
    if (taken < priced.lines.length) {
      const short = await this.repo.findShortLines(tx, cart.id, ctx.dc);
      throw new DomainError(ErrorCode.OutOfStock, `not enough stock for ${short.map((s) => s.sku).join(', ')}`,
        { lines: short.map((s) => ({ variantId: s.variant_id, sku: s.sku, requested: s.requested, available: Number(s.available) })) });
    }

    const email = p.dto.email ?? (await this.accounts.findById(tx, ctx.account!.id))!.email;
    const lines: OrderLineRow[] = priced.lines.map((l) => ({
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
    await this.repo.insertOrder(tx, order, lines, newId(ctx.dc), ctx.account ? `account:${ctx.account.id}` : 'guest');
    await this.repo.closeCart(tx, cart.id);
    const now = new Date();
    return orderView({ ...order, shipping_address: order.shipping_address, created_at: now, updated_at: now }, lines);
  }
}

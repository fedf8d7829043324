import { Inject, Injectable } from '@nestjs/common';
import { dcOfId, newId } from '@meridian/dc';
import { AppEnv } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, notFound } from '../common/domain-error';
import { RequestContext } from '../common/request-context';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { isDuplicateKey, OrderDataSource, Sql } from '../database/sql';
import { priceWithTax } from '../catalog/catalog.service';
import { AddItemDto, CartLineView, CartView, ShippingMethodView } from './cart.dto';
import { CartLineRow, CartRepository, CartRow } from './cart.repository';
import { priceCart, Totals } from './cart-pricing';
import { PricingRules } from './pricing-rules';

export interface CartAnswer {
  cart: CartView;
  /** set when this request made a new guest cart: the cookie to hand out */
  newGuestCartId?: string;
}

interface Located {
  db: OrderDataSource;
  cart: CartRow | undefined;
}

export interface PricedCart {
  cart: CartRow;
  lines: CartLineRow[];
  totals: Totals;
  shippingMethod: string | null;
  discountCode: string | null;
}

/**
 * Carts live in the database of their owner: an account's cart in its home DC, a guest cart in
 * the DC whose prefix its id carries. A process keeps nothing, so a restart loses no cart.
 */
@Injectable()
export class CartService {
  constructor(
    @Inject(CartRepository) private readonly repo: CartRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(PricingRules) private readonly rules: PricingRules,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppEnv) private readonly env: AppEnv,
  ) {}

  async getCart(ctx: RequestContext): Promise<CartView> {
    const { db, cart } = await this.locate(ctx);
    return cart ? this.view(ctx, db, cart) : this.emptyView();
  }

  async addItem(ctx: RequestContext, dto: AddItemDto): Promise<CartAnswer> {
    const { db, cart } = await this.locate(ctx);
    if (cart) {
      if (await this.repo.addToLine(db, newId(ctx.dc), cart.id, dto.variantId, dto.quantity) === 0) {
        throw notFound('variant', dto.variantId);
      }
      return { cart: await this.view(ctx, db, cart) };
    }
    // a new cart and its first line commit together: an unknown variant leaves no empty cart behind
    const created = await db.transaction(async (tx) => {
      const id = await this.createCart(ctx, tx);
      if (await this.repo.addToLine(tx, newId(ctx.dc), id, dto.variantId, dto.quantity) === 0) {
        throw notFound('variant', dto.variantId);
      }
      return (await this.repo.findCart(tx, id))!;
    });
    return { cart: await this.view(ctx, db, created), newGuestCartId: ctx.account ? undefined : created.id };
  }

  async setQuantity(ctx: RequestContext, variantId: string, quantity: number): Promise<CartView> {
    const { db, cart } = await this.requireCart(ctx);
    if (await this.repo.setLineQuantity(db, cart.id, variantId, quantity) === 0) {
      // 0 rows also when the quantity did not change: tell those apart from a missing line
      const lines = await this.repo.findLines(db, cart.id, ctx.dc);
      if (!lines.some((l) => l.variant_id === variantId)) throw notFound('cart line for variant', variantId);
    }
    return this.view(ctx, db, cart);
  }

  async removeLine(ctx: RequestContext, variantId: string): Promise<CartView> {
    const { db, cart } = await this.requireCart(ctx);
    if (await this.repo.removeLine(db, cart.id, variantId) === 0) throw notFound('cart line for variant', variantId);
    return this.view(ctx, db, cart);
  }

  async applyDiscountCode(ctx: RequestContext, code: string): Promise<CartView> {
    const { db, cart } = await this.requireCart(ctx);
    const discount = await this.rules.findDiscountCode(code, cart.currency, this.clock.now());
    if (!discount) throw notFound('discount code', code);
    await this.repo.setDiscountCode(db, cart.id, discount.code);
    return this.view(ctx, db, { ...cart, discount_code: discount.code });
  }

  async removeDiscountCode(ctx: RequestContext): Promise<CartView> {
    const { db, cart } = await this.requireCart(ctx);
    await this.repo.setDiscountCode(db, cart.id, null);
    return this.view(ctx, db, { ...cart, discount_code: null });
  }

  async setShippingMethod(ctx: RequestContext, code: string): Promise<CartView> {
    const { db, cart } = await this.requireCart(ctx);
    if (!await this.rules.shippingMethod(code)) throw notFound('shipping method', code);
    await this.repo.setShippingMethod(db, cart.id, code);
    return this.view(ctx, db, { ...cart, shipping_method_code: code });
  }

  async shippingMethods(_ctx: RequestContext): Promise<ShippingMethodView[]> {
    return (await this.rules.shippingMethods()).map((m) => ({ code: m.code, name: m.name, price: m.price_minor, currency: m.currency }));
  }

  /**
   * At log-in: the guest cart's lines join the account's cart (or the guest cart becomes the
   * account's cart when it has none). Returns whether the guest cart was taken over.
   */
  async mergeGuestCart(ctx: RequestContext, accountId: string, guestCartId: string): Promise<boolean> {
    const db = this.router.forOwner(dcOfId(guestCartId) ?? ctx.dc);
    return db.transaction(async (tx) => {
      const guest = await this.repo.findCart(tx, guestCartId, true);
      if (!guest || guest.status !== 'active' || guest.account_id !== null) return false;
      const mine = await this.repo.findActiveCartOfAccount(tx, accountId);
      if (!mine) {
        await this.repo.adoptGuestCart(tx, guest.id, accountId);
      } else {
        const n = await this.repo.countLines(tx, guest.id);
        await this.repo.mergeLines(tx, guest.id, mine.id, Array.from({ length: n }, () => newId(ctx.dc)));
      }
      return true;
    });
  }

  lockCart(tx: Sql, cartId: string): Promise<CartRow | undefined> {
    return this.repo.findCart(tx, cartId, true);
  }

  /** The cart as checkout needs it: locked lines and totals with the given shipping method. */
  async priceForCheckout(ctx: RequestContext, tx: Sql, cart: CartRow, shippingCode: string): Promise<PricedCart> {
    const lines = await this.repo.findLines(tx, cart.id, ctx.dc);
    return this.price(cart, lines, shippingCode);
  }

  /** The account's active cart or the guest cart of the cookie, with the database that owns it. */
  async locate(ctx: RequestContext): Promise<Located> {
    if (ctx.account) {
      const db = this.router.forOwner(ctx.account.homeDc);
      return { db, cart: await this.repo.findActiveCartOfAccount(db, ctx.account.id) };
    }
    if (ctx.guestCartId) {
      const db = this.router.forOwner(dcOfId(ctx.guestCartId) ?? ctx.dc);
      const cart = await this.repo.findCart(db, ctx.guestCartId);
      // an ordered or merged guest cart is finished: the next item starts a new one
      return { db, cart: cart?.status === 'active' && cart.account_id === null ? cart : undefined };
    }
    return { db: this.router.local, cart: undefined };
  }

  private async requireCart(ctx: RequestContext): Promise<{ db: OrderDataSource; cart: CartRow }> {
    const { db, cart } = await this.locate(ctx);
    if (!cart) throw notFound('cart');
    return { db, cart };
  }

  private async createCart(ctx: RequestContext, tx: Sql): Promise<string> {
    const id = newId(ctx.dc);
    try {
      await this.repo.insertCart(tx, { id, accountId: ctx.account?.id, ownerDc: ctx.dc, currency: this.env.STORE_CURRENCY });
      return id;
    } catch (err) {
      // two first-items of one account at once: the other request made the cart
      if (ctx.account && isDuplicateKey(err)) {
        const mine = await this.repo.findActiveCartOfAccount(tx, ctx.account.id);
        if (mine) return mine.id;
      }
      throw err;
    }
  }

  private async price(cart: CartRow, lines: CartLineRow[], shippingCode: string | null): Promise<PricedCart> {
    const now = this.clock.now();
    const methods = await this.rules.shippingMethods();
    const method = shippingCode ? methods.find((m) => m.code === shippingCode) : methods[0];
    if (shippingCode && !method) throw notFound('shipping method', shippingCode);
    const discounts = await this.rules.discountsFor(cart.discount_code, cart.currency, now);
    const totals = priceCart(
      lines.map((l) => ({ quantity: l.quantity, unitPrice: l.unit_price, taxRateBp: l.tax_rate_bp })),
      discounts.map((d) => ({ kind: d.kind, value: d.value })), method?.price_minor ?? 0);
    const codeInForce = discounts.some((d) => d.code !== null) ? cart.discount_code : null;
    return { cart, lines, totals, shippingMethod: method?.code ?? null, discountCode: codeInForce };
  }

  private async view(ctx: RequestContext, db: Sql, cart: CartRow): Promise<CartView> {
    const lines = await this.repo.findLines(db, cart.id, ctx.dc);
    const priced = await this.price(cart, lines, cart.shipping_method_code);
    return {
      id: cart.id, currency: cart.currency, discountCode: priced.discountCode, shippingMethod: priced.shippingMethod,
      totalQuantity: lines.reduce((s, l) => s + l.quantity, 0),
      lines: lines.map((l) => this.lineView(l)), totals: priced.totals,
    };
  }

  private lineView(l: CartLineRow): CartLineView {
    const available = l.available ?? 0;
    const stockStatus = available < l.quantity ? 'out_of_stock'
      : available - l.quantity < this.env.LOW_STOCK_THRESHOLD ? 'low_stock' : 'in_stock';
    return {
      variantId: l.variant_id, sku: l.sku, productName: l.product_name, productSlug: l.product_slug,
      variantName: l.variant_name, quantity: l.quantity, unitPrice: l.unit_price,
      unitPriceWithTax: priceWithTax(l.unit_price, l.tax_rate_bp), lineTotal: l.unit_price * l.quantity, stockStatus,
    };
  }

  private emptyView(): CartView {
    return { id: null, currency: this.env.STORE_CURRENCY, lines: [], totalQuantity: 0, discountCode: null,
      shippingMethod: null, totals: { subtotal: 0, discount: 0, shipping: 0, tax: 0, total: 0 } };
  }
}

export const cartClosed = () => new DomainError(ErrorCode.CartClosed, 'this cart has already been checked out');

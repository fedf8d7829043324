import { Inject, Injectable } from '@nestjs/common';
import { dcOfId, newId } from '@meridian/dc';
import { AppEnv } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, notFound } from '../common/domain-error';
import { RequestContext } from '../common/request-context';
import { Batch, Step } from '../database/batch';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { OrderDataSource, Sql } from '../database/sql';
import { UnreachableError } from '../database/sql-errors';
import { HomeDcService, HomedAccount } from '../accounts/home-dc.service';
import { IdempotencyKeysRepository, KeyClaimedError } from '../idempotency/idempotency-keys.repository';
import { StockReservationsRepository } from '../stock/stock-reservations.repository';
import { priceWithTax } from '../catalog/catalog.service';
import { AppMetrics } from '../observability/metrics';
import { AddItemDto, CartLineView, CartView, ShippingMethodView } from './cart.dto';
import { CartExistsError, CartLineRow, CartRef, CartRepository, CartRow, LoadedCart } from './cart.repository';
import { priceCart, Totals } from './cart-pricing';
import { PricingRules } from './pricing-rules.cache';

export interface PricedCart {
  cart: CartRow;
  lines: CartLineRow[];
  totals: Totals;
  shippingMethod: string | null;
  discountCode: string | null;
}

/** The cart a request means and the database that owns it. */
export interface CartTarget {
  db: OrderDataSource;
  ref: CartRef;
}

/** How many times one request follows a guest cart to the DC that adopted it (each one unreachable in turn). */
const MAX_ADOPTION_HOPS = 3;

/**
 * Carts live in the database of their owner: an account's cart in its home DC, a guest cart in
 * the DC whose prefix its id carries. A process keeps nothing, so a restart loses no cart.
 * Each operation is one round trip: the write and the reloaded cart travel in one batch, in one
 * transaction that for an account's cart starts with the home fence (the home may have moved).
 */
@Injectable()
export class CartService {
  constructor(
    @Inject(CartRepository) private readonly repo: CartRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(PricingRules) private readonly rules: PricingRules,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(AppMetrics) private readonly metrics: AppMetrics,
    @Inject(HomeDcService) private readonly homes: HomeDcService,
    @Inject(IdempotencyKeysRepository) private readonly keys: IdempotencyKeysRepository,
    @Inject(StockReservationsRepository) private readonly reservations: StockReservationsRepository,
  ) {}

  /** Deep health: a guest cart given a line and read back, in a transaction that is rolled back; the lines read. */
  async probe(): Promise<number> {
    const dc = this.router.dc;
    const b = new Batch();
    const loaded = b.add(this.repo.probeCart({ cart: newId(dc), line: newId(dc) }, dc, this.env.STORE_CURRENCY));
    await this.router.local.transaction((tx) => tx.batchAndRollback(b));
    if (!loaded.value.cart) throw new Error('the cart just written was not read back');
    return loaded.value.lines.length;
  }

  /** The account's cart or the guest cart of the cookie, with the database that owns it. */
  target(ctx: RequestContext): CartTarget | undefined {
    if (ctx.account) return { db: ctx.account.home, ref: { accountId: ctx.account.id } };
    if (ctx.guestCartId) return { db: this.router.forOwner(dcOfId(ctx.guestCartId) ?? ctx.dc), ref: { guestCartId: ctx.guestCartId } };
    return undefined;
  }

  async getCart(ctx: RequestContext): Promise<CartView> {
    const t = this.target(ctx);
    if (!t) return this.emptyView();
    const loaded = (ctx.account && t.db.kind === 'remote' && await this.fromReplica(ctx, t.ref))
      || await this.repo.run(t.db, t.ref, ctx.dc).catch((err) => {
        // a guest cart whose DC cannot be reached: the copy a DC made of it, else its replicated original
        if (!this.adoptable(t, err)) throw err;
        return this.repo.latestCopy(this.router.local, (t.ref as { guestCartId: string }).guestCartId, ctx.dc);
      });
    // an ordered or merged cart is finished: the shopper has no cart until the next item
    return loaded.cart?.status === 'active' ? this.view(loaded) : this.emptyView();
  }

  async addItem(ctx: RequestContext, dto: AddItemDto): Promise<CartView> {
    const t = this.target(ctx);
    if (t) {
      const loaded = await this.write(ctx, t, (ref) => this.repo.addLine(ref, newId(ctx.dc), dto.variantId, dto.quantity));
      if (loaded.affected > 0) return this.view(loaded);
      if (loaded.cart?.status === 'active') throw notFound('variant', dto.variantId);
    }
    // a new cart: an account's at its home, a guest's in this DC
    const id = newId(ctx.dc);
    const cart = { id, lineId: newId(ctx.dc), accountId: ctx.account?.id, ownerDc: ctx.dc, currency: this.env.STORE_CURRENCY };
    let created;
    try {
      created = ctx.account
        ? await this.homes.atHome(ctx.account, async (db, fence) => this.remembered(ctx, db, await this.repo.createWithLine(db, { ...cart, ownerDc: db.dc },
          dto.variantId, dto.quantity, ctx.dc, fence)))
        : await this.repo.createWithLine(this.router.local, cart, dto.variantId, dto.quantity, ctx.dc);
    } catch (err) {
      // two first items of one account at once: the other request made the cart, add to it
      if (t && err instanceof CartExistsError) return this.addItem(ctx, dto);
      throw err;
    }
    if (created.affected === 0) throw notFound('variant', dto.variantId);
    if (!ctx.account) ctx.newGuestCartId = id;
    return this.view(created);
  }

  async setQuantity(ctx: RequestContext, variantId: string, quantity: number): Promise<CartView> {
    return this.change(ctx, (ref) => this.repo.setQuantity(ref, variantId, quantity), () => notFound('cart line for variant', variantId));
  }

  async removeLine(ctx: RequestContext, variantId: string): Promise<CartView> {
    return this.change(ctx, (ref) => this.repo.removeLine(ref, variantId), () => notFound('cart line for variant', variantId));
  }

  async applyDiscountCode(ctx: RequestContext, code: string): Promise<CartView> {
    const discount = await this.rules.findDiscountCode(code, this.env.STORE_CURRENCY, this.clock.now());
    if (!discount) throw notFound('discount code', code);
    return this.change(ctx, (ref) => this.repo.setDiscountCode(ref, discount.code));
  }

  async removeDiscountCode(ctx: RequestContext): Promise<CartView> {
    return this.change(ctx, (ref) => this.repo.setDiscountCode(ref, null));
  }

  async setShippingMethod(ctx: RequestContext, code: string): Promise<CartView> {
    if (!await this.rules.shippingMethod(code)) throw notFound('shipping method', code);
    return this.change(ctx, (ref) => this.repo.setShippingMethod(ref, code));
  }

  async shippingMethods(_ctx: RequestContext): Promise<ShippingMethodView[]> {
    return (await this.rules.shippingMethods()).map((m) => ({ code: m.code, name: m.name, price: m.price_minor, currency: m.currency }));
  }

  /**
   * At log-in: the guest cart's lines join the account's cart (or the guest cart becomes the
   * account's cart when it has none). Returns whether the guest cart was taken over.
   * Guest cart and account at home in the same DC: one transaction there. Else the lines are
   * copied into the account's cart at its home, once per guest cart (a key row in the same
   * transaction), and then the guest cart is closed in its own DC; a retry after a failure in
   * between finds the key and only closes the guest cart.
   */
  async mergeGuestCart(ctx: RequestContext, account: HomedAccount, guestCartId: string): Promise<boolean> {
    const guestDc = dcOfId(guestCartId) ?? ctx.dc;
    if (guestDc !== account.home.dc) return this.mergeAcross(ctx, account, guestCartId, this.router.forOwner(guestDc));
    return this.homes.atHome(account, (db, fence) => db.transaction(async (tx) => {
      const b = new Batch();
      b.add(fence);
      const locked = b.add(this.repo.lockCart(guestCartId));
      await tx.batch(b);
      const guest = locked.value;
      if (!guest || guest.status !== 'active' || guest.account_id !== null) return false;
      const mine = await this.repo.findActiveCartOfAccount(tx, account.id);
      if (!mine) {
        await this.repo.adoptGuestCart(tx, guest.id, account.id);
      } else {
        await this.repo.mergeLines(tx, guest.id, mine.id, () => newId(ctx.dc));
      }
      return true;
    }));
  }

  private async mergeAcross(ctx: RequestContext, account: HomedAccount, guestCartId: string, guestDb: OrderDataSource): Promise<boolean> {
    let closeAt: OrderDataSource | undefined = guestDb;
    const guest = await this.repo.run(guestDb, { guestCartId }, ctx.dc).catch((err) => {
      if (!this.adoptable({ db: guestDb, ref: { guestCartId } }, err)) throw err;
      // the guest cart's DC cannot be reached: merge the copy a DC made of it (merged where that copy lives, below),
      // else the replica's original, left active over there where no cookie names it any more
      closeAt = undefined;
      return this.repo.latestCopy(this.router.local, guestCartId, ctx.dc);
    });
    if (guest.cart && guest.cart.id !== guestCartId) return this.mergeGuestCart(ctx, account, guest.cart.id);
    if (!guest.cart || guest.cart.status !== 'active') return false;
    const lines = guest.lines.map((l) => ({ id: newId(ctx.dc), v: l.variant_id, q: l.quantity }));
    try {
      const currency = guest.cart.currency;
      await this.homes.atHome(account, async (db, fence) => {
        const merge = Batch.of(fence, this.keys.claimMerge(newId(ctx.dc), account.id, guestCartId),
          this.repo.mergeIntoAccountCart({ id: newId(ctx.dc), accountId: account.id, ownerDc: db.dc, currency }, lines));
        return this.remembered(ctx, db, { gtid: await db.transaction((tx) => tx.batchCommitGtid(merge)) });
      });
    } catch (err) {
      // the key row is there: an earlier attempt copied the lines and failed before closing the guest cart
      if (!(err instanceof KeyClaimedError)) throw err;
    }
    if (closeAt) await this.repo.closeMergedGuestCart(closeAt, guestCartId);
    return true;
  }

  /** For checkout elsewhere than the cart's owner: the cart and its priced lines as `db` has them (no lock). */
  async loadForCheckout(db: Sql, ref: CartRef, dc: string): Promise<{ cart?: CartRow; lines: CartLineRow[] }> {
    return this.repo.run(db, ref, dc);
  }

  /**
   * Read-your-writes from this DC's replica for a cart owned elsewhere: the cart once the replica has
   * applied the client's last remote write (ctx.readAfter), or undefined when it has not within
   * READ_YOUR_WRITES_WAIT_MS or shows no active cart (only the owner can say there is none).
   */
  async fromReplica(ctx: RequestContext, ref: CartRef): Promise<LoadedCart | undefined> {
    const r = await this.repo.runAfter(this.router.local, ref, ctx.dc, ctx.readAfter, this.env.READ_YOUR_WRITES_WAIT_MS / 1000);
    const fresh = r.caughtUp && r.cart?.status === 'active' && r.lines.length > 0;
    this.metrics.replicaReads.inc({ data: 'cart', served: fresh ? 'replica' : 'home' });
    return fresh ? r : undefined;
  }

  /** Totals of a cart's lines with the given shipping method, as checkout charges them. */
  priceLines(cart: CartRow, lines: CartLineRow[], shippingCode: string): Promise<PricedCart> {
    return this.price(cart, lines, shippingCode);
  }

  /** One write to the shopper's active cart, answered with the cart as it is after it. */
  private async change(ctx: RequestContext, write: (ref: CartRef) => Step<number>, missing?: () => Error): Promise<CartView> {
    const t = this.target(ctx);
    if (!t) throw notFound('cart');
    const loaded = await this.write(ctx, t, write);
    if (loaded.cart?.status !== 'active') throw notFound('cart');
    if (loaded.affected === 0 && missing) throw missing();
    return this.view(loaded);
  }

  /**
   * A write to the cart of `t` at its owner (behind the home fence for an account; for a guest, the
   * cart this DC adopts when the owner cannot be reached), with the cart after it.
   */
  private write(ctx: RequestContext, t: CartTarget, write: (ref: CartRef) => Step<number>): Promise<LoadedCart> {
    if (!ctx.account) return this.guestAtOwner(ctx, t, (g) => this.repo.write(g.db, g.ref, ctx.dc, write(g.ref)));
    return this.homes.atHome(ctx.account, async (db, fence) => this.remembered(ctx, db, await this.repo.write(db, t.ref, ctx.dc, write(t.ref), fence)));
  }

  /**
   * Runs a guest cart's operation at the DC that owns the cart. When that DC cannot be reached (not
   * even a connection could be opened, so nothing of the operation reached it), the cart moves:
   * to the copy another DC already made of it (it lives there now: no second copy), else to a copy
   * this DC makes from its own replica, made once (an adoption made earlier is reused), owned by
   * this DC from then on; the operation runs on the copy and the answer hands out its cookie.
   * Writes the owner made less than one replication lag before it became unreachable are not in
   * the copy. A connection that broke mid-operation (the outcome unknown) is answered 503, and so
   * is every later attempt to adopt a cart whose checkout has an unknown outcome, until it is
   * settled: the owner may have placed that order, and a copy would sell the cart a second time.
   */
  async guestAtOwner<T>(ctx: RequestContext, t: CartTarget, work: (t: CartTarget) => Promise<T>): Promise<T> {
    for (let hop = 1; ; hop++) {
      try {
        return await work(t);
      } catch (err) {
        if (!this.adoptable(t, err) || hop > MAX_ADOPTION_HOPS) throw err;
        t = await this.adopt(ctx, (t.ref as { guestCartId: string }).guestCartId, t.db.dc);
      }
    }
  }

  private adoptable(t: CartTarget, err: unknown): boolean {
    return 'guestCartId' in t.ref && t.db.kind === 'remote' && err instanceof UnreachableError && err.dc === t.db.dc && !err.outcomeUnknown;
  }

  /** Where a guest cart of an unreachable DC goes: another DC's copy of it, or this DC's own (made now if need be). */
  private async adopt(ctx: RequestContext, cartId: string, ownerDc: string): Promise<CartTarget> {
    const local = this.router.local;
    const { loaded: seen, adoptedBy, unresolvedCheckout } = await this.repo.adoptionOf(local, cartId, ctx.dc, this.reservations.unresolvedCheckoutOf(cartId));
    // unless this DC made a copy itself, another DC's copy is the cart now (even if the original has not reached this DC)
    if (adoptedBy && (!seen.cart || seen.cart.id === cartId) && this.router.reaches(adoptedBy.ownerDc)) {
      ctx.guestCartId = ctx.newGuestCartId = adoptedBy.id;
      return { db: this.router.forOwner(adoptedBy.ownerDc), ref: { guestCartId: adoptedBy.id } };
    }
    if (!seen.cart) {
      throw new DomainError(ErrorCode.Unavailable,
        `the cart's DC ${ownerDc} cannot be reached and the cart has not been replicated to DC ${ctx.dc} yet; try again shortly`, undefined, 5);
    }
    if (seen.cart.id === cartId && seen.cart.status === 'active') {
      if (unresolvedCheckout) {
        throw new DomainError(ErrorCode.Unavailable, `a checkout of this cart got no answer from DC ${ownerDc}, which cannot be reached now: `
          + `it may have placed the order, so the cart stays there; try again once DC ${ownerDc} is back (a checkout with the same Idempotency-Key)`,
        undefined, 30);
      }
      return this.copyAtAdopter(ctx, seen, ownerDc);
    }
    // this DC's copy; or a cart that is no longer active (ordered, merged), left as it is: writes to it change nothing
    if (seen.cart.id !== cartId) ctx.guestCartId = ctx.newGuestCartId = seen.cart.id;
    return { db: local, ref: { guestCartId: seen.cart.id } };
  }

  /**
   * The copy made at the adopter: the first DC by code, not the owner, that can be reached
   * (docs/architecture.md, "Guest carts of a DC that cannot be reached").
   */
  private async copyAtAdopter(ctx: RequestContext, seen: LoadedCart, ownerDc: string): Promise<CartTarget> {
    const adopters = [ctx.dc, ...this.router.remoteSources().map((r) => r.dc)].filter((dc) => dc !== ownerDc).sort();
    const before = adopters.slice(0, adopters.indexOf(ctx.dc));
    const copyAt = async (db: OrderDataSource): Promise<CartTarget> => {
      const id = await this.repo.adopt(db, seen.cart!, seen.lines, { cart: newId(db.dc), ownerDc: db.dc, line: () => newId(db.dc) });
      ctx.guestCartId = ctx.newGuestCartId = id;
      return { db, ref: { guestCartId: id } };
    };
    for (const dc of before) {
      try {
        return await copyAt(this.router.forOwner(dc));
      } catch (err) {
        // nothing reached it: the next one; a connection that broke on the way may have made the copy there (503)
        if (!(err instanceof UnreachableError && err.dc === dc && !err.outcomeUnknown)) throw err;
      }
    }
    return copyAt(this.router.local);
  }

  /** A write committed at another DC's database: its GTID is what this client's next local reads wait for. */
  private remembered<T extends { gtid?: string }>(ctx: RequestContext, db: OrderDataSource, written: T): T {
    if (db.kind === 'remote' && written.gtid) ctx.wroteAt = written.gtid;
    return written;
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

  private async view({ cart, lines }: { cart: CartRow | undefined; lines: CartLineRow[] }): Promise<CartView> {
    if (!cart) return this.emptyView();
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

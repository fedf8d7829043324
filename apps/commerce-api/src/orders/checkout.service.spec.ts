import type { ResultSetHeader } from 'mysql2';
import { Batch, Step } from '../database/batch';
import { OrderDataSource, SqlParams, TxSql, WriteResult, BatchResult } from '../database/sql';
import { UnreachableError } from '../database/sql-errors';
import { DomainError, ErrorCode } from '../common/domain-error';
import { RequestContext } from '../common/request-context';
import { AccountsRepository } from '../accounts/accounts.repository';
import { HomeDcService } from '../accounts/home-dc.service';
import { CartService, PricedCart } from '../cart/cart.service';
import { CartChangedError, CartLineRow, CartRepository, CartRow } from '../cart/cart.repository';
import { IdempotencyKeysRepository, KeyClaimedError } from '../idempotency/idempotency-keys.repository';
import { StockReservationsRepository, StockShortError } from '../stock/stock-reservations.repository';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppLogger } from '../observability/logger';
import { AppMetrics } from '../observability/metrics';
import { CheckoutService, requestHash } from './checkout.service';
import { CheckoutDto } from './orders.dto';
import { OrderNumberTakenError, OrdersRepository } from './orders.repository';

// CheckoutService over plain fakes: the repositories are the real ones (they only build SQL), the
// databases are fakes that record each round trip and answer, or fail, as a test scripts them.

type Answer = Error | ((sql: string) => unknown[] | undefined);

/** A database that records every round trip (its statements) and answers from a script. */
class FakeDb implements OrderDataSource {
  /** the SQL of each round trip, in order; `committed` marks those that ended with COMMIT */
  readonly trips: { sql: string[]; committed: boolean }[] = [];
  private readonly script: Answer[] = [];

  constructor(readonly dc: string, readonly kind: 'local' | 'remote', private readonly rows: (sql: string) => unknown[] | undefined = () => undefined) {}

  /** the next round trip fails with `err` (already as the data source maps it) or answers with `rows` */
  then(answer: Answer): this {
    this.script.push(answer);
    return this;
  }

  private answer(sql: string[], committed: boolean): BatchResult[] {
    this.trips.push({ sql, committed });
    const next = this.script.shift() ?? this.rows;
    if (next instanceof Error) throw next;
    return sql.map((s) => (/^\s*SELECT/i.test(s) ? (next(s) ?? this.rows(s) ?? []) : ({ affectedRows: 1 } as ResultSetHeader)) as BatchResult);
  }

  private tx(): TxSql {
    const send = (b: Batch, committed: boolean) => b.settle(this.answer(b.statements.map((s) => s.sql), committed));
    return {
      query: async <T>(sql: string) => this.answer([sql], false)[0] as T[],
      execute: async (): Promise<WriteResult> => ({ affectedRows: 1 }),
      batch: async (b) => send(b, false),
      run: <T>(step: Step<T>) => Batch.runOne({ batch: async (b) => send(b, false) }, step),
      batchAndCommit: async (b) => send(b, true),
      batchAndRollback: async (b) => send(b, false),
      batchCommitGtid: async (b) => {
        send(b, true);
        return `${this.dc === 'a' ? 1 : 2}-1-42`;
      },
    };
  }

  query<T>(sql: string, _params?: SqlParams): Promise<T[]> {
    return this.tx().query<T>(sql);
  }

  execute(): Promise<WriteResult> {
    return this.tx().execute('');
  }

  batch(b: Batch): Promise<void> {
    return this.tx().batch(b);
  }

  run<T>(step: Step<T>): Promise<T> {
    return this.tx().run(step);
  }

  transaction<T>(work: (tx: TxSql) => Promise<T>): Promise<T> {
    return work(this.tx());
  }

  async warm(): Promise<void> {}

  async close(): Promise<void> {}
}

const CART: CartRow = { id: 'a_cart', account_id: null, owner_dc: 'a', status: 'active', currency: 'EUR', discount_code: null, shipping_method_code: 'standard' };
const LINE: CartLineRow = { variant_id: 'a_v1', quantity: 2, sku: 'SKU-1', variant_name: 'Blue', product_name: 'Mug', product_slug: 'mug',
  unit_price: 1000, currency: 'EUR', tax_rate_bp: 2000, available: 10 };
const DTO: CheckoutDto = { email: 'guest@example.com', shippingAddress: { fullName: 'G', line1: '1 Road', city: 'Town', postalCode: '1000', countryCode: 'NL' } };
const PRICED: PricedCart = { cart: CART, lines: [LINE], totals: { subtotal: 2000, discount: 0, shipping: 500, tax: 400, total: 2900 },
  shippingMethod: 'standard', discountCode: null };
const KEY = 'key-0000001';

/** A checkout service for a guest whose cart belongs to DC `ownerDc`, served at DC `dc`. */
function newCheckout(opts: { dc: string; ownerDc: string }) {
  const local = new FakeDb(opts.dc, 'local');
  const owner = opts.ownerDc === opts.dc ? local : new FakeDb(opts.ownerDc, 'remote');
  const reads = { replica: 0, owner: 0 };
  const carts = {
    target: () => ({ db: owner, ref: { guestCartId: CART.id } }),
    guestAtOwner: (_ctx: RequestContext, t: unknown, work: (t: unknown) => unknown) => work(t),
    fromReplica: async () => { reads.replica++; return { affected: 0, cart: CART, lines: [LINE] }; },
    loadForCheckout: async () => { reads.owner++; return { cart: CART, lines: [LINE] }; },
    priceLines: async () => PRICED,
  } as unknown as CartService;
  const warnings: string[] = [];
  const sut = new CheckoutService(
    new OrdersRepository(), carts, new CartRepository(), new AccountsRepository(), {} as HomeDcService,
    new IdempotencyKeysRepository(), new StockReservationsRepository(),
    { ordersPlaced: { inc: () => undefined } } as unknown as AppMetrics,
    { local } as unknown as OrderDataSourceRouter,
    { warn: (m: string) => warnings.push(m) } as unknown as AppLogger,
  );
  const ctx: RequestContext = { dc: opts.dc, guestCartId: CART.id, ip: '127.0.0.1' };
  return { sut, ctx, local, owner, reads, warnings };
}

const sqlOf = (trip: { sql: string[] }) => trip.sql.join('\n');
const reservationsReleased = (db: FakeDb) => db.trips.filter((t) => /SET status = 'released'/.test(sqlOf(t))).length;

describe('CheckoutService, cart owned by another DC', () => {
  it('reserves this DC\'s stock, then writes key, guard, order and closed cart at the owner in one round trip', async () => {
    const { sut, ctx, local, owner } = newCheckout({ dc: 'b', ownerDc: 'a' });
    const answer = await sut.placeOrder(ctx, KEY, DTO);
    expect(answer.replayed).toBe(false);
    expect(answer.order).toMatchObject({ status: 'placed', email: DTO.email, totals: { total: 2900 }, placedDc: 'b' });
    expect(answer.order.id.startsWith('b_')).toBe(true);
    expect(local.trips).toHaveLength(1);
    expect(local.trips[0]!.committed).toBe(true);
    expect(sqlOf(local.trips[0]!)).toMatch(/INSERT INTO stock_reservation/);
    expect(owner.trips).toHaveLength(1);
    const written = sqlOf(owner.trips[0]!);
    for (const part of [/INSERT INTO idempotency_key/, /meridian:cart_changed/, /INSERT INTO orders/, /INSERT INTO order_line/, /SET status = 'ordered'/]) {
      expect(written).toMatch(part);
    }
    // the next reads at this DC wait for the owner's commit
    expect(ctx.wroteAt).toBe('1-1-42');
  });

  it('a key the owner had already claimed gives the reservation back and answers the first order', async () => {
    const { sut, ctx, local, owner } = newCheckout({ dc: 'b', ownerDc: 'a' });
    const first = { id: 'b_first', number: 'B-AAAAA-BBBBB', account_id: null, cart_id: CART.id, email: DTO.email, status: 'placed', currency: 'EUR',
      subtotal: 2000, discount_total: 0, shipping_total: 500, tax_total: 400, total: 2900, discount_code: null, shipping_method_code: 'standard',
      shipping_address: DTO.shippingAddress, placed_dc: 'b', created_at: new Date(), updated_at: new Date() };
    owner.then(new KeyClaimedError(`cart:${CART.id}`, KEY))
      .then((sql) => (/FROM idempotency_key/.test(sql) ? [{ request_hash: requestHash(DTO), order_id: first.id }] : undefined))
      .then((sql) => (/FROM orders/.test(sql) ? [first] : undefined));
    const answer = await sut.placeOrder(ctx, KEY, DTO);
    expect(answer).toMatchObject({ replayed: true, order: { id: 'b_first', number: 'B-AAAAA-BBBBB' } });
    expect(reservationsReleased(local)).toBe(1);
  });

  it('the same key for another checkout is refused (IDEMPOTENCY_KEY_REUSED), the reservation given back', async () => {
    const { sut, ctx, local, owner } = newCheckout({ dc: 'b', ownerDc: 'a' });
    owner.then(new KeyClaimedError(`cart:${CART.id}`, KEY)).then(() => [{ request_hash: 'another checkout', order_id: 'b_first' }]);
    await expect(sut.placeOrder(ctx, KEY, DTO)).rejects.toMatchObject({ code: ErrorCode.IdempotencyKeyReused });
    expect(reservationsReleased(local)).toBe(1);
  });

  it('no answer from the owner (the link broke on the way) keeps the reservation held and says so', async () => {
    const { sut, ctx, local, owner, warnings } = newCheckout({ dc: 'b', ownerDc: 'a' });
    owner.then(new UnreachableError('a', 'ECONNRESET'));
    await expect(sut.placeOrder(ctx, KEY, DTO)).rejects.toMatchObject({ code: ErrorCode.Unavailable, outcomeUnknown: true });
    expect(reservationsReleased(local)).toBe(0);
    expect(warnings).toEqual(['checkout at another DC ended without an answer: stock reservation kept']);
  });

  it('an owner that could not be reached at all gives the reservation back (nothing was sent)', async () => {
    const { sut, ctx, local, owner } = newCheckout({ dc: 'b', ownerDc: 'a' });
    owner.then(new UnreachableError('a', 'ECONNREFUSED'));
    await expect(sut.placeOrder(ctx, KEY, DTO)).rejects.toMatchObject({ code: ErrorCode.Unavailable, outcomeUnknown: false });
    expect(reservationsReleased(local)).toBe(1);
  });

  it('a cart that changed at the owner is read again there and the checkout tried again', async () => {
    const { sut, ctx, local, owner, reads } = newCheckout({ dc: 'b', ownerDc: 'a' });
    owner.then(new CartChangedError(CART.id));
    const answer = await sut.placeOrder(ctx, KEY, DTO);
    expect(answer.replayed).toBe(false);
    expect(reads).toEqual({ replica: 1, owner: 1 });
    expect(reservationsReleased(local)).toBe(1);
    expect(owner.trips).toHaveLength(2);
  });

  it('too few units at this DC answers OUT_OF_STOCK with the short lines, and the owner is never asked', async () => {
    const { sut, ctx, local, owner } = newCheckout({ dc: 'b', ownerDc: 'a' });
    local.then(new StockShortError()).then(() => [{ variant_id: LINE.variant_id, sku: LINE.sku, requested: 2, available: '1' }]);
    const err = await sut.placeOrder(ctx, KEY, DTO).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: ErrorCode.OutOfStock, details: { lines: [{ variantId: LINE.variant_id, sku: LINE.sku, requested: 2, available: 1 }] } });
    expect(owner.trips).toHaveLength(0);
  });
});

describe('CheckoutService, cart owned by this DC', () => {
  it('claims the key and locks the cart in the first round trip, then reserves, orders and commits in the second', async () => {
    const { sut, ctx, local } = newCheckout({ dc: 'a', ownerDc: 'a' });
    local.then((sql) => (/FOR UPDATE/.test(sql) && /FROM cart c WHERE/.test(sql) ? [CART] : /FROM cart c\s+JOIN cart_line/.test(sql) ? [LINE] : undefined));
    const answer = await sut.placeOrder(ctx, KEY, DTO);
    expect(answer.order).toMatchObject({ email: DTO.email, totals: { total: 2900 }, lines: [{ sku: LINE.sku, quantity: 2 }] });
    expect(local.trips.map((t) => t.committed)).toEqual([false, true]);
    expect(sqlOf(local.trips[0]!)).toMatch(/INSERT INTO idempotency_key/);
    expect(sqlOf(local.trips[1]!)).toMatch(/INSERT INTO stock_reservation[\s\S]*INSERT INTO orders[\s\S]*SET status = 'ordered'/);
  });

  it('an order number that was taken is tried again with another one', async () => {
    const { sut, ctx, local } = newCheckout({ dc: 'a', ownerDc: 'a' });
    const cartRows = (sql: string) => (/FOR UPDATE/.test(sql) && /FROM cart c WHERE/.test(sql) ? [CART] : /FROM cart c\s+JOIN cart_line/.test(sql) ? [LINE] : undefined);
    local.then(cartRows).then(new OrderNumberTakenError('A-AAAAA-AAAAA')).then(cartRows);
    const answer = await sut.placeOrder(ctx, KEY, DTO);
    expect(answer.replayed).toBe(false);
    expect(local.trips.map((t) => t.committed)).toEqual([false, true, false, true]);
  });

  it('a cart that is no longer active cannot be checked out (CART_CLOSED), nothing is committed', async () => {
    const { sut, ctx, local } = newCheckout({ dc: 'a', ownerDc: 'a' });
    local.then((sql) => (/FOR UPDATE/.test(sql) && /FROM cart c WHERE/.test(sql) ? [{ ...CART, status: 'ordered' }] : undefined));
    await expect(sut.placeOrder(ctx, KEY, DTO)).rejects.toMatchObject({ code: ErrorCode.CartClosed });
    expect(local.trips.filter((t) => t.committed)).toHaveLength(0);
  });
});

import { Injectable } from '@nestjs/common';
import { Batch, exec, failingAs, mapStep, row, rows, Step, steps, write } from '../database/batch';
import { OrderDataSource, Sql } from '../database/sql';
import { isDuplicateKey, isSignal } from '../database/sql-errors';
import { gtidWait } from '../database/gtid';
import { earliestFirst } from '../database/earliest';
import type { StockLine } from '../stock/stock-reservations.repository';

export interface CartRow {
  id: string;
  account_id: string | null;
  owner_dc: string;
  status: 'active' | 'ordered' | 'merged';
  currency: string;
  discount_code: string | null;
  shipping_method_code: string | null;
}

export interface CartLineRow {
  variant_id: string;
  quantity: number;
  sku: string;
  variant_name: string;
  product_name: string;
  product_slug: string;
  unit_price: number;
  currency: string;
  tax_rate_bp: number;
  available: number | null;
}

/** Which cart a request means: a guest's (by the id its cookie names) or an account's active one. */
export type CartRef = { guestCartId: string } | { accountId: string };

export interface LoadedCart {
  /** rows the write changed (when there was one) */
  affected: number;
  /** the GTID of the write's commit, when it was made in a transaction */
  gtid?: string;
  cart: CartRow | undefined;
  lines: CartLineRow[];
}

/** A guest cart of an unreachable DC, as a DC about to adopt it sees it (CartRepository.adoptionOf). */
export interface AdoptionState {
  /** the cart this DC adopted from it, else the replicated original */
  loaded: LoadedCart;
  /** another DC's copy of it (the earliest, if several) */
  adoptedBy?: { id: string; ownerDc: string };
  /** a checkout of it ended without an answer and is not settled yet */
  unresolvedCheckout: boolean;
}

export const CART_CHANGED_SIGNAL = 'meridian:cart_changed';

/** At the cart's owner, the cart was no longer what a checkout priced from a replica (nothing was written). */
export class CartChangedError extends Error {
  constructor(readonly cartId: string) {
    super(`cart ${cartId} changed since it was priced`);
  }
}

/** The account has an active cart already (two first items at once: the other request made it). */
export class CartExistsError extends Error {
  constructor(readonly accountId: string) {
    super(`account ${accountId} has an active cart`);
  }
}

export const MAX_LINE_QUANTITY = 999;
const CART_COLUMNS = 'c.id, c.account_id, c.owner_dc, c.status, c.currency, c.discount_code, c.shipping_method_code';

/** The SQL condition selecting the cart `c` of a reference; a guest cart an account took over is no longer the guest's. */
function refWhere(ref: CartRef): [string, unknown[]] {
  return 'guestCartId' in ref ? ['c.id = ? AND c.account_id IS NULL', [ref.guestCartId]] : ['c.active_account_id = ?', [ref.accountId]];
}

/** a checkout's expected lines (a JSON parameter of StockLine) as a table */
const EXPECTED_LINES = `JSON_TABLE(?, '$[*]' COLUMNS (v VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PATH '$.v', q INT PATH '$.q'))`;

const LINE_COLUMNS = `l.variant_id, l.quantity, v.sku, v.name AS variant_name, p.name AS product_name,
  p.slug AS product_slug, v.price_minor AS unit_price, v.currency AS line_currency, v.tax_rate_bp, s.available`;
const LINE_JOINS = (outer: 'LEFT ' | '') => `
  ${outer}JOIN cart_line l ON l.cart_id = c.id
  ${outer}JOIN variant v ON v.id = l.variant_id
  ${outer}JOIN product p ON p.id = v.product_id
  LEFT JOIN stock_allocation s ON s.variant_id = v.id AND s.dc = ?`;

type CartLineJoinRow = CartRow & Omit<CartLineRow, 'variant_id' | 'currency'> & { variant_id: string | null; line_currency: string };

function splitCartRows(rows: CartLineJoinRow[]): { cart: CartRow | undefined; lines: CartLineRow[] } {
  const r = rows[0];
  if (!r) return { cart: undefined, lines: [] };
  const cart: CartRow = { id: r.id, account_id: r.account_id, owner_dc: r.owner_dc, status: r.status, currency: r.currency,
    discount_code: r.discount_code, shipping_method_code: r.shipping_method_code };
  const lines = rows.filter((x) => x.variant_id !== null).map((x) => ({
    variant_id: x.variant_id!, quantity: x.quantity, sku: x.sku, variant_name: x.variant_name, product_name: x.product_name,
    product_slug: x.product_slug, unit_price: x.unit_price, currency: x.line_currency, tax_rate_bp: x.tax_rate_bp, available: x.available,
  }));
  return { cart, lines };
}

/** The cart and its priced lines in one statement: one row per line, or one row of NULL line columns. */
const cartWithLines = (dc: string, cartCondition: string, params: unknown[]): Step<{ cart: CartRow | undefined; lines: CartLineRow[] }> =>
  mapStep(rows<CartLineJoinRow>(`SELECT ${CART_COLUMNS}, ${LINE_COLUMNS} FROM cart c ${LINE_JOINS('LEFT ')} WHERE ${cartCondition} ORDER BY l.id`,
    [dc, ...params]), splitCartRows);

/**
 * Cart SQL (cart, cart_line). Every operation is one round trip: the write (if any), then the cart
 * and its priced lines, in one batch.
 */
@Injectable()
export class CartRepository {
  /** The cart with its lines. */
  loaded(ref: CartRef, dc: string): Step<{ cart: CartRow | undefined; lines: CartLineRow[] }> {
    const [cond, params] = refWhere(ref);
    return cartWithLines(dc, cond, params);
  }

  /** The write (optional) and the cart with its lines, as they are after it. */
  async run(db: Sql, ref: CartRef, dc: string, change?: Step<number>): Promise<LoadedCart> {
    const b = new Batch();
    const affected = change && b.add(change);
    const loaded = b.add(this.loaded(ref, dc));
    await db.batch(b);
    return { affected: affected?.value ?? 0, ...loaded.value };
  }

  /**
   * The write and the cart with its lines as they are after it, in one round trip. With `fence`
   * (an account's home fence) all three are one transaction, so that the fence holds until the commit.
   */
  async write(db: OrderDataSource, ref: CartRef, dc: string, change: Step<number>, fence?: Step<void>): Promise<LoadedCart> {
    if (!fence) return this.run(db, ref, dc, change);
    const b = new Batch();
    b.add(fence);
    const affected = b.add(change);
    const loaded = b.add(this.loaded(ref, dc));
    const gtid = await db.transaction((tx) => tx.batchCommitGtid(b));
    return { affected: affected.value, gtid, ...loaded.value };
  }

  /**
   * The cart as this database has it once it has applied `gtid` (waiting at most `waitSeconds`), in
   * one round trip; `caughtUp` false means the read may miss that write.
   */
  async runAfter(db: Sql, ref: CartRef, dc: string, gtid: string | undefined, waitSeconds: number): Promise<LoadedCart & { caughtUp: boolean }> {
    const b = new Batch();
    const applied = gtid ? b.add(gtidWait(gtid, waitSeconds)) : undefined;
    const loaded = b.add(this.loaded(ref, dc));
    await db.batch(b);
    return { affected: 0, caughtUp: applied?.value ?? true, ...loaded.value };
  }

  /** Adds to a line of the active cart (or creates it), for an active variant only. */
  addLine(ref: CartRef, lineId: string, variantId: string, quantity: number): Step<number> {
    const [cond, params] = refWhere(ref);
    return write(`INSERT INTO cart_line (id, cart_id, variant_id, quantity)
            SELECT ?, c.id, v.id, ? FROM cart c JOIN variant v ON v.id = ? AND v.active = 1
            WHERE ${cond} AND c.status = 'active'
            ON DUPLICATE KEY UPDATE quantity = LEAST(cart_line.quantity + VALUES(quantity), ${MAX_LINE_QUANTITY})`,
    [lineId, quantity, variantId, ...params]);
  }

  setQuantity(ref: CartRef, variantId: string, quantity: number): Step<number> {
    const [cond, params] = refWhere(ref);
    return write(`UPDATE cart_line l JOIN cart c ON c.id = l.cart_id AND c.status = 'active' SET l.quantity = ?
            WHERE ${cond} AND l.variant_id = ?`, [quantity, ...params, variantId]);
  }

  removeLine(ref: CartRef, variantId: string): Step<number> {
    const [cond, params] = refWhere(ref);
    return write(`DELETE l FROM cart_line l JOIN cart c ON c.id = l.cart_id AND c.status = 'active' WHERE ${cond} AND l.variant_id = ?`,
      [...params, variantId]);
  }

  setDiscountCode(ref: CartRef, code: string | null): Step<number> {
    const [cond, params] = refWhere(ref);
    return write(`UPDATE cart c SET c.discount_code = ? WHERE ${cond} AND c.status = 'active'`, [code, ...params]);
  }

  setShippingMethod(ref: CartRef, code: string): Step<number> {
    const [cond, params] = refWhere(ref);
    return write(`UPDATE cart c SET c.shipping_method_code = ? WHERE ${cond} AND c.status = 'active'`, [code, ...params]);
  }

  /**
   * A new cart holding its first line, in one transaction and one round trip. The cart is only
   * made when the variant exists, so an unknown variant leaves nothing behind.
   */
  async createWithLine(db: OrderDataSource, c: { id: string; lineId: string; accountId?: string; ownerDc: string; currency: string },
    variantId: string, quantity: number, dc: string, fence?: Step<void>): Promise<LoadedCart> {
    const b = new Batch();
    if (fence) b.add(fence);
    const made = b.add(failingAs(write(`INSERT INTO cart (id, account_id, active_account_id, owner_dc, currency)
      SELECT ?, ?, ?, ?, ? FROM variant WHERE id = ? AND active = 1`, [c.id, c.accountId ?? null, c.accountId ?? null, c.ownerDc, c.currency, variantId]),
    (err) => (c.accountId && isDuplicateKey(err, 'uq_cart_active_account') ? new CartExistsError(c.accountId) : undefined)));
    b.add(exec({ sql: 'INSERT INTO cart_line (id, cart_id, variant_id, quantity) SELECT ?, ?, id, ? FROM variant WHERE id = ? AND active = 1',
      params: [c.lineId, c.id, quantity, variantId] }));
    const loaded = b.add(cartWithLines(dc, 'c.id = ?', [c.id]));
    const gtid = await db.transaction((tx) => tx.batchCommitGtid(b));
    return { affected: made.value, gtid, ...loaded.value };
  }

  /**
   * Deep health's cart: a guest cart given a line of the first active variant, read back priced.
   * Meant for a transaction that is rolled back (TxSql.batchAndRollback): it leaves nothing.
   */
  probeCart(ids: { cart: string; line: string }, dc: string, currency: string): Step<{ cart: CartRow | undefined; lines: CartLineRow[] }> {
    return mapStep(steps(
      exec({ sql: 'INSERT INTO cart (id, owner_dc, currency) VALUES (?, ?, ?)', params: [ids.cart, dc, currency] },
        { sql: 'INSERT INTO cart_line (id, cart_id, variant_id, quantity) SELECT ?, ?, id, 1 FROM variant WHERE active = 1 ORDER BY id LIMIT 1',
          params: [ids.line, ids.cart] }),
      cartWithLines(dc, 'c.id = ?', [ids.cart]),
    ), ([, loaded]) => loaded);
  }

  /** For checkout at the cart's owner: the cart locked for this transaction, and its priced lines. */
  lockForCheckout(ref: CartRef, dc: string): Step<{ cart: CartRow | undefined; lines: CartLineRow[] }> {
    const [cond, params] = refWhere(ref);
    return mapStep(steps(
      row<CartRow>(`SELECT ${CART_COLUMNS} FROM cart c WHERE ${cond} FOR UPDATE`, params),
      rows<CartLineRow>(`SELECT ${LINE_COLUMNS.replace('v.currency AS line_currency', 'v.currency')} FROM cart c ${LINE_JOINS('')}
        WHERE ${cond} ORDER BY l.id`, [dc, ...params]),
    ), ([cart, lines]) => ({ cart, lines }));
  }

  /**
   * For checkout elsewhere than the cart's owner, at the owner: locks the cart and fails with
   * CartChangedError unless it is still active with exactly `expected` lines, discount and
   * shipping: what the checkout priced from a replica.
   */
  guardUnchanged(cartId: string, expected: { lines: StockLine[]; discountCode: string | null; shippingMethodCode: string | null }): Step<void> {
    return failingAs(exec(
      { sql: 'SELECT id FROM cart WHERE id = ? FOR UPDATE', params: [cartId] },
      { sql: `BEGIN NOT ATOMIC
                IF NOT EXISTS (SELECT 1 FROM cart WHERE id = ? AND status = 'active' AND discount_code <=> ? AND shipping_method_code <=> ?)
                   OR (SELECT COUNT(*) FROM cart_line WHERE cart_id = ?) <> ?
                   OR (SELECT COUNT(*) FROM cart_line l JOIN ${EXPECTED_LINES} j ON j.v = l.variant_id AND j.q = l.quantity WHERE l.cart_id = ?) <> ?
                THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${CART_CHANGED_SIGNAL}'; END IF; END`,
      params: [cartId, expected.discountCode, expected.shippingMethodCode, cartId, expected.lines.length,
        JSON.stringify(expected.lines), cartId, expected.lines.length] },
    ), (err) => (isSignal(err, CART_CHANGED_SIGNAL) ? new CartChangedError(cartId) : undefined));
  }

  /** The cart an order was placed from: no longer anyone's active cart. */
  closeOrdered(cartId: string): Step<void> {
    return exec({ sql: `UPDATE cart SET status = 'ordered', active_account_id = NULL WHERE id = ?`, params: [cartId] });
  }

  lockCart(id: string): Step<CartRow | undefined> {
    return row<CartRow>(`SELECT ${CART_COLUMNS} FROM cart c WHERE c.id = ? FOR UPDATE`, [id]);
  }

  async findActiveCartOfAccount(db: Sql, accountId: string): Promise<CartRow | undefined> {
    return (await db.query<CartRow>(`SELECT ${CART_COLUMNS} FROM cart c WHERE c.active_account_id = ?`, [accountId]))[0];
  }

  /** Moves a guest cart's lines into the account's cart, adding quantities of lines both have. */
  async mergeLines(db: Sql, fromCartId: string, toCartId: string, newLineId: () => string): Promise<void> {
    const lines = await db.query<{ variant_id: string; quantity: number }>(
      'SELECT variant_id, quantity FROM cart_line WHERE cart_id = ? ORDER BY id', [fromCartId]);
    if (lines.length > 0) {
      await db.execute(
        `INSERT INTO cart_line (id, cart_id, variant_id, quantity) VALUES ${lines.map(() => '(?, ?, ?, ?)').join(', ')}
         ON DUPLICATE KEY UPDATE quantity = LEAST(cart_line.quantity + VALUES(quantity), ${MAX_LINE_QUANTITY})`,
        lines.flatMap((l) => [newLineId(), toCartId, l.variant_id, l.quantity]));
    }
    await db.execute(`UPDATE cart SET status = 'merged', active_account_id = NULL WHERE id = ?`, [fromCartId]);
  }

  /** For a merge across DCs, at the account's home: the account's active cart if it has none, and the guest's lines added to it. */
  mergeIntoAccountCart(cart: { id: string; accountId: string; ownerDc: string; currency: string }, lines: { id: string; v: string; q: number }[]): Step<void> {
    return exec(
      { sql: `INSERT INTO cart (id, account_id, active_account_id, owner_dc, currency) VALUES (?, ?, ?, ?, ?)
              ON DUPLICATE KEY UPDATE id = id`,
      params: [cart.id, cart.accountId, cart.accountId, cart.ownerDc, cart.currency] },
      ...(lines.length === 0 ? [] : [{
        sql: `INSERT INTO cart_line (id, cart_id, variant_id, quantity)
              SELECT j.id, c.id, v.id, j.q FROM cart c
              JOIN JSON_TABLE(?, '$[*]' COLUMNS (id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PATH '$.id',
                v VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PATH '$.v', q INT PATH '$.q')) j
              JOIN variant v ON v.id = j.v AND v.active = 1
              WHERE c.active_account_id = ?
              ON DUPLICATE KEY UPDATE quantity = LEAST(cart_line.quantity + VALUES(quantity), ${MAX_LINE_QUANTITY})`,
        params: [JSON.stringify(lines), cart.accountId] }]),
    );
  }

  /** The guest cart after its lines went into an account's cart elsewhere. */
  async closeMergedGuestCart(db: Sql, cartId: string): Promise<void> {
    await db.execute(`UPDATE cart SET status = 'merged' WHERE id = ? AND status = 'active' AND account_id IS NULL`, [cartId]);
  }

  /**
   * A guest cart of a DC that cannot be reached, as a shopper should see it here: the copy this DC
   * made of it, else the copy another DC made (the earliest, as adoptions follow it: the cart lives
   * there now), else the original, as far as each has replicated here.
   */
  latestCopy(db: Sql, cartId: string, dc: string): Promise<LoadedCart> {
    return db.run(this.adoptedOrCopy(cartId, dc, true)).then((loaded) => ({ affected: 0, ...loaded }));
  }

  /**
   * What a DC about to adopt a guest cart of an unreachable DC must know, in one round trip: the
   * cart as this database has it (the copy this DC made of it, else the original); the copy another
   * DC made of it, if one has replicated here (the cart lives there now); and `unresolvedCheckout`
   * (the stock's step saying whether a checkout of it has an unknown outcome).
   */
  async adoptionOf(db: Sql, cartId: string, dc: string, unresolvedCheckout: Step<boolean>): Promise<AdoptionState> {
    const b = new Batch();
    const loaded = b.add(this.adoptedOrCopy(cartId, dc));
    const other = b.add(row<{ id: string; owner_dc: string }>(
      `SELECT id, owner_dc FROM cart WHERE adopted_from = ? AND owner_dc <> ? ORDER BY ${earliestFirst()} LIMIT 1`, [cartId, dc]));
    const unresolved = b.add(unresolvedCheckout);
    await db.batch(b);
    const copy = other.value;
    return {
      loaded: { affected: 0, ...loaded.value },
      adoptedBy: copy && { id: copy.id, ownerDc: copy.owner_dc },
      unresolvedCheckout: unresolved.value,
    };
  }

  /** The cart this DC adopted from `cartId`, else (`anyDc`) the earliest copy another DC made, else the original. */
  private adoptedOrCopy(cartId: string, dc: string, anyDc = false): Step<{ cart: CartRow | undefined; lines: CartLineRow[] }> {
    const others = anyDc ? `(SELECT o.id FROM cart o WHERE o.adopted_from = ? ORDER BY ${earliestFirst('o')} LIMIT 1), ` : '';
    return cartWithLines(dc, `c.id = COALESCE((SELECT a.id FROM cart a WHERE a.adopted_from = ? AND a.owner_dc = ?), ${others}?) AND c.account_id IS NULL`,
      anyDc ? [cartId, dc, cartId, cartId] : [cartId, dc, cartId]);
  }

  /**
   * A copy of a guest cart whose DC cannot be reached, owned by `ids.ownerDc`, in that DC's database
   * (one transaction, one round trip). Answers the copy's id: when that database has a copy of the
   * cart already (the (adopted_from, owner_dc) key), that one's.
   */
  async adopt(db: OrderDataSource, from: CartRow, lines: CartLineRow[], ids: { cart: string; ownerDc: string; line: () => string }): Promise<string> {
    try {
      await db.transaction((tx) => tx.batchAndCommit(Batch.of(exec(
        { sql: `INSERT INTO cart (id, account_id, active_account_id, owner_dc, currency, discount_code, shipping_method_code, adopted_from)
                VALUES (?, NULL, NULL, ?, ?, ?, ?, ?)`,
        params: [ids.cart, ids.ownerDc, from.currency, from.discount_code, from.shipping_method_code, from.id] },
        ...(lines.length === 0 ? [] : [{
          sql: `INSERT INTO cart_line (id, cart_id, variant_id, quantity) VALUES ${lines.map(() => '(?, ?, ?, ?)').join(', ')}`,
          params: lines.flatMap((l) => [ids.line(), ids.cart, l.variant_id, l.quantity]),
        }]),
      ))));
      return ids.cart;
    } catch (err) {
      // another adopter made this database's copy first: that one is the cart
      if (!isDuplicateKey(err, 'uq_cart_adopted_from_owner')) throw err;
      const [made] = await db.query<{ id: string }>('SELECT id FROM cart WHERE adopted_from = ? AND owner_dc = ?', [from.id, ids.ownerDc]);
      if (!made) throw err;
      return made.id;
    }
  }

  async adoptGuestCart(db: Sql, cartId: string, accountId: string): Promise<void> {
    await db.execute('UPDATE cart SET account_id = ?, active_account_id = ? WHERE id = ?', [accountId, accountId, cartId]);
  }

}

import { Injectable } from '@nestjs/common';
import { affectedOf, BatchResult, OrderDataSource, rowsOf, Sql, Statement } from '../database/sql';
import { isDuplicateKey } from '../database/sql-errors';
import { gtidApplied, gtidWait } from '../database/gtid';
import { earliestFirst } from '../database/earliest';

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

export const MAX_LINE_QUANTITY = 999;
const CART_COLUMNS = 'c.id, c.account_id, c.owner_dc, c.status, c.currency, c.discount_code, c.shipping_method_code';

/** The SQL condition selecting the cart `c` of a reference; a guest cart an account took over is no longer the guest's. */
function refWhere(ref: CartRef): [string, unknown[]] {
  return 'guestCartId' in ref ? ['c.id = ? AND c.account_id IS NULL', [ref.guestCartId]] : ['c.active_account_id = ?', [ref.accountId]];
}

const LINE_COLUMNS = `l.variant_id, l.quantity, v.sku, v.name AS variant_name, p.name AS product_name,
  p.slug AS product_slug, v.price_minor AS unit_price, v.currency AS line_currency, v.tax_rate_bp, s.available`;
const LINE_JOINS = (outer: 'LEFT ' | '') => `
  ${outer}JOIN cart_line l ON l.cart_id = c.id
  ${outer}JOIN variant v ON v.id = l.variant_id
  ${outer}JOIN product p ON p.id = v.product_id
  LEFT JOIN stock_allocation s ON s.variant_id = v.id AND s.dc = ?`;

/** The cart and its priced lines in one statement: one row per line, or one row of NULL line columns. */
const cartWithLines = (dc: string, cartCondition: string, params: unknown[]): Statement => ({
  sql: `SELECT ${CART_COLUMNS}, ${LINE_COLUMNS} FROM cart c ${LINE_JOINS('LEFT ')} WHERE ${cartCondition} ORDER BY l.id`,
  params: [dc, ...params],
});

type CartLineJoinRow = CartRow & Omit<CartLineRow, 'variant_id' | 'currency'> & { variant_id: string | null; line_currency: string };

function splitCartRows(rows: CartLineJoinRow[]): { cart: CartRow | undefined; lines: CartLineRow[] } {
  if (rows.length === 0) return { cart: undefined, lines: [] };
  const r = rows[0];
  const cart: CartRow = { id: r.id, account_id: r.account_id, owner_dc: r.owner_dc, status: r.status, currency: r.currency,
    discount_code: r.discount_code, shipping_method_code: r.shipping_method_code };
  const lines = rows.filter((x) => x.variant_id !== null).map((x) => ({
    variant_id: x.variant_id!, quantity: x.quantity, sku: x.sku, variant_name: x.variant_name, product_name: x.product_name,
    product_slug: x.product_slug, unit_price: x.unit_price, currency: x.line_currency, tax_rate_bp: x.tax_rate_bp, available: x.available,
  }));
  return { cart, lines };
}

/**
 * Cart SQL. Every operation is one round trip: the write (if any), then the cart and its priced
 * lines, in one batch.
 */
@Injectable()
export class CartRepository {
  /** The write (optional) and the cart with its lines, as they are after it. */
  async run(db: Sql, ref: CartRef, dc: string, write?: Statement): Promise<LoadedCart> {
    const [cond, params] = refWhere(ref);
    const results = await db.batch([...(write ? [write] : []), cartWithLines(dc, cond, params)]);
    const [w, rows] = write ? results : [undefined, results[0]];
    return { affected: w ? affectedOf(w) : 0, ...splitCartRows(rowsOf<CartLineJoinRow>(rows as BatchResult)) };
  }

  /**
   * The write and the cart with its lines as they are after it, in one round trip. With `fence`
   * (an account's home fence) all three are one transaction, so that the fence holds until the commit.
   */
  async write(db: OrderDataSource, ref: CartRef, dc: string, write: Statement, fence?: Statement): Promise<LoadedCart> {
    if (!fence) return this.run(db, ref, dc, write);
    const [cond, params] = refWhere(ref);
    const { results: [, w, rows], gtid } = await db.transaction((tx) => tx.batchCommitGtid([fence, write, cartWithLines(dc, cond, params)]));
    return { affected: affectedOf(w), gtid, ...splitCartRows(rowsOf<CartLineJoinRow>(rows)) };
  }

  /**
   * The cart as this database has it once it has applied `gtid` (waiting at most `waitSeconds`), in
   * one round trip; `caughtUp` false means the read may miss that write.
   */
  async runAfter(db: Sql, ref: CartRef, dc: string, gtid: string | undefined, waitSeconds: number): Promise<LoadedCart & { caughtUp: boolean }> {
    const [cond, params] = refWhere(ref);
    const wait = gtid ? [gtidWait(gtid, waitSeconds)] : [];
    const results = await db.batch([...wait, cartWithLines(dc, cond, params)]);
    const caughtUp = gtid ? gtidApplied(results[0]) : true;
    return { affected: 0, caughtUp, ...splitCartRows(rowsOf<CartLineJoinRow>(results[results.length - 1])) };
  }

  /** Adds to a line of the active cart (or creates it), for an active variant only. */
  addLine(ref: CartRef, lineId: string, variantId: string, quantity: number): Statement {
    const [cond, params] = refWhere(ref);
    return {
      sql: `INSERT INTO cart_line (id, cart_id, variant_id, quantity)
            SELECT ?, c.id, v.id, ? FROM cart c JOIN variant v ON v.id = ? AND v.active = 1
            WHERE ${cond} AND c.status = 'active'
            ON DUPLICATE KEY UPDATE quantity = LEAST(cart_line.quantity + VALUES(quantity), ${MAX_LINE_QUANTITY})`,
      params: [lineId, quantity, variantId, ...params],
    };
  }

  setQuantity(ref: CartRef, variantId: string, quantity: number): Statement {
    const [cond, params] = refWhere(ref);
    return {
      sql: `UPDATE cart_line l JOIN cart c ON c.id = l.cart_id AND c.status = 'active' SET l.quantity = ?
            WHERE ${cond} AND l.variant_id = ?`,
      params: [quantity, ...params, variantId],
    };
  }

  removeLine(ref: CartRef, variantId: string): Statement {
    const [cond, params] = refWhere(ref);
    return {
      sql: `DELETE l FROM cart_line l JOIN cart c ON c.id = l.cart_id AND c.status = 'active' WHERE ${cond} AND l.variant_id = ?`,
      params: [...params, variantId],
    };
  }

  setDiscountCode(ref: CartRef, code: string | null): Statement {
    const [cond, params] = refWhere(ref);
    return { sql: `UPDATE cart c SET c.discount_code = ? WHERE ${cond} AND c.status = 'active'`, params: [code, ...params] };
  }

  setShippingMethod(ref: CartRef, code: string): Statement {
    const [cond, params] = refWhere(ref);
    return { sql: `UPDATE cart c SET c.shipping_method_code = ? WHERE ${cond} AND c.status = 'active'`, params: [code, ...params] };
  }

  /**
   * A new cart holding its first line, in one transaction and one round trip. The cart is only
   * made when the variant exists, so an unknown variant leaves nothing behind.
   */
  async createWithLine(db: OrderDataSource, c: { id: string; lineId: string; accountId?: string; ownerDc: string; currency: string },
    variantId: string, quantity: number, dc: string, fence?: Statement): Promise<LoadedCart> {
    return db.transaction(async (tx) => {
      const { results, gtid } = await tx.batchCommitGtid([
        ...(fence ? [fence] : []),
        { sql: `INSERT INTO cart (id, account_id, active_account_id, owner_dc, currency)
                SELECT ?, ?, ?, ?, ? FROM variant WHERE id = ? AND active = 1`,
        params: [c.id, c.accountId ?? null, c.accountId ?? null, c.ownerDc, c.currency, variantId] },
        { sql: `INSERT INTO cart_line (id, cart_id, variant_id, quantity) SELECT ?, ?, id, ? FROM variant WHERE id = ? AND active = 1`,
          params: [c.lineId, c.id, quantity, variantId] },
        cartWithLines(dc, 'c.id = ?', [c.id]),
      ]);
      const [made, , rows] = results.slice(-3);
      return { affected: affectedOf(made), gtid, ...splitCartRows(rowsOf<CartLineJoinRow>(rows)) };
    });
  }

  /** For checkout: the cart locked for this transaction, then its lines (two statements of a batch). */
  lockAndLoad(ref: CartRef, dc: string): [Statement, Statement] {
    const [cond, params] = refWhere(ref);
    return [
      { sql: `SELECT ${CART_COLUMNS} FROM cart c WHERE ${cond} FOR UPDATE`, params },
      { sql: `SELECT ${LINE_COLUMNS.replace('v.currency AS line_currency', 'v.currency')} FROM cart c ${LINE_JOINS('')} WHERE ${cond} ORDER BY l.id`,
        params: [dc, ...params] },
    ];
  }

  lockCart(id: string): Statement {
    return { sql: `SELECT ${CART_COLUMNS} FROM cart c WHERE c.id = ? FOR UPDATE`, params: [id] };
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

  /**
   * For a merge across DCs, at the account's home: the merge's key row (a second attempt fails on
   * it), the account's active cart if it has none, and the guest's lines added to it.
   */
  mergeIntoAccountCart(cart: { id: string; accountId: string; ownerDc: string; currency: string }, key: { id: string; guestCartId: string },
    lines: { id: string; v: string; q: number }[]): Statement[] {
    return [
      { sql: `INSERT INTO idempotency_key (id, scope, idem_key, request_hash, order_id) VALUES (?, ?, ?, SHA2(?, 256), NULL)`,
        params: [key.id, `merge:${cart.accountId}`, key.guestCartId, key.guestCartId] },
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
    ];
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
    return db.batch([this.adoptedOrCopyStatement(cartId, dc, true)])
      .then(([rows]) => ({ affected: 0, ...splitCartRows(rowsOf<CartLineJoinRow>(rows)) }));
  }

  /**
   * What a DC about to adopt a guest cart of an unreachable DC must know, in one round trip: the
   * cart as this database has it (the copy this DC made of it, else the original); the copy another
   * DC made of it, if one has replicated here (the cart lives there now); and whether a checkout of it has an unknown outcome: a reservation
   * still held for an order that this database does not have (its owner batch left, no answer came
   * back; the reservation rows of every DC replicate here). The last reads the orders module's
   * tables: the adoption rule needs them.
   */
  async adoptionOf(db: Sql, cartId: string, dc: string): Promise<AdoptionState> {
    const [rows, elsewhere, unresolved] = await db.batch([
      this.adoptedOrCopyStatement(cartId, dc),
      { sql: `SELECT id, owner_dc FROM cart WHERE adopted_from = ? AND owner_dc <> ? ORDER BY ${earliestFirst()} LIMIT 1`, params: [cartId, dc] },
      { sql: `SELECT EXISTS (SELECT 1 FROM stock_reservation r WHERE r.cart_id = ? AND r.status = 'held'
                AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = r.order_id)) AS unresolved`, params: [cartId] },
    ]);
    const other = rowsOf<{ id: string; owner_dc: string }>(elsewhere)[0];
    return {
      loaded: { affected: 0, ...splitCartRows(rowsOf<CartLineJoinRow>(rows)) },
      adoptedBy: other && { id: other.id, ownerDc: other.owner_dc },
      unresolvedCheckout: Number(rowsOf<{ unresolved: number }>(unresolved)[0].unresolved) === 1,
    };
  }

  /** The cart this DC adopted from `cartId`, else (`anyDc`) the earliest copy another DC made, else the original. */
  private adoptedOrCopyStatement(cartId: string, dc: string, anyDc = false): Statement {
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
      await db.transaction((tx) => tx.batchAndCommit([
        { sql: `INSERT INTO cart (id, account_id, active_account_id, owner_dc, currency, discount_code, shipping_method_code, adopted_from)
                VALUES (?, NULL, NULL, ?, ?, ?, ?, ?)`,
        params: [ids.cart, ids.ownerDc, from.currency, from.discount_code, from.shipping_method_code, from.id] },
        ...(lines.length === 0 ? [] : [{
          sql: `INSERT INTO cart_line (id, cart_id, variant_id, quantity) VALUES ${lines.map(() => '(?, ?, ?, ?)').join(', ')}`,
          params: lines.flatMap((l) => [ids.line(), ids.cart, l.variant_id, l.quantity]),
        }]),
      ]));
      return ids.cart;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const [made] = await db.query<{ id: string }>('SELECT id FROM cart WHERE adopted_from = ? AND owner_dc = ?', [from.id, ids.ownerDc]);
      if (!made) throw err;
      return made.id;
    }
  }

  async adoptGuestCart(db: Sql, cartId: string, accountId: string): Promise<void> {
    await db.execute('UPDATE cart SET account_id = ?, active_account_id = ? WHERE id = ?', [accountId, accountId, cartId]);
  }

}

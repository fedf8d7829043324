import { Injectable } from '@nestjs/common';
import { Sql, Statement } from '../database/sql';
import { OrderStatus } from './order-state';

export interface OrderRow {
  id: string;
  number: string;
  account_id: string | null;
  cart_id: string;
  email: string;
  status: OrderStatus;
  currency: string;
  subtotal: number;
  discount_total: number;
  shipping_total: number;
  tax_total: number;
  total: number;
  discount_code: string | null;
  shipping_method_code: string;
  shipping_address: string | Record<string, string>;
  placed_dc: string;
  created_at: Date;
  updated_at: Date;
}

export interface OrderLineRow {
  id: string;
  order_id: string;
  variant_id: string;
  sku: string;
  product_name: string;
  variant_name: string;
  quantity: number;
  unit_price: number;
  tax_rate_bp: number;
  line_total: number;
}

/** The message of the SIGNAL that aborts a checkout batch short of stock. */
export const OUT_OF_STOCK_SIGNAL = 'meridian:out_of_stock';
export const CART_CHANGED_SIGNAL = 'meridian:cart_changed';

/** A line as the stock sees it: variant id and units (JSON keys kept short: it travels in SQL text). */
export interface StockLine {
  v: string;
  q: number;
}

/** `lines` (a JSON parameter) as a table: v, q and the line's position n. */
const LINES_TABLE = `JSON_TABLE(?, '$[*]' COLUMNS (n FOR ORDINALITY,
  v VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PATH '$.v', q INT PATH '$.q'))`;

export interface IdempotencyRow {
  request_hash: string;
  order_id: string;
}

export interface NewOrder extends Omit<OrderRow, 'created_at' | 'updated_at' | 'shipping_address'> {
  shipping_address: Record<string, string>;
}

export interface ShortLine {
  variant_id: string;
  sku: string;
  requested: number;
  available: number;
}

@Injectable()
export class OrdersRepository {
  /**
   * Claims an idempotency key for an order id. A concurrent claim of the same key waits on the
   * unique index until the first transaction ends, then fails with a duplicate key.
   */
  claimIdempotencyKey(k: { id: string; scope: string; key: string; requestHash: string; orderId: string }): Statement {
    return { sql: 'INSERT INTO idempotency_key (id, scope, idem_key, request_hash, order_id) VALUES (?, ?, ?, ?, ?)',
      params: [k.id, k.scope, k.key, k.requestHash, k.orderId] };
  }

  async findIdempotencyKey(db: Sql, scope: string, key: string): Promise<IdempotencyRow | undefined> {
    return (await db.query<IdempotencyRow>(
      'SELECT request_hash, order_id FROM idempotency_key WHERE scope = ? AND idem_key = ?', [scope, key]))[0];
  }

  /**
   * Takes the units of `lines` from DC `dc`'s allocation, each row only when enough is left, and
   * records them as the order's reservation; aborts the batch (error 1644, OUT_OF_STOCK_SIGNAL)
   * unless every line got its units. Runs on DC `dc`'s own database: it owns its allocation rows.
   * The reservation names the cart (while its outcome is unknown, no DC adopts that cart) and the
   * DC the order goes to (`ownerDc`: the one whose answer settles it).
   */
  reserveStock(id: string, orderId: string, dc: string, lines: StockLine[], cartId: string, ownerDc: string): Statement[] {
    const json = JSON.stringify(lines);
    return [
      { sql: `UPDATE stock_allocation s JOIN ${LINES_TABLE} j ON j.v = s.variant_id
              SET s.available = s.available - j.q WHERE s.dc = ? AND s.available >= j.q`, params: [json, dc] },
      { sql: `BEGIN NOT ATOMIC IF ROW_COUNT() < ? THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${OUT_OF_STOCK_SIGNAL}'; END IF; END`,
        params: [lines.length] },
      { sql: 'INSERT INTO stock_reservation (id, order_id, dc, `lines`, cart_id, owner_dc) VALUES (?, ?, ?, ?, ?, ?)',
        params: [id, orderId, dc, json, cartId, ownerDc] },
    ];
  }

  /**
   * Gives an order's reserved units back to DC `dc`'s allocation, once: the reservation flips from
   * held to released, and only the statement that flipped it adds the units. On DC `dc`'s database.
   */
  releaseReservation(orderId: string, dc: string): Statement[] {
    return [
      { sql: `UPDATE stock_reservation SET status = 'released' WHERE order_id = ? AND dc = ? AND status = 'held'`, params: [orderId, dc] },
      { sql: `BEGIN NOT ATOMIC IF ROW_COUNT() = 1 THEN
                UPDATE stock_allocation s JOIN stock_reservation r ON r.order_id = ?
                  JOIN JSON_TABLE(r.\`lines\`, '$[*]' COLUMNS (v VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PATH '$.v', q INT PATH '$.q')) j
                  ON j.v = s.variant_id
                SET s.available = s.available + j.q WHERE s.dc = ?;
              END IF; END`, params: [orderId, dc] },
    ];
  }

  /**
   * Reservations of DC `dc` still held for an order this database does not have, older than
   * `graceSeconds`: left by a checkout whose owner batch ended without an answer (or by one that
   * committed at an owner whose rows have not replicated here yet).
   */
  async findUnmatchedReservations(db: Sql, dc: string, graceSeconds: number, limit: number): Promise<{ orderId: string; ownerDc: string | null }[]> {
    const rows = await db.query<{ order_id: string; owner_dc: string | null }>(
      `SELECT r.order_id, r.owner_dc FROM stock_reservation r LEFT JOIN orders o ON o.id = r.order_id
       WHERE r.status = 'held' AND r.dc = ? AND o.id IS NULL AND r.created_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND
       ORDER BY r.created_at LIMIT ?`, [dc, graceSeconds, limit]);
    return rows.map((r) => ({ orderId: r.order_id, ownerDc: r.owner_dc }));
  }

  /**
   * Reservations of DC `dc` still held for an order this database has as cancelled: the owner
   * cancelled it while this DC could not be reached, and the cancellation has replicated here since.
   */
  async findCancelledReservations(db: Sql, dc: string, limit: number): Promise<string[]> {
    const rows = await db.query<{ order_id: string }>(
      `SELECT r.order_id FROM stock_reservation r JOIN orders o ON o.id = r.order_id
       WHERE r.status = 'held' AND r.dc = ? AND o.status = 'cancelled' ORDER BY r.created_at LIMIT ?`, [dc, limit]);
    return rows.map((r) => r.order_id);
  }

  /** Which of these orders `db` has. */
  async findOrderIds(db: Sql, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return (await db.query<{ id: string }>('SELECT id FROM orders WHERE id IN (?)', [ids])).map((r) => r.id);
  }

  /** The lines this DC's allocation cannot cover now. */
  async findShortLines(db: Sql, lines: StockLine[], dc: string): Promise<ShortLine[]> {
    return db.query<ShortLine>(
      `SELECT j.v AS variant_id, v.sku, j.q AS requested, COALESCE(s.available, 0) AS available
       FROM ${LINES_TABLE} j JOIN variant v ON v.id = j.v
       LEFT JOIN stock_allocation s ON s.variant_id = j.v AND s.dc = ?
       WHERE COALESCE(s.available, 0) < j.q ORDER BY j.n`, [JSON.stringify(lines), dc]);
  }

  /**
   * Locks the cart at its owner and aborts the transaction (CART_CHANGED_SIGNAL) unless it is still
   * active with exactly `expected` lines, discount and shipping: what a checkout priced from a replica.
   */
  guardCartUnchanged(cartId: string, expected: { lines: StockLine[]; discountCode: string | null; shippingMethodCode: string | null }): Statement[] {
    return [
      { sql: 'SELECT id FROM cart WHERE id = ? FOR UPDATE', params: [cartId] },
      { sql: `BEGIN NOT ATOMIC
                IF NOT EXISTS (SELECT 1 FROM cart WHERE id = ? AND status = 'active' AND discount_code <=> ? AND shipping_method_code <=> ?)
                   OR (SELECT COUNT(*) FROM cart_line WHERE cart_id = ?) <> ?
                   OR (SELECT COUNT(*) FROM cart_line l JOIN ${LINES_TABLE} j ON j.v = l.variant_id AND j.q = l.quantity WHERE l.cart_id = ?) <> ?
                THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${CART_CHANGED_SIGNAL}'; END IF; END`,
        params: [cartId, expected.discountCode, expected.shippingMethodCode, cartId, expected.lines.length,
          JSON.stringify(expected.lines), cartId, expected.lines.length] },
    ];
  }

  /** The order, its lines and its first event. */
  insertOrder(o: NewOrder, lines: OrderLineRow[], eventId: string, actor: string): Statement[] {
    return [
      { sql: `INSERT INTO orders (id, number, account_id, cart_id, email, status, currency, subtotal, discount_total,
                shipping_total, tax_total, total, discount_code, shipping_method_code, shipping_address, placed_dc)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [o.id, o.number, o.account_id, o.cart_id, o.email, o.status, o.currency, o.subtotal, o.discount_total,
        o.shipping_total, o.tax_total, o.total, o.discount_code, o.shipping_method_code, JSON.stringify(o.shipping_address), o.placed_dc] },
      { sql: `INSERT INTO order_line (id, order_id, variant_id, sku, product_name, variant_name, quantity, unit_price,
                tax_rate_bp, line_total) VALUES ${lines.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      params: lines.flatMap((l) => [l.id, l.order_id, l.variant_id, l.sku, l.product_name, l.variant_name, l.quantity,
        l.unit_price, l.tax_rate_bp, l.line_total]) },
      this.event(eventId, o.id, null, o.status, actor),
    ];
  }

  closeCart(cartId: string): Statement {
    return { sql: `UPDATE cart SET status = 'ordered', active_account_id = NULL WHERE id = ?`, params: [cartId] };
  }

  event(id: string, orderId: string, from: OrderStatus | null, to: OrderStatus, actor: string): Statement {
    return { sql: 'INSERT INTO order_event (id, order_id, from_status, to_status, actor) VALUES (?, ?, ?, ?, ?)',
      params: [id, orderId, from, to, actor.slice(0, 80)] };
  }

  async findOrder(db: Sql, id: string): Promise<OrderRow | undefined> {
    return (await db.query<OrderRow>('SELECT * FROM orders WHERE id = ?', [id]))[0];
  }

  async findLines(db: Sql, orderIds: string[]): Promise<OrderLineRow[]> {
    if (orderIds.length === 0) return [];
    return db.query<OrderLineRow>('SELECT * FROM order_line WHERE order_id IN (?) ORDER BY order_id, id', [orderIds]);
  }

  async findEvents(db: Sql, orderId: string): Promise<{ from_status: string | null; to_status: string; actor: string; created_at: Date }[]> {
    return db.query('SELECT from_status, to_status, actor, created_at FROM order_event WHERE order_id = ? ORDER BY id', [orderId]);
  }

  /** An account's orders: those still under way first, newest first within each group. */
  async findOrdersOfAccount(db: Sql, accountId: string, limit: number, offset: number): Promise<{ rows: OrderRow[]; total: number }> {
    const [rows, count] = await Promise.all([
      db.query<OrderRow>(
        `SELECT * FROM orders WHERE account_id = ?
         ORDER BY status IN ('delivered', 'cancelled'), created_at DESC, id DESC LIMIT ? OFFSET ?`,
        [accountId, limit, offset]),
      db.query<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE account_id = ?', [accountId]),
    ]);
    return { rows, total: Number(count[0].n) };
  }

  setStatus(id: string, from: OrderStatus, to: OrderStatus): Statement {
    return { sql: 'UPDATE orders SET status = ? WHERE id = ? AND status = ?', params: [to, id, from] };
  }

  /** Gives a cancelled order's quantities back to the allocation of the DC that sold them. */
  /** The order locked for this transaction, and its lines (two statements of a batch). */
  lockWithLines(id: string): [Statement, Statement] {
    return [{ sql: 'SELECT * FROM orders WHERE id = ? FOR UPDATE', params: [id] },
      { sql: 'SELECT * FROM order_line WHERE order_id = ? ORDER BY id', params: [id] }];
  }
}

import { Injectable } from '@nestjs/common';
import { exec, failingAs, mapStep, row, rows, sequence, Step, steps, write } from '../database/batch';
import { Sql } from '../database/sql';
import { isDuplicateKey } from '../database/sql-errors';
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

/** The order's number was taken (50 random bits: rare); another number may be tried. */
export class OrderNumberTakenError extends Error {
  constructor(readonly number: string) {
    super(`order number ${number} is taken`);
  }
}

export interface NewOrder extends Omit<OrderRow, 'created_at' | 'updated_at' | 'shipping_address'> {
  shipping_address: Record<string, string>;
}

@Injectable()
export class OrdersRepository {
  /** The order, its lines and its first event; fails with OrderNumberTakenError when its number is taken. */
  insertOrder(o: NewOrder, lines: OrderLineRow[], eventId: string, actor: string): Step<void> {
    return failingAs(sequence(exec(
      { sql: `INSERT INTO orders (id, number, account_id, cart_id, email, status, currency, subtotal, discount_total,
                shipping_total, tax_total, total, discount_code, shipping_method_code, shipping_address, placed_dc)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [o.id, o.number, o.account_id, o.cart_id, o.email, o.status, o.currency, o.subtotal, o.discount_total,
        o.shipping_total, o.tax_total, o.total, o.discount_code, o.shipping_method_code, JSON.stringify(o.shipping_address), o.placed_dc] },
      { sql: `INSERT INTO order_line (id, order_id, variant_id, sku, product_name, variant_name, quantity, unit_price,
                tax_rate_bp, line_total) VALUES ${lines.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      params: lines.flatMap((l) => [l.id, l.order_id, l.variant_id, l.sku, l.product_name, l.variant_name, l.quantity,
        l.unit_price, l.tax_rate_bp, l.line_total]) },
    ), this.event(eventId, o.id, null, o.status, actor)), (err) => (isDuplicateKey(err, 'uq_order_number') ? new OrderNumberTakenError(o.number) : undefined));
  }

  /**
   * Deep health's order: one with a line, written as checkout writes them, and read back. Meant
   * for a transaction that is rolled back (TxSql.batchAndRollback): it leaves nothing.
   */
  probeOrder(ids: { order: string; line: string; event: string; cart: string }, number: string, dc: string, currency: string): Step<boolean> {
    const o: NewOrder = { id: ids.order, number, account_id: null, cart_id: ids.cart, email: 'deep-health@invalid', status: 'placed', currency,
      subtotal: 0, discount_total: 0, shipping_total: 0, tax_total: 0, total: 0, discount_code: null, shipping_method_code: 'deep-health',
      shipping_address: {}, placed_dc: dc };
    const line: OrderLineRow = { id: ids.line, order_id: ids.order, variant_id: 'deep-health', sku: 'deep-health', product_name: 'deep health',
      variant_name: 'deep health', quantity: 1, unit_price: 0, tax_rate_bp: 0, line_total: 0 };
    return mapStep(steps(this.insertOrder(o, [line], ids.event, 'deep-health'), row<{ id: string }>('SELECT id FROM orders WHERE id = ?', [ids.order])),
      ([, found]) => found !== undefined);
  }

  event(id: string, orderId: string, from: OrderStatus | null, to: OrderStatus, actor: string): Step<void> {
    return exec({ sql: 'INSERT INTO order_event (id, order_id, from_status, to_status, actor) VALUES (?, ?, ?, ?, ?)',
      params: [id, orderId, from, to, actor.slice(0, 80)] });
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
    return { rows, total: Number(count[0]?.n ?? 0) };
  }

  setStatus(id: string, from: OrderStatus, to: OrderStatus): Step<number> {
    return write('UPDATE orders SET status = ? WHERE id = ? AND status = ?', [to, id, from]);
  }

  /** The order locked for this transaction, and its lines. */
  lockWithLines(id: string): Step<{ order: OrderRow | undefined; lines: OrderLineRow[] }> {
    return mapStep(steps(row<OrderRow>('SELECT * FROM orders WHERE id = ? FOR UPDATE', [id]),
      rows<OrderLineRow>('SELECT * FROM order_line WHERE order_id = ? ORDER BY id', [id])), ([order, lines]) => ({ order, lines }));
  }
}

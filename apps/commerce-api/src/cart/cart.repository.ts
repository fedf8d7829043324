import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql';

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

export const MAX_LINE_QUANTITY = 999;
const CART_COLUMNS = 'id, account_id, owner_dc, status, currency, discount_code, shipping_method_code';

@Injectable()
export class CartRepository {
  async insertCart(db: Sql, c: { id: string; accountId?: string; ownerDc: string; currency: string }): Promise<void> {
    await db.execute(
      'INSERT INTO cart (id, account_id, active_account_id, owner_dc, currency) VALUES (?, ?, ?, ?, ?)',
      [c.id, c.accountId ?? null, c.accountId ?? null, c.ownerDc, c.currency]);
  }

  async findCart(db: Sql, id: string, forUpdate = false): Promise<CartRow | undefined> {
    return (await db.query<CartRow>(
      `SELECT ${CART_COLUMNS} FROM cart WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`,
      [id]))[0];
  }

  async findActiveCartOfAccount(db: Sql, accountId: string): Promise<CartRow | undefined> {
    return (await db.query<CartRow>(
      `SELECT ${CART_COLUMNS} FROM cart WHERE active_account_id = ?`,
      [accountId]))[0];
  }

  /**
   * Adds to a line of an active cart (or creates it), only for an active variant; 0 rows means the
   * cart is not active or the variant does not exist.
   */
  async addToLine(db: Sql, lineId: string, cartId: string, variantId: string, quantity: number): Promise<number> {
    const r = await db.execute(
      `INSERT INTO cart_line (id, cart_id, variant_id, quantity)
       SELECT ?, c.id, v.id, ? FROM cart c JOIN variant v ON v.id = ? AND v.active = 1
       WHERE c.id = ? AND c.status = 'active'
       ON DUPLICATE KEY UPDATE quantity = LEAST(cart_line.quantity + VALUES(quantity), ${MAX_LINE_QUANTITY})`,
      [lineId, quantity, variantId, cartId]);
    return r.affectedRows;
  }

  async setLineQuantity(db: Sql, cartId: string, variantId: string, quantity: number): Promise<number> {
    const r = await db.execute(
      `UPDATE cart_line l JOIN cart c ON c.id = l.cart_id AND c.status = 'active'
       SET l.quantity = ? WHERE l.cart_id = ? AND l.variant_id = ?`, [quantity, cartId, variantId]);
    return r.affectedRows;
  }

  async removeLine(db: Sql, cartId: string, variantId: string): Promise<number> {
    const r = await db.execute(
      `DELETE l FROM cart_line l JOIN cart c ON c.id = l.cart_id AND c.status = 'active'
       WHERE l.cart_id = ? AND l.variant_id = ?`, [cartId, variantId]);
    return r.affectedRows;
  }

  async setDiscountCode(db: Sql, cartId: string, code: string | null): Promise<void> {
    await db.execute('UPDATE cart SET discount_code = ? WHERE id = ?', [code, cartId]);
  }

  async setShippingMethod(db: Sql, cartId: string, code: string): Promise<void> {
    await db.execute('UPDATE cart SET shipping_method_code = ? WHERE id = ?', [code, cartId]);
  }

  /** The lines of a cart with current prices and this DC's stock, oldest line first. */
  async findLines(db: Sql, cartId: string, dc: string): Promise<CartLineRow[]> {
    return db.query<CartLineRow>(
      `SELECT l.variant_id, l.quantity, v.sku, v.name AS variant_name, p.name AS product_name, p.slug AS product_slug,
              v.price_minor AS unit_price, v.currency, v.tax_rate_bp, s.available
       FROM cart_line l
       JOIN variant v ON v.id = l.variant_id
       JOIN product p ON p.id = v.product_id
       LEFT JOIN stock_allocation s ON s.variant_id = v.id AND s.dc = ?
       WHERE l.cart_id = ? ORDER BY l.id`, [dc, cartId]);
  }

  /** Moves a guest cart's lines into the account's cart, adding quantities of lines both have. */
  async mergeLines(db: Sql, fromCartId: string, toCartId: string, newLineIds: string[]): Promise<void> {
    const lines = await db.query<{ variant_id: string; quantity: number }>(
      'SELECT variant_id, quantity FROM cart_line WHERE cart_id = ? ORDER BY id', [fromCartId]);
    if (lines.length > 0) {
      await db.execute(
        `INSERT INTO cart_line (id, cart_id, variant_id, quantity) VALUES ${lines.map(() => '(?, ?, ?, ?)').join(', ')}
         ON DUPLICATE KEY UPDATE quantity = LEAST(cart_line.quantity + VALUES(quantity), ${MAX_LINE_QUANTITY})`,
        lines.flatMap((l, i) => [newLineIds[i], toCartId, l.variant_id, l.quantity]));
    }
    await db.execute(`UPDATE cart SET status = 'merged', active_account_id = NULL WHERE id = ?`, [fromCartId]);
  }

  async adoptGuestCart(db: Sql, cartId: string, accountId: string): Promise<void> {
    await db.execute('UPDATE cart SET account_id = ?, active_account_id = ? WHERE id = ?', [accountId, accountId, cartId]);
  }

  async countLines(db: Sql, cartId: string): Promise<number> {
    return Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM cart_line WHERE cart_id = ?', [cartId]))[0].n);
  }
}

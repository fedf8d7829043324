import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql';

/** Column → value of a partial update; only columns named by the service reach SQL. */
export type Changes = Record<string, unknown>;

export interface NewVariant {
  id: string;
  productId: string;
  sku: string;
  name: string;
  price: number;
  currency: string;
  taxRateBp: number;
  attributes: Record<string, string>;
  position: number;
}

@Injectable()
export class AdminRepository {
  /** UPDATE of the given columns of one row; returns the matched row count (0: no such row). */
  async update(db: Sql, table: 'category' | 'product' | 'variant' | 'discount' | 'shipping_method', id: string, changes: Changes): Promise<number> {
    const cols = Object.keys(changes);
    if (cols.length === 0) return Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE id = ?`, [id]))[0].n);
    const r = await db.execute(`UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`,
      [...cols.map((c) => changes[c]), id]);
    return r.affectedRows;
  }

  async insertCategory(db: Sql, c: { id: string; slug: string; name: string }): Promise<void> {
    await db.execute('INSERT INTO category (id, slug, name) VALUES (?, ?, ?)', [c.id, c.slug, c.name]);
  }

  async categoryExists(db: Sql, id: string): Promise<boolean> {
    return (await db.query('SELECT 1 FROM category WHERE id = ?', [id])).length > 0;
  }

  async productExists(db: Sql, id: string): Promise<boolean> {
    return (await db.query('SELECT 1 FROM product WHERE id = ?', [id])).length > 0;
  }

  async nextVariantPosition(db: Sql, productId: string): Promise<number> {
    return Number((await db.query<{ p: number }>('SELECT COALESCE(MAX(position) + 1, 0) AS p FROM variant WHERE product_id = ?', [productId]))[0].p);
  }

  async insertProduct(db: Sql, p: { id: string; slug: string; name: string; description: string; categoryId: string; attributes: Record<string, string> }): Promise<void> {
    await db.execute('INSERT INTO product (id, slug, name, description, category_id, attributes) VALUES (?, ?, ?, ?, ?, ?)',
      [p.id, p.slug, p.name, p.description, p.categoryId, JSON.stringify(p.attributes)]);
  }

  async insertVariants(db: Sql, variants: NewVariant[]): Promise<void> {
    if (variants.length === 0) return;
    await db.execute(
      `INSERT INTO variant (id, product_id, sku, name, price_minor, currency, tax_rate_bp, attributes, position)
       VALUES ${variants.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      variants.flatMap((v) => [v.id, v.productId, v.sku, v.name, v.price, v.currency, v.taxRateBp, JSON.stringify(v.attributes), v.position]));
  }

  async variantExists(db: Sql, id: string): Promise<boolean> {
    return (await db.query('SELECT 1 FROM variant WHERE id = ?', [id])).length > 0;
  }

  /** Sets a DC's allocation of several variants (rows made on first use). */
  async setStock(db: Sql, rows: { id: string; variantId: string; dc: string; available: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await db.execute(
      `INSERT INTO stock_allocation (id, variant_id, dc, available) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE available = VALUES(available)`,
      rows.flatMap((r) => [r.id, r.variantId, r.dc, r.available]));
  }

  async insertDiscount(db: Sql, d: { id: string; code: string | null; name: string; kind: string; value: number; currency: string | null; startsAt: Date | null; endsAt: Date | null }): Promise<void> {
    await db.execute(
      'INSERT INTO discount (id, code, name, kind, value, currency, starts_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [d.id, d.code, d.name, d.kind, d.value, d.currency, d.startsAt, d.endsAt]);
  }

  async findDiscount(db: Sql, id: string): Promise<{ kind: string; starts_at: Date | null; ends_at: Date | null } | undefined> {
    return (await db.query<{ kind: string; starts_at: Date | null; ends_at: Date | null }>(
      'SELECT kind, starts_at, ends_at FROM discount WHERE id = ?', [id]))[0];
  }

  async insertShippingMethod(db: Sql, m: { id: string; code: string; name: string; price: number; currency: string }): Promise<void> {
    await db.execute('INSERT INTO shipping_method (id, code, name, price_minor, currency) VALUES (?, ?, ?, ?, ?)',
      [m.id, m.code, m.name, m.price, m.currency]);
  }
}

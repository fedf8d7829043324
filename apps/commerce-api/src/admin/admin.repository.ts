import { Injectable } from '@nestjs/common';
import { Batch, exec, row } from '../database/batch';
import { OrderDataSource, Sql } from '../database/sql';
import { isDuplicateKey } from '../database/sql-errors';

/** Column → value of a partial update; only columns named by the service reach SQL. */
export type Changes = Record<string, unknown>;

export type CatalogTable = 'category' | 'product' | 'variant' | 'discount' | 'shipping_method';

/** A natural key that no other row may hold, in any DC (a slug, a SKU, a code). */
export interface NaturalKey {
  table: CatalogTable;
  column: 'slug' | 'sku' | 'code';
  values: string[];
}

export interface UpdateOutcome {
  found: boolean;
  /** the natural key asked for is held by another row: nothing was changed */
  taken: boolean;
  /** the commit's GTID at the owner ('' when nothing was written) */
  gtid: string;
}

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

/** A catalog row's natural key (slug, SKU, code) was inserted first by another row: the unique key refused this one. */
export class NaturalKeyTakenError extends Error {
  constructor(readonly key: string) {
    super(`the value of ${key} is taken`);
  }
}

/** `work`, whose duplicate-key error (the only unique keys of catalog rows are natural keys) is a NaturalKeyTakenError. */
async function naturalKeys<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    throw new NaturalKeyTakenError(/for key '([^']+)'/.exec((err as Error).message)?.[1] ?? 'a unique key');
  }
}

@Injectable()
export class AdminRepository {
  /**
   * UPDATE of the given columns of one row, in one round trip and one transaction at the database
   * given (the row's owner): refused, changing nothing, when `unique` (one of `changes`) names a value
   * another row holds, whichever DC made it; then whether the row exists and the value was taken.
   */
  async update(db: OrderDataSource, table: CatalogTable, id: string, changes: Changes, unique?: 'slug'): Promise<UpdateOutcome> {
    const cols = Object.keys(changes);
    const value = unique && changes[unique] !== undefined ? String(changes[unique]) : undefined;
    const others = (alias: string) => `SELECT 1 FROM ${table} ${alias} WHERE ${alias}.${unique} = ? AND ${alias}.id <> ?`;
    const b = new Batch();
    if (cols.length > 0) {
      b.add(exec({
        sql: `UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?${value === undefined ? '' : ` AND NOT EXISTS (${others('o')})`}`,
        params: [...cols.map((c) => changes[c]), id, ...(value === undefined ? [] : [value, id])],
      }));
    }
    const outcome = b.add(row<{ found: number; taken: number }>(
      `SELECT EXISTS (SELECT 1 FROM ${table} WHERE id = ?) AS found, ${value === undefined ? '0' : `EXISTS (${others('t')})`} AS taken`,
      [id, ...(value === undefined ? [] : [value, id])]));
    const gtid = await naturalKeys(db.transaction((tx) => tx.batchCommitGtid(b)));
    const r = outcome.value;
    return { found: Number(r?.found) === 1, taken: Number(r?.taken) === 1, gtid: cols.length > 0 ? gtid : '' };
  }

  /** Whether any row, made in any DC, holds one of these natural keys already. */
  async taken(db: Sql, keys: NaturalKey[]): Promise<boolean> {
    const wanted = keys.filter((k) => k.values.length > 0);
    if (wanted.length === 0) return false;
    const rows = await db.query(
      `${wanted.map((k) => `SELECT 1 FROM ${k.table} WHERE ${k.column} IN (?)`).join(' UNION ALL ')} LIMIT 1`,
      wanted.map((k) => k.values));
    return rows.length > 0;
  }

  async insertCategory(db: Sql, c: { id: string; slug: string; name: string }): Promise<void> {
    await naturalKeys(db.execute('INSERT INTO category (id, slug, name) VALUES (?, ?, ?)', [c.id, c.slug, c.name]));
  }

  async categoryExists(db: Sql, id: string): Promise<boolean> {
    return (await db.query('SELECT 1 FROM category WHERE id = ?', [id])).length > 0;
  }

  async productExists(db: Sql, id: string): Promise<boolean> {
    return (await db.query('SELECT 1 FROM product WHERE id = ?', [id])).length > 0;
  }

  async nextVariantPosition(db: Sql, productId: string): Promise<number> {
    const [r] = await db.query<{ p: number }>('SELECT COALESCE(MAX(position) + 1, 0) AS p FROM variant WHERE product_id = ?', [productId]);
    return Number(r?.p ?? 0);
  }

  async insertProduct(db: Sql,
    p: { id: string; slug: string; name: string; description: string; categoryId: string; attributes: Record<string, string> }): Promise<void> {
    await naturalKeys(db.execute('INSERT INTO product (id, slug, name, description, category_id, attributes) VALUES (?, ?, ?, ?, ?, ?)',
      [p.id, p.slug, p.name, p.description, p.categoryId, JSON.stringify(p.attributes)]));
  }

  async insertVariants(db: Sql, variants: NewVariant[]): Promise<void> {
    if (variants.length === 0) return;
    await naturalKeys(db.execute(
      `INSERT INTO variant (id, product_id, sku, name, price_minor, currency, tax_rate_bp, attributes, position)
       VALUES ${variants.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      variants.flatMap((v) => [v.id, v.productId, v.sku, v.name, v.price, v.currency, v.taxRateBp, JSON.stringify(v.attributes), v.position])));
  }

  async variantExists(db: Sql, id: string): Promise<boolean> {
    return (await db.query('SELECT 1 FROM variant WHERE id = ?', [id])).length > 0;
  }

  async insertDiscount(db: Sql, d: { id: string; code: string | null; name: string; kind: string; value: number; currency: string | null;
    startsAt: Date | null; endsAt: Date | null; }): Promise<void> {
    await naturalKeys(db.execute(
      'INSERT INTO discount (id, code, name, kind, value, currency, starts_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [d.id, d.code, d.name, d.kind, d.value, d.currency, d.startsAt, d.endsAt]));
  }

  async findDiscount(db: Sql, id: string): Promise<{ kind: string; starts_at: Date | null; ends_at: Date | null } | undefined> {
    return (await db.query<{ kind: string; starts_at: Date | null; ends_at: Date | null }>(
      'SELECT kind, starts_at, ends_at FROM discount WHERE id = ?', [id]))[0];
  }

  async insertShippingMethod(db: Sql, m: { id: string; code: string; name: string; price: number; currency: string }): Promise<void> {
    await naturalKeys(db.execute('INSERT INTO shipping_method (id, code, name, price_minor, currency) VALUES (?, ?, ?, ?, ?)',
      [m.id, m.code, m.name, m.price, m.currency]));
  }
}

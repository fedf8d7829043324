import { Injectable } from '@nestjs/common';
import { Batch, row, rows } from '../database/batch';
import { Sql } from '../database/sql';
import { earliestFirst, isEarliest } from '../database/earliest';
import { ProductSort } from './catalog.dto';

export interface ProductRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  attributes: string | Record<string, string>;
  category_id: string;
  category_slug: string;
  category_name: string;
}

export interface VariantRow {
  id: string;
  product_id: string;
  sku: string;
  name: string;
  price_minor: number;
  currency: string;
  tax_rate_bp: number;
  attributes: string | Record<string, string>;
  available: number | null;
}

export interface ProductFilter {
  categorySlug?: string;
  minPrice?: number;
  maxPrice?: number;
  /** a boolean-mode FULLTEXT expression, already sanitised */
  match?: string;
  sort: ProductSort;
  limit: number;
  offset: number;
}

const ORDER_BY: Record<ProductSort, string> = {
  catalog: 'p.id ASC',
  newest: 'p.id DESC',
  name: 'p.name ASC, p.id ASC',
  price: 'min_price ASC, p.id ASC',
  '-price': 'min_price DESC, p.id ASC',
  relevance: 'score DESC, p.id ASC',
};

const PRODUCT_COLUMNS = `p.id, p.slug, p.name, p.description, p.attributes, p.category_id,
  c.slug AS category_slug, c.name AS category_name`;

/** Variants with this DC's available stock (the first parameter is the DC). */
const VARIANT_SELECT = `SELECT v.id, v.product_id, v.sku, v.name, v.price_minor, v.currency, v.tax_rate_bp, v.attributes, s.available
  FROM variant v LEFT JOIN stock_allocation s ON s.variant_id = v.id AND s.dc = ?`;

@Injectable()
export class CatalogRepository {
  /**
   * One page of active products and the total count, filtered in SQL (two statements). Of products
   * two DCs made with one slug (within one replication lag) only the earliest is listed, the one
   * its slug shows.
   */
  async findProducts(db: Sql, f: ProductFilter): Promise<{ rows: ProductRow[]; total: number }> {
    const where = ['p.active = 1', isEarliest('product', 'p', 'slug', 'e_p.active = 1')];
    const params: unknown[] = [];
    if (f.categorySlug !== undefined) {
      where.push(`p.category_id = (SELECT ec.id FROM category ec WHERE ec.slug = ? ORDER BY ${earliestFirst('ec')} LIMIT 1)`);
      params.push(f.categorySlug);
    }
    if (f.minPrice !== undefined || f.maxPrice !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM variant pv WHERE pv.product_id = p.id AND pv.active = 1
        AND pv.price_minor BETWEEN ? AND ?)`);
      params.push(f.minPrice ?? 0, f.maxPrice ?? 4294967295);
    }
    const matchExpr = 'MATCH (p.name, p.description) AGAINST (? IN BOOLEAN MODE)';
    if (f.match !== undefined) {
      where.push(matchExpr);
      params.push(f.match);
    }
    const from = `FROM product p JOIN category c ON c.id = p.category_id WHERE ${where.join(' AND ')}`;
    const extra: string[] = [];
    const extraParams: unknown[] = [];
    if (f.sort === 'price' || f.sort === '-price') {
      extra.push('(SELECT MIN(v.price_minor) FROM variant v WHERE v.product_id = p.id AND v.active = 1) AS min_price');
    }
    if (f.sort === 'relevance') {
      extra.push(`${matchExpr} AS score`);
      extraParams.push(f.match ?? '');
    }
    const select = [PRODUCT_COLUMNS, ...extra].join(', ');
    const [rows, count] = await Promise.all([
      db.query<ProductRow>(`SELECT ${select} ${from} ORDER BY ${ORDER_BY[f.sort]} LIMIT ? OFFSET ?`,
        [...extraParams, ...params, f.limit, f.offset]),
      db.query<{ n: number }>(`SELECT COUNT(*) AS n ${from}`, params),
    ]);
    return { rows, total: Number(count[0]?.n ?? 0) };
  }

  /** A product page's rows: the product with this slug (the earliest if two DCs made one) and its variants, in one round trip. */
  async findProductPage(db: Sql, slug: string, dc: string): Promise<{ product?: ProductRow; variants: VariantRow[] }> {
    const bySlug = `SELECT p.id FROM product p WHERE p.slug = ? AND p.active = 1 ORDER BY ${earliestFirst('p')} LIMIT 1`;
    const b = new Batch();
    const product = b.add(row<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM product p JOIN category c ON c.id = p.category_id WHERE p.id = (${bySlug})`, [slug]));
    const variants = b.add(rows<VariantRow>(`${VARIANT_SELECT} WHERE v.product_id = (${bySlug}) AND v.active = 1 ORDER BY v.position, v.id`, [dc, slug]));
    await db.batch(b);
    return { product: product.value, variants: variants.value };
  }

  /** The active variants of several products with this DC's available stock, in display order. */
  async findVariants(db: Sql, productIds: string[], dc: string): Promise<VariantRow[]> {
    if (productIds.length === 0) return [];
    return db.query<VariantRow>(
      `${VARIANT_SELECT} WHERE v.product_id IN (?) AND v.active = 1 ORDER BY v.product_id, v.position, v.id`, [dc, productIds]);
  }

  /** Every category (of two with one slug, the earliest: the one its slug filters by) with its active products. */
  async findCategories(db: Sql): Promise<{ id: string; slug: string; name: string; products: number }[]> {
    return db.query(
      `SELECT c.id, c.slug, c.name, COUNT(p.id) AS products
       FROM category c LEFT JOIN product p ON p.category_id = c.id AND p.active = 1
       WHERE ${isEarliest('category', 'c', 'slug')}
       GROUP BY c.id, c.slug, c.name ORDER BY c.name`);
  }
}

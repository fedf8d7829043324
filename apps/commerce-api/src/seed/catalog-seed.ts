import { newId } from '@meridian/dc';
import { OrderDataSource, Sql } from '../database/sql';

export interface CatalogShape {
  products: number;
  categories: string[];
  brands: string[];
  sizes: string[];
  /** units per variant in each DC's allocation */
  stock: number;
  currency: string;
}

/** The catalog of the Vendure peer benchmark: 60 products x 3 sizes, 20 % tax, 1,000,000 units each. */
export const BENCH_SHAPE: CatalogShape = {
  products: 60, categories: ['apparel', 'footwear', 'outdoor', 'electronics', 'home', 'toys'],
  brands: ['acme', 'globex', 'initech', 'umbrella', 'hooli'], sizes: ['S', 'M', 'L'], stock: 1_000_000, currency: 'USD',
};

/** The demo catalog of `make up`: the same shape with 1,200 products in 12 categories. */
export const DEMO_SHAPE: CatalogShape = {
  ...BENCH_SHAPE, products: 1200,
  categories: [...BENCH_SHAPE.categories, 'books', 'garden', 'kitchen', 'sports', 'beauty', 'music'],
  stock: 1000,
};

const ADJECTIVES = ['Classic', 'Urban', 'Trail', 'Studio', 'Compact', 'Everyday', 'Premium', 'Travel', 'Smart', 'Vintage'];
const NOUNS: Record<string, string[]> = {
  apparel: ['Jacket', 'Hoodie', 'Shirt'], footwear: ['Sneaker', 'Boot', 'Sandal'], outdoor: ['Tent', 'Backpack', 'Lantern'],
  electronics: ['Headphones', 'Speaker', 'Charger'], home: ['Lamp', 'Blanket', 'Vase'], toys: ['Puzzle', 'Robot', 'Kite'],
  books: ['Notebook', 'Atlas', 'Cookbook'], garden: ['Planter', 'Hose', 'Trowel'], kitchen: ['Kettle', 'Skillet', 'Knife'],
  sports: ['Ball', 'Racket', 'Mat'], beauty: ['Serum', 'Brush', 'Balm'], music: ['Ukulele', 'Drum', 'Metronome'],
};

export interface SeedResult {
  categories: number;
  products: number;
  variants: number;
  /** variant ids in catalog order */
  variantIds: string[];
}

/** The `i`-th element of `xs`, going round. */
function cycle<T>(xs: readonly T[], i: number): T {
  const x = xs[i % xs.length];
  if (x === undefined) throw new Error('a catalog shape list is empty');
  return x;
}

/** How many products the catalog has (a seed loads only into an empty one). */
export async function catalogSize(db: Sql): Promise<number> {
  const [r] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM product');
  return Number(r?.n ?? 0);
}

/**
 * Writes a deterministic catalog (names, slugs, prices) with set-based inserts. Prices follow the
 * peer benchmark: net price i = 10 + (37·i mod 190) + 2·k + 0.99, in minor units.
 */
export async function seedCatalog(db: Sql, dc: string, dcs: string[], shape: CatalogShape): Promise<SeedResult> {
  const categoryIds = new Map(shape.categories.map((c) => [c, newId(dc)]));
  await db.execute(`INSERT INTO category (id, slug, name) VALUES ${shape.categories.map(() => '(?, ?, ?)').join(', ')}`,
    shape.categories.flatMap((c) => [categoryIds.get(c), c, c.charAt(0).toUpperCase() + c.slice(1)]));

  const variantIds: string[] = [];
  const BATCH = 200;
  for (let start = 1; start <= shape.products; start += BATCH) {
    const products: unknown[][] = [];
    const variants: unknown[][] = [];
    const stock: unknown[][] = [];
    for (let i = start; i < Math.min(start + BATCH, shape.products + 1); i++) {
      const n = String(i).padStart(4, '0');
      const category = cycle(shape.categories, i);
      const brand = cycle(shape.brands, i);
      const noun = cycle(NOUNS[category] ?? ['Item'], i);
      const name = `${cycle(ADJECTIVES, i)} ${noun} ${n}`;
      const id = newId(dc);
      products.push([id, `${name.toLowerCase().replace(/ /g, '-')}`, name,
        `${name}: a ${category} product by ${brand}. Deterministic catalog item number ${n}.`,
        categoryIds.get(category), JSON.stringify({ brand })]);
      shape.sizes.forEach((size, k) => {
        const vid = newId(dc);
        variantIds.push(vid);
        const price = (10 + ((i * 37) % 190) + k * 2) * 100 + 99;
        variants.push([vid, id, `P${n}-${size}`, `${name} ${size}`, price, shape.currency, 2000, JSON.stringify({ size }), k]);
        for (const d of dcs) stock.push([newId(dc), vid, d, shape.stock]);
      });
    }
    await db.execute(`INSERT INTO product (id, slug, name, description, category_id, attributes) VALUES ${products.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`, products.flat());
    await db.execute(`INSERT INTO variant (id, product_id, sku, name, price_minor, currency, tax_rate_bp, attributes, position) VALUES ${variants.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, variants.flat());
    await db.execute(`INSERT INTO stock_allocation (id, variant_id, dc, available) VALUES ${stock.map(() => '(?, ?, ?, ?)').join(', ')}`, stock.flat());
  }
  await db.execute(`INSERT INTO shipping_method (id, code, name, price_minor, currency) VALUES (?, 'standard', 'Standard shipping', 500, ?), (?, 'express', 'Express shipping', 1000, ?)`,
    [newId(dc), shape.currency, newId(dc), shape.currency]);
  await db.execute(`INSERT INTO discount (id, code, name, kind, value, currency) VALUES (?, 'WELCOME10', 'Welcome: 10 % off', 'percentage', 10, NULL)`, [newId(dc)]);
  return { categories: shape.categories.length, products: shape.products, variants: variantIds.length, variantIds };
}

/**
 * Gives DC `dc` its own allocation row of `units` for every variant, the first time only (the
 * catalog came from another DC by replication; `regionctl up` runs this at every start). Written
 * by the DC itself: it owns its rows. Answers how many rows it added.
 */
export async function seedStock(db: OrderDataSource, dc: string, units: number): Promise<number> {
  // once per DC, in one transaction (an interrupted run leaves nothing): a DC that has its allocation
  // rows already gets nothing, so a variant an admin made later does not get `units` at every `up`
  return db.transaction(async (tx) => {
    const [{ n } = { n: 0 }] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM stock_allocation WHERE dc = ?', [dc]);
    if (Number(n) > 0) return 0;
    const variants = await tx.query<{ id: string }>('SELECT id FROM variant ORDER BY id');
    for (let i = 0; i < variants.length; i += 500) {
      const part = variants.slice(i, i + 500);
      await tx.execute(`INSERT INTO stock_allocation (id, variant_id, dc, available) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}`,
        part.flatMap((v) => [newId(dc), v.id, dc, units]));
    }
    return variants.length;
  });
}

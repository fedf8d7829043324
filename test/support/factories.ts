import { Shopper } from './client';
import { ADMIN } from './shop';

/** A variant made for one test, with the units of stock it was given at the shop's DC. */
export interface TestVariant {
  productId: string;
  slug: string;
  variantId: string;
  sku: string;
  /** price before tax, minor units */
  price: number;
  stock: number;
}

let made = 0;
/** Unique within the run and across runs on one database: the test's own rows never meet another's. */
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${process.pid.toString(36)}-${(made++).toString(36)}`;

/**
 * Fresh data per test, made through the shop's own API (as an admin or a shopper would), instead
 * of indexes into the seeded catalog and its absolute stock counts.
 */
export class Factory {
  private admin?: Promise<Shopper>;
  private category?: Promise<string>;

  constructor(readonly url: string) {}

  /** The seeded admin, logged in once. */
  asAdmin(): Promise<Shopper> {
    this.admin ??= (async () => {
      const s = new Shopper(this.url);
      const r = await s.post('/api/accounts/login', ADMIN);
      if (r.status !== 200) throw new Error(`admin log-in answered ${r.status}: ${r.text}`);
      return s;
    })();
    return this.admin;
  }

  private categoryId(): Promise<string> {
    this.category ??= (async () => {
      const slug = unique('cat').toLowerCase();
      const r = await (await this.asAdmin()).post('/api/admin/categories', { slug, name: `Category ${slug}` });
      if (r.status !== 201) throw new Error(`making a category answered ${r.status}: ${r.text}`);
      return r.body.id as string;
    })();
    return this.category;
  }

  /** A product of its own with one variant and `stock` units at this DC (default 10). */
  async variant(o: { stock?: number; price?: number } = {}): Promise<TestVariant> {
    const slug = unique('p').toLowerCase();
    const stock = o.stock ?? 10;
    const price = o.price ?? 1000;
    const r = await (await this.asAdmin()).post('/api/admin/products', {
      slug, name: `Thing ${slug}`, description: 'made for one test', categoryId: await this.categoryId(),
      variants: [{ sku: `${slug}-1`, name: 'One', price, taxRateBp: 2000, stock }],
    });
    if (r.status !== 201) throw new Error(`making a product answered ${r.status}: ${r.text}`);
    return { productId: r.body.id, slug, variantId: r.body.variantIds[0], sku: `${slug}-1`, price, stock };
  }

  /** A newly registered customer, logged in. */
  async shopper(): Promise<{ s: Shopper; email: string; id: string }> {
    const s = new Shopper(this.url);
    const email = `${unique('shopper')}@example.com`;
    const r = await s.post('/api/accounts/register', { email, password: 'correct horse battery', name: 'Ada' });
    if (r.status !== 201) throw new Error(`registering answered ${r.status}: ${r.text}`);
    return { s, email, id: r.body.id };
  }

  /** A guest whose cart holds these lines. */
  async guestWithCart(lines: [TestVariant, number][]): Promise<Shopper> {
    const s = new Shopper(this.url);
    for (const [v, quantity] of lines) {
      const r = await s.post('/api/cart/items', { variantId: v.variantId, quantity });
      if (r.status !== 200) throw new Error(`adding ${v.sku} answered ${r.status}: ${r.text}`);
    }
    return s;
  }
}

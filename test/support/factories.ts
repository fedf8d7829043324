import { Shopper } from './client';
import { ADMIN } from './shop';

/** A variant made for one test, with the units of stock it was given at the shop's DC. */
export interface TestVariant {
  productId: string;
  slug: string;
  /** the product's name */
  name: string;
  variantId: string;
  sku: string;
  /** price before tax, minor units */
  price: number;
  stock: number;
}

/** `N` values of type T: `variantsEverywhere(f, 3)` gives three, each index typed as present. */
export type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [...R, T]>;

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

  /** `admin`: the seeded admin's credentials (the test shop's by default) */
  constructor(readonly url: string, private readonly adminLogin: { email: string; password: string } = ADMIN) {}

  /** The seeded admin, logged in once. */
  asAdmin(): Promise<Shopper> {
    this.admin ??= (async () => {
      const s = new Shopper(this.url);
      const r = await s.post('/api/accounts/login', this.adminLogin);
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
    const name = `Thing ${slug}`;
    const r = await (await this.asAdmin()).post('/api/admin/products', {
      slug, name, description: 'made for one test', categoryId: await this.categoryId(),
      variants: [{ sku: `${slug}-1`, name: 'One', price, taxRateBp: 2000, stock }],
    });
    if (r.status !== 201) throw new Error(`making a product answered ${r.status}: ${r.text}`);
    return { productId: r.body.id, slug, name, variantId: r.body.variantIds[0], sku: `${slug}-1`, price, stock };
  }

  /**
   * `units` more in this DC's allocation of a variant made at another DC, once the variant has
   * replicated here (the admin API answers 404 until then; waits up to 30 s).
   */
  async addStock(v: TestVariant, units: number): Promise<void> {
    const admin = await this.asAdmin();
    for (const until = Date.now() + 30000; ;) {
      const r = await admin.put(`/api/admin/variants/${v.variantId}/stock`, { delta: units });
      if (r.status === 200) return;
      if (r.status !== 404 || Date.now() > until) throw new Error(`adding stock of ${v.sku} at ${this.url} answered ${r.status}: ${r.text}`);
      await new Promise((done) => setTimeout(done, 50));
    }
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

/**
 * Variants made at the first DC's factory with `stock` units (default 50) in every listed DC's
 * allocation: a catalog of the test's own on a multi-DC topology.
 */
export async function variantsEverywhere<N extends number>(
  dcs: Factory[], count: N, o: { stock?: number; price?: number } = {},
): Promise<Tuple<TestVariant, N>> {
  const [first, ...others] = dcs;
  if (!first) throw new Error('variantsEverywhere: no DC given');
  const stock = o.stock ?? 50;
  const made: TestVariant[] = [];
  for (let i = 0; i < count; i++) made.push(await first.variant({ ...o, stock }));
  await Promise.all(others.flatMap((dc) => made.map((v) => dc.addStock(v, stock))));
  return made as Tuple<TestVariant, N>;
}

/** The ids of such variants. */
export async function variantIdsEverywhere<N extends number>(dcs: Factory[], count: N, o: { stock?: number; price?: number } = {}): Promise<Tuple<string, N>> {
  return ((await variantsEverywhere(dcs, count, o)) as TestVariant[]).map((v) => v.variantId) as Tuple<string, N>;
}

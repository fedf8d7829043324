import { startMariaDb, MariaDbServer } from '../support/mariadb';
import { startShop, TestShop } from '../support/shop';
import { Shopper } from '../support/client';

describe('catalog (real MariaDB)', () => {
  let db: MariaDbServer;
  let shop: TestShop;
  let s: Shopper;

  beforeAll(async () => {
    db = await startMariaDb();
    shop = await startShop(db);
    s = new Shopper(shop.url);
  });
  afterAll(async () => {
    await shop?.close();
    await db?.stop();
  });

  it('lists products with variants, prices with tax and stock status, paginated', async () => {
    const r = await s.get('/api/products?pageSize=5&page=2');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.body.total).toBe(12);
    expect(r.body.page).toBe(2);
    expect(r.body.items).toHaveLength(5);
    const v = r.body.items[0].variants[0];
    expect(r.body.items[0].variants).toHaveLength(3);
    expect(v.priceWithTax).toBe(Math.round(v.price * 1.2));
    expect(v.currency).toBe('USD');
    expect(v.stockStatus).toBe('in_stock');
    const page1 = await s.get('/api/products?pageSize=5');
    expect(page1.body.items.map((p: { id: string }) => p.id)).not.toContain(r.body.items[0].id);
  });

  it('filters by category and by price', async () => {
    const cat = await s.get('/api/products?category=footwear');
    expect(cat.body.total).toBe(2);
    for (const p of cat.body.items) expect(p.category.slug).toBe('footwear');
    // the 12 seeded products start at 37.99 (product 11) and 42.99 (product 6); the next is 74.99
    const cheap = await s.get('/api/products?maxPrice=4500&pageSize=100');
    expect(cheap.body.total).toBe(2);
    for (const p of cheap.body.items) expect(Math.min(...p.variants.map((v: { price: number }) => v.price))).toBeLessThanOrEqual(4500);
    const none = await s.get('/api/products?minPrice=99999999');
    expect(none.body).toMatchObject({ total: 0, items: [] });
  });

  it('searches names and descriptions with FULLTEXT', async () => {
    const r = await s.get('/api/products?q=footwear');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(2);
    const byName = await s.get('/api/products?q=Trail');
    expect(byName.body.items.every((p: { name: string }) => p.name.includes('Trail'))).toBe(true);
    expect(byName.body.total).toBeGreaterThan(0);
  });

  it('shows a product by slug with options and description', async () => {
    const list = await s.get('/api/products?pageSize=1');
    const slug = list.body.items[0].slug;
    const r = await s.get(`/api/products/${slug}`);
    expect(r.status).toBe(200);
    expect(r.body.slug).toBe(slug);
    expect(r.body.description).toContain('Deterministic');
    expect(r.body.options).toEqual([{ name: 'size', values: ['S', 'M', 'L'] }]);
    expect(r.body.attributes.brand).toBeDefined();
  });

  it('lists categories with product counts', async () => {
    const r = await s.get('/api/categories');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(6);
    expect(r.body.reduce((n: number, c: { products: number }) => n + c.products, 0)).toBe(12);
  });

  it('serves the OpenAPI page and document at /api/docs', async () => {
    const page = await fetch(`${shop.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/swagger-ui/i);
    const doc = await s.get('/api/docs/openapi.json');
    expect(doc.body.info.title).toBe('Meridian commerce API');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/products', '/api/products/{slug}', '/api/cart/items', '/api/checkout', '/api/orders/{id}']));
  });

  it('documents the error answers: a JSON problem everywhere, 401/403 where a session is read, the relocate 307 where it applies', async () => {
    const { body: doc } = await s.get('/api/docs/openapi.json');
    type Responses = Record<string, { description: string; content?: unknown } | undefined>;
    const responses = (path: string, method: string) => doc.paths[path][method].responses as Responses;
    expect(Object.keys(doc.components.schemas.Problem.properties).sort()).toEqual(['details', 'error', 'message', 'statusCode']);
    const problem = { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } };
    for (const [path, method] of [['/api/products', 'get'], ['/api/cart/items', 'post'], ['/api/checkout', 'post'], ['/api/accounts/login', 'post']] as const) {
      expect(responses(path, method).default).toEqual(expect.objectContaining({ content: problem }));
    }
    // a route that reads the session of an account homed elsewhere is sent home in relocate mode ...
    for (const [path, method] of [['/api/cart/items', 'post'], ['/api/checkout', 'post'], ['/api/accounts/me', 'get'], ['/api/orders', 'get']] as const) {
      expect(responses(path, method)['307']).toEqual(expect.objectContaining({ content: problem, description: expect.stringMatching(/^WRONG_DC, relocate mode only/) }));
      expect(responses(path, method)['401']?.description).toMatch(/^UNAUTHENTICATED/);
    }
    // ... but not log-in, log-out and register (served anywhere), nor the catalog (no session read)
    for (const [path, method] of [['/api/accounts/login', 'post'], ['/api/accounts/logout', 'post'], ['/api/accounts/register', 'post'], ['/api/products/{slug}', 'get']] as const) {
      expect(responses(path, method)['307']).toBeUndefined();
    }
    expect(responses('/api/products', 'get')['401']).toBeUndefined();
    expect(responses('/api/admin/products', 'post')['403']?.description).toMatch(/^FORBIDDEN/);
    expect(responses('/api/cart/items', 'post')['403']).toBeUndefined();
  });

  describe('bad input', () => {
    it.each([
      ['/api/products?page=0', 400],
      ['/api/products?page=abc', 400],
      ['/api/products?pageSize=101', 400],
      ['/api/products?minPrice=-1', 400],
      ['/api/products?minPrice=500&maxPrice=100', 400],
      ['/api/products?category=Not%20A%20Slug', 400],
      ['/api/products?sort=random', 400],
      ['/api/products?q=a', 400],
      ['/api/products?unknown=1', 400],
      ['/api/products/no-such-product', 404],
      ['/api/products/Bad_Slug', 400],
      ['/api/nothing-here', 404],
    ])('GET %s answers %i with a JSON problem', async (path, status) => {
      const r = await s.get(path);
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
    });
  });
});

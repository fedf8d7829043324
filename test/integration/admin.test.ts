import { OrderDataSourceRouter } from '../../apps/commerce-api/src/database/order-data-source.router';
import { seedStock } from '../../apps/commerce-api/src/seed/catalog-seed';
import { startMariaDb, MariaDbServer } from '../support/mariadb';
import { ADMIN, startShop, TestShop } from '../support/shop';
import { ADDRESS, Shopper } from '../support/client';
import { one } from '../support/rows';

describe('admin (real MariaDB)', () => {
  let db: MariaDbServer;
  let shop: TestShop;
  let admin: Shopper;
  let categoryId: string;

  beforeAll(async () => {
    db = await startMariaDb();
    shop = await startShop(db);
    admin = new Shopper(shop.url);
    expect((await admin.post('/api/accounts/login', ADMIN)).status).toBe(200);
    categoryId = (await admin.post('/api/admin/categories', { slug: 'gadgets', name: 'Gadgets' })).body.id;
  });
  afterAll(async () => {
    await shop?.close();
    await db?.stop();
  });

  const product = (slug: string, extra: Record<string, unknown> = {}) => ({
    slug, name: `Thing ${slug}`, description: 'A thing for tests', categoryId, attributes: { brand: 'acme' },
    variants: [
      { sku: `${slug}-S`, name: 'Small', price: 1000, taxRateBp: 2000, attributes: { size: 'S' }, stock: 5 },
      { sku: `${slug}-L`, name: 'Large', price: 1500, taxRateBp: 2000, attributes: { size: 'L' }, stock: 0 },
    ],
    ...extra,
  });

  it('the same slug or SKU created 10 times at once: one is made, the rest 409 (the unique key refuses what the pre-check let through), never 500', async () => {
    const categories = await Promise.all(Array.from({ length: 10 }, () => admin.post('/api/admin/categories', { slug: 'raced-here', name: 'Raced' })));
    const products = await Promise.all(Array.from({ length: 10 }, () => admin.post('/api/admin/products', product('raced-product'))));
    for (const answers of [categories, products]) {
      expect(answers.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
      for (const r of answers.filter((x) => x.status === 409)) expect(r.body).toMatchObject({ statusCode: 409, error: 'CONFLICT' });
    }
    expect(await db.rootQuery("SELECT COUNT(*) AS n FROM category WHERE slug = 'raced-here'")).toEqual([{ n: 1 }]);
    expect(await db.rootQuery("SELECT COUNT(*) AS n FROM variant WHERE sku LIKE 'raced-product-%'")).toEqual([{ n: 2 }]);
  });

  it('only admins reach admin routes: 401 without a session, 403 for a customer', async () => {
    expect((await new Shopper(shop.url).post('/api/admin/categories', { slug: 'x', name: 'X' })).status).toBe(401);
    const customer = new Shopper(shop.url);
    await customer.post('/api/accounts/register', { email: 'customer@example.com', password: 'long enough password', name: 'C' });
    const r = await customer.post('/api/admin/categories', { slug: 'x', name: 'X' });
    expect(r.status).toBe(403);
    expect(await db.rootQuery(`SELECT id FROM category WHERE slug = 'x'`)).toEqual([]);
  });

  it('creates a product with variants and stock that shoppers then see', async () => {
    const r = await admin.post('/api/admin/products', product('widget'));
    expect(r.status).toBe(201);
    expect(r.body.id).toMatch(/^a_/);
    expect(r.body.variantIds).toHaveLength(2);
    const page = await new Shopper(shop.url).get('/api/products/widget');
    expect(page.status).toBe(200);
    expect(page.body.variants.map((v: { sku: string; priceWithTax: number; stockStatus: string }) => [v.sku, v.priceWithTax, v.stockStatus]))
      .toEqual([['widget-S', 1200, 'low_stock'], ['widget-L', 1800, 'out_of_stock']]);
  });

  it('changes prices, names and this DC\'s stock; deactivating hides a product', async () => {
    const { body } = await admin.post('/api/admin/products', product('gizmo'));
    const [small, large] = body.variantIds;
    expect((await admin.patch(`/api/admin/variants/${small}`, { price: 2000 })).status).toBe(204);
    expect((await admin.put(`/api/admin/variants/${large}/stock`, { delta: 500 })).body).toEqual({ variantId: large, dc: 'a', available: 500 });
    expect((await admin.post(`/api/admin/products/${body.id}/variants`, { sku: 'gizmo-XL', name: 'Extra large', price: 2500, stock: 3 })).status).toBe(201);
    const page = (await new Shopper(shop.url).get('/api/products/gizmo')).body;
    expect(page.variants.map((v: { price: number; stockStatus: string }) => [v.price, v.stockStatus]))
      .toEqual([[2000, 'low_stock'], [1500, 'in_stock'], [2500, 'low_stock']]);
    expect(await db.rootQuery('SELECT dc, available FROM stock_allocation WHERE variant_id = ?', [large])).toEqual([{ dc: 'a', available: 500 }]);
    expect((await admin.patch(`/api/admin/products/${body.id}`, { active: false })).status).toBe(204);
    expect((await new Shopper(shop.url).get('/api/products/gizmo')).status).toBe(404);
  });

  it('discounts apply inside their date window only; shipping methods appear and change price', async () => {
    const s = new Shopper(shop.url);
    const variant = (await s.get('/api/products/widget')).body.variants[0].id;
    await s.post('/api/cart/items', { variantId: variant, quantity: 1 });
    const future = new Date(Date.now() + 86400_000).toISOString();
    expect((await admin.post('/api/admin/discounts', { code: 'LATER', name: 'Later', kind: 'amount', value: 100, startsAt: future })).status).toBe(201);
    expect((await s.put('/api/cart/discount', { code: 'LATER' })).status).toBe(404);
    const now = await admin.post('/api/admin/discounts', { code: 'NOW5', name: 'Five off', kind: 'amount', value: 500 });
    expect((await s.put('/api/cart/discount', { code: 'now5' })).body.totals.discount).toBe(500);
    expect((await admin.patch(`/api/admin/discounts/${now.body.id}`, { active: false })).status).toBe(204);
    expect((await s.get('/api/cart')).body.totals.discount).toBe(0);

    const ship = await admin.post('/api/admin/shipping-methods', { code: 'pickup', name: 'Pick up', price: 0 });
    expect(ship.status).toBe(201);
    expect((await s.get('/api/shipping-methods')).body.map((m: { code: string }) => m.code)).toEqual(['pickup', 'standard', 'express']);
    expect((await admin.patch(`/api/admin/shipping-methods/${ship.body.id}`, { price: 250 })).status).toBe(204);
    expect((await s.put('/api/cart/shipping-method', { code: 'pickup' })).body.totals.shipping).toBe(250);
  });

  it('moves orders through their states and refuses illegal steps with 409', async () => {
    const s = new Shopper(shop.url);
    const variant = (await s.get('/api/products/widget')).body.variants[0].id;
    await s.post('/api/cart/items', { variantId: variant, quantity: 1 });
    const order = (await s.post('/api/checkout', { email: 'o@example.com', shippingMethod: 'standard',
      shippingAddress: { fullName: 'O', line1: 'x', city: 'y', postalCode: '1', countryCode: 'US' } }, { 'Idempotency-Key': 'admin-order-0001' })).body;
    const step = (status: string) => admin.post(`/api/admin/orders/${order.id}/status`, { status });
    expect((await step('shipped')).status).toBe(409);
    expect((await s.post(`/api/orders/${order.id}/payment`, {})).body.status).toBe('paid');
    for (const st of ['confirmed', 'shipped', 'delivered']) expect((await step(st)).body.status).toBe(st);
    const refused = await step('cancelled');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'ILLEGAL_TRANSITION', details: { from: 'delivered', to: 'cancelled' } });
    expect((await one(db.rootQuery<{ status: string }>('SELECT status FROM orders WHERE id = ?', [order.id]))).status).toBe('delivered');
  });

  describe('bad input answers 4xx and changes nothing', () => {
    const counts = () => db.rootQuery(`SELECT (SELECT COUNT(*) FROM category) c, (SELECT COUNT(*) FROM product) p,
      (SELECT COUNT(*) FROM variant) v, (SELECT COUNT(*) FROM discount) d, (SELECT COUNT(*) FROM shipping_method) s,
      (SELECT SUM(available) FROM stock_allocation) st, (SELECT SUM(price_minor) FROM variant) pr`);

    it.each([
      ['POST', '/api/admin/categories', { slug: 'Bad Slug', name: 'X' }, 400],
      ['POST', '/api/admin/categories', { slug: 'apparel', name: 'Again' }, 409],
      ['PATCH', '/api/admin/categories/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T', { name: 'X' }, 404],
      ['POST', '/api/admin/products', { slug: 'p1', name: 'P', description: '', categoryId: 'a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T', variants: [{ sku: 'p1', name: 'P', price: 1 }] }, 404],
      ['POST', '/api/admin/products', { slug: 'p2', name: 'P', description: '', categoryId: 'CATEGORY', variants: [] }, 400],
      ['POST', '/api/admin/products', { slug: 'p3', name: 'P', description: '', categoryId: 'CATEGORY', variants: [{ sku: 'x', name: 'X', price: -5 }] }, 400],
      ['POST', '/api/admin/products', { slug: 'p4', name: 'P', description: '', categoryId: 'CATEGORY', variants: [{ sku: 'd', name: 'X', price: 1 }, { sku: 'd', name: 'Y', price: 1 }] }, 400],
      ['POST', '/api/admin/products', { slug: 'p5', name: 'P', description: '', categoryId: 'CATEGORY', attributes: { brand: 42 }, variants: [{ sku: 'p5', name: 'X', price: 1 }] }, 400],
      ['POST', '/api/admin/products', { slug: 'widget', name: 'P', description: '', categoryId: 'CATEGORY', variants: [{ sku: 'new-sku', name: 'X', price: 1 }] }, 409],
      ['POST', '/api/admin/products', { slug: 'p6', name: 'P', description: '', categoryId: 'CATEGORY', variants: [{ sku: 'widget-S', name: 'X', price: 1 }] }, 409],
      ['PATCH', '/api/admin/products/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T', { name: 'X' }, 404],
      ['PATCH', '/api/admin/variants/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T', { price: 5 }, 404],
      ['PATCH', '/api/admin/variants/not-an-id', { price: 5 }, 400],
      ['PATCH', '/api/admin/variants/VARIANT', { price: 1.5 }, 400],
      ['PATCH', '/api/admin/variants/VARIANT', { price: '100' }, 400],
      ['PUT', '/api/admin/variants/VARIANT/stock', { available: -1, expected: 0 }, 400],
      ['PUT', '/api/admin/variants/VARIANT/stock', { available: 5 }, 400],
      ['PUT', '/api/admin/variants/VARIANT/stock', { delta: 1, available: 5, expected: 0 }, 400],
      ['PUT', '/api/admin/variants/VARIANT/stock', {}, 400],
      ['PUT', '/api/admin/variants/VARIANT/stock', { delta: 1.5 }, 400],
      ['PUT', '/api/admin/variants/VARIANT/stock', { delta: -1_000_000 }, 409],
      ['PUT', '/api/admin/variants/VARIANT/stock', { available: 5, expected: 999_999 }, 409],
      ['PUT', '/api/admin/variants/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T/stock', { delta: 1 }, 404],
      ['POST', '/api/admin/discounts', { name: 'X', kind: 'percentage', value: 150 }, 400],
      ['POST', '/api/admin/discounts', { name: 'X', kind: 'gift', value: 1 }, 400],
      ['POST', '/api/admin/discounts', { name: 'X', kind: 'amount', value: 1, startsAt: '2027-01-02T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' }, 400],
      ['POST', '/api/admin/discounts', { name: 'X', kind: 'amount', value: 1, startsAt: 'tomorrow' }, 400],
      ['POST', '/api/admin/discounts', { code: 'WELCOME10', name: 'X', kind: 'amount', value: 1 }, 409],
      ['POST', '/api/admin/shipping-methods', { code: 'standard', name: 'X', price: 1 }, 409],
      ['POST', '/api/admin/shipping-methods', { code: 'drone', name: 'X' }, 400],
      ['PATCH', '/api/admin/shipping-methods/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T', { price: 1 }, 404],
      ['POST', '/api/admin/orders/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T/status', { status: 'shipped' }, 404],
      ['POST', '/api/admin/orders/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T/status', { status: 'teleported' }, 400],
    ])('%s %s %j → %i', async (method, path, body, status) => {
      const variant = shop.catalog.variantIds[0]!;
      const fill = (x: string) => x.replace(/CATEGORY/g, categoryId).replace(/VARIANT/g, variant);
      const before = await counts();
      const r = await admin.request(method, fill(path), { json: JSON.parse(fill(JSON.stringify(body))) });
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ statusCode: status, message: expect.any(String) });
      expect(await counts()).toEqual(before);
    });
  });

  it('seed stock gives another DC its allocation rows once: a variant an admin adds later gets none at the next start', async () => {
    const pool = shop.app.get(OrderDataSourceRouter).local;
    const rowsOfB = async () => Number((await one(db.rootQuery<{ n: number }>("SELECT COUNT(*) AS n FROM stock_allocation WHERE dc = 'b'"))).n);
    const { n: variants } = await one(db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM variant'));
    expect(await seedStock(pool, 'b', 1000)).toBe(Number(variants));
    expect(await rowsOfB()).toBe(Number(variants));
    const made = await admin.post('/api/admin/products', product('seeded-later'));
    expect(made.status).toBe(201);
    // the next `regionctl up` runs it again: before, the new variants got 1,000 units in DC b each time
    expect(await seedStock(pool, 'b', 1000)).toBe(0);
    expect(await rowsOfB()).toBe(Number(variants));
    expect(await db.rootQuery('SELECT dc, available FROM stock_allocation WHERE variant_id = ?', [made.body.variantIds[0]])).toEqual([{ dc: 'a', available: 5 }]);
  });

  it('a stock change never overwrites a sale made since the admin read the stock: a delta adds to it, a compare-and-set is refused', async () => {
    const { body } = await admin.post('/api/admin/products', product('raced'));
    const [small] = body.variantIds;
    const read = Number((await admin.get(`/api/admin/variants/${small}/stock`)).body.allocations.find((x: { dc: string }) => x.dc === 'a').available);
    expect(read).toBe(5);
    // a shopper buys 2 after the admin read 5
    const s = new Shopper(shop.url);
    expect((await s.post('/api/cart/items', { variantId: small, quantity: 2 })).status).toBe(200);
    expect((await s.post('/api/checkout', { email: 'r@example.com', shippingMethod: 'standard', shippingAddress: ADDRESS },
      { 'Idempotency-Key': 'raced-sale-1' })).status).toBe(201);
    // before, { available: 15 } set 15 and the 2 sold units were counted again
    const set = await admin.put(`/api/admin/variants/${small}/stock`, { available: 15, expected: read });
    expect([set.status, set.body.error, set.body.details]).toEqual([409, 'CONFLICT', { available: 3 }]);
    expect((await admin.put(`/api/admin/variants/${small}/stock`, { delta: 10 })).body.available).toBe(13);
    expect((await admin.put(`/api/admin/variants/${small}/stock`, { available: 20, expected: 13 })).body.available).toBe(20);
    expect((await admin.put(`/api/admin/variants/${small}/stock`, { delta: -21 })).status).toBe(409);
    expect(await db.rootQuery("SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = 'a'", [small])).toEqual([{ available: 20 }]);
  });
});

import * as jwt from 'jsonwebtoken';
import { useShop } from '../support/shop';
import { Shopper } from '../support/client';

describe('the cart: guest and account carts, merge at log-in, bad input (real MariaDB)', () => {
  const t = useShop();

  it('keeps a guest cart in the database behind a signed cookie, with totals', async () => {
    const [v, w] = [await t.make.variant(), await t.make.variant({ price: 2500 })];
    const s = new Shopper(t.shop.url);
    expect((await s.get('/api/cart')).body).toMatchObject({ id: null, lines: [] });
    const a = await s.post('/api/cart/items', { variantId: v.variantId, quantity: 2 });
    expect(a.status).toBe(200);
    expect(s.cookies.has('meridian_cart')).toBe(true);
    await s.post('/api/cart/items', { variantId: v.variantId, quantity: 1 });
    const b = await s.post('/api/cart/items', { variantId: w.variantId, quantity: 1 });
    expect(b.body.lines).toHaveLength(2);
    expect(b.body.lines[0]).toMatchObject({ variantId: v.variantId, quantity: 3 });
    expect(b.body.totalQuantity).toBe(4);
    const totals = b.body.totals;
    const subtotal = b.body.lines.reduce((x: number, l: { lineTotal: number }) => x + l.lineTotal, 0);
    expect(subtotal).toBe(3 * 1000 + 2500);
    expect(totals.subtotal).toBe(subtotal);
    expect(totals.tax).toBe(Math.round(subtotal * 0.2));
    expect(totals.shipping).toBe(500);
    expect(totals.total).toBe(totals.subtotal + totals.tax + totals.shipping);
    const rows = await t.db.rootQuery('SELECT quantity FROM cart_line WHERE cart_id = ? ORDER BY id', [b.body.id]);
    expect(rows).toEqual([{ quantity: 3 }, { quantity: 1 }]);

    expect((await s.patch(`/api/cart/items/${v.variantId}`, { quantity: 5 })).body.lines[0].quantity).toBe(5);
    const same = await s.patch(`/api/cart/items/${v.variantId}`, { quantity: 5 }); // changes no row, but the line exists
    expect(same.status).toBe(200);
    expect(same.body.lines[0].quantity).toBe(5);
    expect((await s.delete(`/api/cart/items/${w.variantId}`)).body.lines).toHaveLength(1);
    const withCode = await s.put('/api/cart/discount', { code: 'welcome10' });
    expect(withCode.status).toBe(200);
    expect(withCode.body.totals.discount).toBe(Math.round(withCode.body.totals.subtotal * 0.1));
    const express = await s.put('/api/cart/shipping-method', { code: 'express' });
    expect(express.body).toMatchObject({ shippingMethod: 'express', totals: { shipping: 1000 } });
  });

  it('merges the guest cart into the account cart at login', async () => {
    const [x, y] = [await t.make.variant(), await t.make.variant()];
    const { email: e } = await t.make.shopper();
    const mine = new Shopper(t.shop.url);
    await mine.post('/api/accounts/login', { email: e, password: 'correct horse battery' });
    await mine.post('/api/cart/items', { variantId: x.variantId, quantity: 1 });
    const guest = new Shopper(t.shop.url);
    await guest.post('/api/cart/items', { variantId: x.variantId, quantity: 2 });
    await guest.post('/api/cart/items', { variantId: y.variantId, quantity: 1 });
    const login = await guest.post('/api/accounts/login', { email: e, password: 'correct horse battery' });
    expect(login.status).toBe(200);
    expect(guest.cookies.has('meridian_cart')).toBe(false);
    const cart = (await guest.get('/api/cart')).body;
    expect(cart.lines.map((l: { variantId: string; quantity: number }) => [l.variantId, l.quantity]))
      .toEqual([[x.variantId, 3], [y.variantId, 1]]);
  });

  it('never shows or changes another shopper\'s cart, and refuses a forged cart cookie', async () => {
    const v = await t.make.variant();
    const a = new Shopper(t.shop.url);
    const cart = (await a.post('/api/cart/items', { variantId: v.variantId, quantity: 1 })).body;
    const forger = new Shopper(t.shop.url);
    const forged = jwt.sign({}, 'not the server secret, but 32 long!!', { subject: cart.id, audience: 'cart', noTimestamp: true });
    forger.cookies.set('meridian_cart', forged);
    const refused = await forger.get('/api/cart');
    expect(refused.status).toBe(401);
    expect(forger.cookies.has('meridian_cart')).toBe(false); // the answer clears the bad cookie
    forger.cookies.set('meridian_cart', forged);
    expect((await forger.post('/api/cart/items', { variantId: v.variantId, quantity: 5 })).status).toBe(401);
    expect(await t.db.rootQuery('SELECT quantity FROM cart_line WHERE cart_id = ?', [cart.id])).toEqual([{ quantity: 1 }]);
  });

  it.each([
    ['POST', '/api/cart/items', { variantId: 'a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T', quantity: 1 }, 404],
    ['POST', '/api/cart/items', { variantId: 'not-an-id', quantity: 1 }, 400],
    ['POST', '/api/cart/items', { variantId: 'VARIANT', quantity: -1 }, 400],
    ['POST', '/api/cart/items', { variantId: 'VARIANT', quantity: 0 }, 400],
    ['POST', '/api/cart/items', { variantId: 'VARIANT', quantity: 1000 }, 400],
    ['POST', '/api/cart/items', { variantId: 'VARIANT', quantity: '2' }, 400],
    ['POST', '/api/cart/items', { variantId: 'VARIANT', quantity: 1.5 }, 400],
    ['POST', '/api/cart/items', [1, 2], 400],
    ['PATCH', '/api/cart/items/VARIANT', { quantity: 2 }, 404],
    ['DELETE', '/api/cart/items/VARIANT', undefined, 404],
    ['PUT', '/api/cart/discount', { code: 'NOPE' }, 404],
    ['PUT', '/api/cart/discount', { code: 'bad code!' }, 400],
    ['PUT', '/api/cart/shipping-method', { code: 'teleport' }, 404],
    ['DELETE', '/api/cart/discount', undefined, 404],
    ['PATCH', '/api/cart/items/VARIANT', { quantity: 0 }, 400],
    ['PATCH', '/api/cart/items/VARIANT', {}, 400],
    ['PATCH', '/api/cart/items/not-an-id', { quantity: 1 }, 400],
  ])('%s %s %j answers %i and writes nothing', async (method, path, body, status) => {
    const s = new Shopper(t.shop.url);
    const fill = (x: unknown) => JSON.parse(JSON.stringify(x ?? null).replace(/VARIANT/g, t.variants[0]!));
    const before = await t.db.rootQuery('SELECT (SELECT COUNT(*) FROM cart) AS carts, (SELECT COUNT(*) FROM cart_line) AS cart_lines');
    const r = await s.request(method, path.replace('VARIANT', t.variants[0]!), body === undefined ? {} : { json: fill(body) });
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ statusCode: status, message: expect.any(String) });
    expect(await t.db.rootQuery('SELECT (SELECT COUNT(*) FROM cart) AS carts, (SELECT COUNT(*) FROM cart_line) AS cart_lines')).toEqual(before);
  });

  it('answers malformed JSON with 400, a body that is not JSON with 415 and a body over 1 MB with 413', async () => {
    const s = new Shopper(t.shop.url);
    const bad = await s.request('POST', '/api/cart/items', { raw: '{"variantId": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/not valid JSON|malformed JSON/);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const other = await s.request('POST', '/api/cart/items', { raw: 'variantId=x&quantity=1', headers: { 'content-type': type } });
      expect([type, other.status, other.body.statusCode]).toEqual([type, 415, 415]);
    }
    const big = await s.request('POST', '/api/cart/items', { raw: JSON.stringify({ variantId: 'x'.repeat(1_100_000), quantity: 1 }) });
    expect(big.status).toBe(413);
    expect(big.body.statusCode).toBe(413);
  });
});

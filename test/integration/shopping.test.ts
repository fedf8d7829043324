import * as jwt from 'jsonwebtoken';
import { startMariaDb, MariaDbServer } from '../support/mariadb';
import { startShop, TestShop } from '../support/shop';
import { ADDRESS, Shopper } from '../support/client';
import { Factory } from '../support/factories';

describe('accounts, cart, checkout and orders (real MariaDB)', () => {
  let db: MariaDbServer;
  let shop: TestShop;
  let variants: string[];
  let make: Factory;
  let n = 0;
  const email = () => `shopper${++n}-${Date.now()}@example.com`;
  const key = () => `key-${n}-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    db = await startMariaDb();
    shop = await startShop(db, { env: { LOGIN_MAX_FAILURES: '3' } });
    variants = shop.catalog.variantIds;
    make = new Factory(shop.url);
  });
  afterAll(async () => {
    await shop?.close();
    await db?.stop();
  });

  async function registered(): Promise<{ s: Shopper; email: string; id: string }> {
    const s = new Shopper(shop.url);
    const e = email();
    const r = await s.post('/api/accounts/register', { email: e, password: 'correct horse battery', name: 'Ada' });
    expect(r.status).toBe(201);
    return { s, email: e, id: r.body.id };
  }

  const stockOf = async (variantId: string) =>
    Number((await db.rootQuery<{ available: number }>('SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = ?', [variantId, 'a']))[0].available);

  describe('accounts', () => {
    it('registers, keeps the session in an httpOnly SameSite cookie, answers me, and logs out for good', async () => {
      const s = new Shopper(shop.url);
      const e = email();
      const r = await s.post('/api/accounts/register', { email: e.toUpperCase(), password: 'correct horse battery', name: 'Ada' });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ email: e, role: 'customer', homeDc: 'a' });
      expect(r.body.id).toMatch(/^a_[0-9A-Z]{26}$/);
      const cookie = r.headers.getSetCookie().find((c) => c.startsWith('meridian_session='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      const row = (await db.rootQuery<{ password_hash: string }>('SELECT password_hash FROM account WHERE email = ?', [e]))[0];
      expect(row.password_hash).toMatch(/^\$argon2id\$/);

      expect((await s.get('/api/accounts/me')).body.email).toBe(e);
      const token = s.cookies.get('meridian_session')!;
      expect((await s.post('/api/accounts/logout')).status).toBe(204);
      expect((await s.get('/api/accounts/me')).status).toBe(401);
      // the old token is revoked server-side, not only forgotten by the browser
      s.cookies.set('meridian_session', token);
      expect((await s.get('/api/accounts/me')).status).toBe(401);
    });

    it('logs in with the right password only, with one answer for wrong password and unknown e-mail', async () => {
      const { email: e } = await registered();
      const s = new Shopper(shop.url);
      const wrong = await s.post('/api/accounts/login', { email: e, password: 'not the password' });
      const unknown = await s.post('/api/accounts/login', { email: `nobody-${e}`, password: 'not the password' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.message).toBe(unknown.body.message);
      const ok = await s.post('/api/accounts/login', { email: e, password: 'correct horse battery' });
      expect(ok.status).toBe(200);
      expect((await s.get('/api/accounts/me')).status).toBe(200);
    });

    it('refuses a second account with the same e-mail and changes nothing', async () => {
      const { email: e } = await registered();
      const r = await new Shopper(shop.url).post('/api/accounts/register', { email: e, password: 'another long password', name: 'Eve' });
      expect(r.status).toBe(409);
      expect((await db.rootQuery('SELECT id FROM account WHERE email = ?', [e])).length).toBe(1);
    });

    it('rate-limits failed log-ins per e-mail with 429 and Retry-After, even for the right password', async () => {
      const { email: e } = await registered();
      const s = new Shopper(shop.url);
      for (let i = 0; i < 3; i++) expect((await s.post('/api/accounts/login', { email: e, password: 'wrong wrong' })).status).toBe(401);
      const limited = await s.post('/api/accounts/login', { email: e, password: 'correct horse battery' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('refuses tampered, expired and forged session tokens', async () => {
      const { s } = await registered();
      const token = s.cookies.get('meridian_session')!;
      const [h, p, sig] = token.split('.');
      const tampered = new Shopper(shop.url);
      tampered.cookies.set('meridian_session', `${h}.${p}.${sig.slice(0, -2)}xx`);
      expect((await tampered.get('/api/accounts/me')).status).toBe(401);
      const claims = jwt.decode(token) as jwt.JwtPayload;
      const expired = new Shopper(shop.url);
      expired.cookies.set('meridian_session', jwt.sign({ sid: claims.sid, home: 'a', exp: Math.floor(Date.now() / 1000) - 10 },
        shop.env.JWT_SECRET, { subject: claims.sub, audience: 'session' }));
      expect((await expired.get('/api/accounts/me')).status).toBe(401);
      const forged = new Shopper(shop.url);
      forged.cookies.set('meridian_session', jwt.sign({ sid: claims.sid, home: 'a' }, 'some other secret of 32 characters!', { subject: claims.sub, audience: 'session' }));
      expect((await forged.get('/api/accounts/me')).status).toBe(401);
    });

    it.each([
      ['register', { email: 'not-an-email', password: 'long enough password', name: 'X' }],
      ['register', { email: 'a@b.co', password: 'short', name: 'X' }],
      ['register', { email: 'a@b.co', password: 'long enough password', name: '' }],
      ['register', { email: 'a@b.co', password: 'long enough password', name: 'X', role: 'admin' }],
      ['register', { email: 42, password: 'long enough password', name: 'X' }],
      ['login', { email: 'a@b.co' }],
      ['login', {}],
    ])('%s with bad input %j answers 400 and creates nothing', async (what, body) => {
      const before = (await db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM account'))[0].n;
      const r = await new Shopper(shop.url).post(`/api/accounts/${what}`, body);
      expect(r.status).toBe(400);
      expect(r.body.statusCode).toBe(400);
      expect((await db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM account'))[0].n).toBe(before);
    });
  });

  describe('cart', () => {
    it('keeps a guest cart in the database behind a signed cookie, with totals', async () => {
      const s = new Shopper(shop.url);
      expect((await s.get('/api/cart')).body).toMatchObject({ id: null, lines: [] });
      const a = await s.post('/api/cart/items', { variantId: variants[0], quantity: 2 });
      expect(a.status).toBe(200);
      expect(s.cookies.has('meridian_cart')).toBe(true);
      await s.post('/api/cart/items', { variantId: variants[0], quantity: 1 });
      const b = await s.post('/api/cart/items', { variantId: variants[4], quantity: 1 });
      expect(b.body.lines).toHaveLength(2);
      expect(b.body.lines[0]).toMatchObject({ variantId: variants[0], quantity: 3 });
      expect(b.body.totalQuantity).toBe(4);
      const t = b.body.totals;
      const subtotal = b.body.lines.reduce((x: number, l: { lineTotal: number }) => x + l.lineTotal, 0);
      expect(t.subtotal).toBe(subtotal);
      expect(t.tax).toBe(Math.round(subtotal * 0.2));
      expect(t.shipping).toBe(500);
      expect(t.total).toBe(t.subtotal + t.tax + t.shipping);
      const rows = await db.rootQuery('SELECT quantity FROM cart_line WHERE cart_id = ? ORDER BY id', [b.body.id]);
      expect(rows).toEqual([{ quantity: 3 }, { quantity: 1 }]);

      expect((await s.patch(`/api/cart/items/${variants[0]}`, { quantity: 5 })).body.lines[0].quantity).toBe(5);
      const same = await s.patch(`/api/cart/items/${variants[0]}`, { quantity: 5 }); // changes no row, but the line exists
      expect(same.status).toBe(200);
      expect(same.body.lines[0].quantity).toBe(5);
      expect((await s.delete(`/api/cart/items/${variants[4]}`)).body.lines).toHaveLength(1);
      const withCode = await s.put('/api/cart/discount', { code: 'welcome10' });
      expect(withCode.status).toBe(200);
      expect(withCode.body.totals.discount).toBe(Math.round(withCode.body.totals.subtotal * 0.1));
      const express = await s.put('/api/cart/shipping-method', { code: 'express' });
      expect(express.body).toMatchObject({ shippingMethod: 'express', totals: { shipping: 1000 } });
    });

    it('merges the guest cart into the account cart at login', async () => {
      const { email: e } = await registered();
      const mine = new Shopper(shop.url);
      await mine.post('/api/accounts/login', { email: e, password: 'correct horse battery' });
      await mine.post('/api/cart/items', { variantId: variants[1], quantity: 1 });
      const guest = new Shopper(shop.url);
      await guest.post('/api/cart/items', { variantId: variants[1], quantity: 2 });
      await guest.post('/api/cart/items', { variantId: variants[2], quantity: 1 });
      const login = await guest.post('/api/accounts/login', { email: e, password: 'correct horse battery' });
      expect(login.status).toBe(200);
      expect(guest.cookies.has('meridian_cart')).toBe(false);
      const cart = (await guest.get('/api/cart')).body;
      expect(cart.lines.map((l: { variantId: string; quantity: number }) => [l.variantId, l.quantity]))
        .toEqual([[variants[1], 3], [variants[2], 1]]);
    });

    it('never shows or changes another shopper\'s cart, and refuses a forged cart cookie', async () => {
      const a = new Shopper(shop.url);
      const cart = (await a.post('/api/cart/items', { variantId: variants[3], quantity: 1 })).body;
      const forger = new Shopper(shop.url);
      const forged = jwt.sign({}, 'not the server secret, but 32 long!!', { subject: cart.id, audience: 'cart', noTimestamp: true });
      forger.cookies.set('meridian_cart', forged);
      const refused = await forger.get('/api/cart');
      expect(refused.status).toBe(401);
      expect(forger.cookies.has('meridian_cart')).toBe(false); // the answer clears the bad cookie
      forger.cookies.set('meridian_cart', forged);
      expect((await forger.post('/api/cart/items', { variantId: variants[3], quantity: 5 })).status).toBe(401);
      expect(await db.rootQuery('SELECT quantity FROM cart_line WHERE cart_id = ?', [cart.id])).toEqual([{ quantity: 1 }]);
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
      const s = new Shopper(shop.url);
      const fill = (x: unknown) => JSON.parse(JSON.stringify(x ?? null).replace(/VARIANT/g, variants[5]));
      const before = await db.rootQuery('SELECT (SELECT COUNT(*) FROM cart) AS carts, (SELECT COUNT(*) FROM cart_line) AS cart_lines');
      const r = await s.request(method, path.replace('VARIANT', variants[5]), body === undefined ? {} : { json: fill(body) });
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ statusCode: status, message: expect.any(String) });
      expect(await db.rootQuery('SELECT (SELECT COUNT(*) FROM cart) AS carts, (SELECT COUNT(*) FROM cart_line) AS cart_lines')).toEqual(before);
    });

    it('answers malformed JSON with 400, a body that is not JSON with 415 and a body over 1 MB with 413', async () => {
      const s = new Shopper(shop.url);
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

  describe('checkout', () => {
    it('places a guest order: confirmation, stock taken from this DC, cart closed', async () => {
      const [x, y] = [await make.variant({ stock: 5 }), await make.variant({ stock: 7 })];
      const s = await make.guestWithCart([[x, 2], [y, 1]]);
      const r = await s.post('/api/checkout', { email: 'guest@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ status: 'placed', email: 'guest@example.com', placedDc: 'a', shippingMethod: 'standard' });
      expect(r.body.number).toMatch(/^A-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
      expect(r.body.id).toMatch(/^a_/);
      expect(r.body.lines.map((l: { quantity: number }) => l.quantity)).toEqual([2, 1]);
      expect(r.body.totals.total).toBe(r.body.totals.subtotal + r.body.totals.tax + r.body.totals.shipping - r.body.totals.discount);
      expect([await stockOf(x.variantId), await stockOf(y.variantId)]).toEqual([3, 6]);
      expect((await db.rootQuery<{ status: string }>('SELECT status FROM cart WHERE id = (SELECT cart_id FROM orders WHERE id = ?)', [r.body.id]))[0].status).toBe('ordered');
      // the guest follows the order with the same cookie; the next item starts a new cart
      expect((await s.get(`/api/orders/${r.body.id}`)).body.history).toEqual([expect.objectContaining({ from: null, to: 'placed' })]);
      expect((await s.get('/api/cart')).body.id).toBeNull();
    });

    it('the same Idempotency-Key returns the same order and never makes a second, also under concurrent retries', async () => {
      const v = await make.variant({ stock: 4 });
      const s = await make.guestWithCart([[v, 1]]);
      const k = key();
      const body = { email: 'retry@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' };
      const answers = await Promise.all(Array.from({ length: 8 }, () => s.post('/api/checkout', body, { 'Idempotency-Key': k })));
      const ids = new Set(answers.map((a) => a.body.id));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(ids.size).toBe(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
      const later = await s.post('/api/checkout', body, { 'Idempotency-Key': k });
      expect(later.status).toBe(200);
      expect(later.body.id).toBe([...ids][0]);
      expect((await db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE email = ?', ['retry@example.com']))[0].n).toBe(1);
      expect(await stockOf(v.variantId)).toBe(3);
      const other = await s.post('/api/checkout', { ...body, email: 'someone-else@example.com' }, { 'Idempotency-Key': k });
      expect(other.status).toBe(422);
    });

    it('answers 409 naming the lines when this DC lacks stock, and takes nothing', async () => {
      const [short, enough] = [await make.variant({ stock: 1 }), await make.variant({ stock: 6 })];
      const s = await make.guestWithCart([[short, 2], [enough, 1]]);
      const r = await s.post('/api/checkout', { email: 'short@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
      expect(r.status).toBe(409);
      expect(r.body.error).toBe('OUT_OF_STOCK');
      expect(r.body.details.lines).toEqual([{ variantId: short.variantId, sku: short.sku, requested: 2, available: 1 }]);
      expect(await stockOf(short.variantId)).toBe(1);
      expect(await stockOf(enough.variantId)).toBe(6);
      expect((await db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE email = ?', ['short@example.com']))[0].n).toBe(0);
      expect((await s.get('/api/cart')).body.lines).toHaveLength(2);
    });

    it('never sells the last unit twice when two shoppers race for it', async () => {
      const last = await make.variant({ stock: 1 });
      const shoppers = await Promise.all(Array.from({ length: 6 }, () => make.guestWithCart([[last, 1]])));
      const answers = await Promise.all(shoppers.map((s, i) => s.post('/api/checkout',
        { email: `race${i}@example.com`, shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() })));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      expect(await stockOf(last.variantId)).toBe(0);
    });

    it('an account checks out its own cart, follows its orders ongoing first, pays and cannot skip states', async () => {
      const { s, email: e } = await registered();
      await s.post('/api/cart/items', { variantId: variants[12], quantity: 1 });
      const first = await s.post('/api/checkout', { shippingAddress: ADDRESS, shippingMethod: 'express' }, { 'Idempotency-Key': key() });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ email: e, totals: { shipping: 1000 } });
      await s.post('/api/cart/items', { variantId: variants[13], quantity: 1 });
      const second = await s.post('/api/checkout', { shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
      expect((await s.post(`/api/orders/${second.body.id}/cancel`, {})).body.status).toBe('cancelled');

      const paid = await s.post(`/api/orders/${first.body.id}/payment`, {});
      expect(paid.status).toBe(200);
      expect(paid.body.status).toBe('paid');
      expect((await s.post(`/api/orders/${first.body.id}/payment`, {})).status).toBe(409);
      expect((await s.post(`/api/orders/${second.body.id}/payment`, {})).status).toBe(409);

      const mine = await s.get('/api/orders');
      expect(mine.body.items.map((o: { id: string }) => o.id)).toEqual([first.body.id, second.body.id]);
      const detail = await s.get(`/api/orders/${first.body.id}`);
      expect(detail.body.history.map((h: { to: string }) => h.to)).toEqual(['placed', 'payment_pending', 'paid']);
    });

    it('cancelling gives the stock back to this DC', async () => {
      const v = await make.variant({ stock: 8 });
      const s = await make.guestWithCart([[v, 3]]);
      const o = await s.post('/api/checkout', { email: 'cancel@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
      expect(await stockOf(v.variantId)).toBe(5);
      expect((await s.post(`/api/orders/${o.body.id}/cancel`, {})).status).toBe(200);
      expect(await stockOf(v.variantId)).toBe(8);
      expect((await s.post(`/api/orders/${o.body.id}/cancel`, {})).status).toBe(409);
    });

    it('other shoppers see 404 for orders that are not theirs and cannot pay or cancel them', async () => {
      const owner = await make.guestWithCart([[await make.variant(), 1]]);
      const o = await owner.post('/api/checkout', { email: 'mine@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
      const { s: stranger } = await registered();
      expect((await stranger.get(`/api/orders/${o.body.id}`)).status).toBe(404);
      expect((await stranger.post(`/api/orders/${o.body.id}/payment`, {})).status).toBe(404);
      expect((await new Shopper(shop.url).post(`/api/orders/${o.body.id}/cancel`, {})).status).toBe(404);
      expect((await db.rootQuery<{ status: string }>('SELECT status FROM orders WHERE id = ?', [o.body.id]))[0].status).toBe('placed');
    });

    it.each([
      ['no Idempotency-Key', {}, { email: 'x@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, 400],
      ['a short key', { 'Idempotency-Key': 'k' }, { email: 'x@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, 400],
      ['no e-mail for a guest', { 'Idempotency-Key': 'key-no-email-1' }, { shippingAddress: ADDRESS, shippingMethod: 'standard' }, 400],
      ['a bad country code', { 'Idempotency-Key': 'key-bad-country' }, { email: 'x@example.com', shippingAddress: { ...ADDRESS, countryCode: 'Britain' }, shippingMethod: 'standard' }, 400],
      ['a missing address', { 'Idempotency-Key': 'key-no-address' }, { email: 'x@example.com', shippingMethod: 'standard' }, 400],
      ['an unknown shipping method', { 'Idempotency-Key': 'key-unknown-ship' }, { email: 'x@example.com', shippingAddress: ADDRESS, shippingMethod: 'teleport' }, 404],
      ['an extra field', { 'Idempotency-Key': 'key-extra-field' }, { email: 'x@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard', total: 1 }, 400],
    ])('checkout with %s answers %#', async (_what, headers, body, status) => {
      const v = await make.variant({ stock: 3 });
      const s = await make.guestWithCart([[v, 1]]);
      const r = await s.post('/api/checkout', body, headers as Record<string, string>);
      expect(r.status).toBe(status);
      expect(r.body.statusCode).toBe(status);
      expect(await stockOf(v.variantId)).toBe(3);
      expect((await db.rootQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM orders WHERE email = 'x@example.com'`))[0].n).toBe(0);
    });

    it('checkout without a cart answers 404, with an empty cart 409', async () => {
      expect((await new Shopper(shop.url).post('/api/checkout', { email: 'x@example.com', shippingAddress: ADDRESS }, { 'Idempotency-Key': key() })).status).toBe(404);
      const { s } = await registered();
      await s.post('/api/cart/items', { variantId: variants[17], quantity: 1 });
      await s.delete(`/api/cart/items/${variants[17]}`);
      const r = await s.post('/api/checkout', { shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
      expect(r.status).toBe(409);
      expect(r.body.error).toBe('CART_EMPTY');
    });

    it('refuses bad paging of my orders, and a tampered cookie at logout', async () => {
      const { s } = await registered();
      for (const q of ['page=0', 'pageSize=1000', 'page=x', 'sort=name']) {
        const r = await s.get(`/api/orders?${q}`);
        expect(r.status).toBe(400);
        expect(r.body.statusCode).toBe(400);
      }
      const token = s.cookies.get('meridian_session')!;
      s.cookies.set('meridian_session', `${token.slice(0, -3)}abc`);
      expect((await s.post('/api/accounts/logout')).status).toBe(401);
      s.cookies.set('meridian_session', token);
      expect((await s.get('/api/accounts/me')).status).toBe(200); // the tampered logout revoked nothing
    });

    it.each([
      ['GET', '/api/orders', 401],
      ['GET', '/api/orders/not-an-id', 400],
      ['GET', '/api/orders/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T', 404],
      ['POST', '/api/orders/a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T/payment', 404],
    ])('%s %s answers %i', async (method, path, status) => {
      const r = await new Shopper(shop.url).request(method, path, method === 'POST' ? { json: {} } : {});
      expect(r.status).toBe(status);
      expect(r.body.statusCode).toBe(status);
    });
  });
});

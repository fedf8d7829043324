import { useShop } from '../support/shop';
import { ADDRESS, Shopper } from '../support/client';
import { one } from '../support/rows';

describe('checkout and orders (real MariaDB)', () => {
  const t = useShop();
  let n = 0;
  const key = () => `key-${++n}-${Math.random().toString(36).slice(2)}`;
  /** this DC's allocation of a variant, as its database has it */
  const stockOf = async (variantId: string) => {
    const r = await one(t.db.rootQuery<{ available: number }>('SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = ?', [variantId, 'a']));
    return Number(r?.available);
  };

  it('places a guest order: confirmation, stock taken from this DC, cart closed', async () => {
    const [x, y] = [await t.make.variant({ stock: 5 }), await t.make.variant({ stock: 7 })];
    const s = await t.make.guestWithCart([[x, 2], [y, 1]]);
    const r = await s.post('/api/checkout', { email: 'guest@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'placed', email: 'guest@example.com', placedDc: 'a', shippingMethod: 'standard' });
    expect(r.body.number).toMatch(/^A-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    expect(r.body.id).toMatch(/^a_/);
    expect(r.body.lines.map((l: { quantity: number }) => l.quantity)).toEqual([2, 1]);
    expect(r.body.totals.total).toBe(r.body.totals.subtotal + r.body.totals.tax + r.body.totals.shipping - r.body.totals.discount);
    expect([await stockOf(x.variantId), await stockOf(y.variantId)]).toEqual([3, 6]);
    expect((await one(t.db.rootQuery<{ status: string }>('SELECT status FROM cart WHERE id = (SELECT cart_id FROM orders WHERE id = ?)', [r.body.id]))).status).toBe('ordered');
    // the guest follows the order with the same cookie; the next item starts a new cart
    expect((await s.get(`/api/orders/${r.body.id}`)).body.history).toEqual([expect.objectContaining({ from: null, to: 'placed' })]);
    expect((await s.get('/api/cart')).body.id).toBeNull();
  });

  it('the same Idempotency-Key returns the same order and never makes a second, also under concurrent retries', async () => {
    const v = await t.make.variant({ stock: 4 });
    const s = await t.make.guestWithCart([[v, 1]]);
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
    expect((await one(t.db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE email = ?', ['retry@example.com']))).n).toBe(1);
    expect(await stockOf(v.variantId)).toBe(3);
    const other = await s.post('/api/checkout', { ...body, email: 'someone-else@example.com' }, { 'Idempotency-Key': k });
    expect(other.status).toBe(422);
  });

  it('answers 409 naming the lines when this DC lacks stock, and takes nothing', async () => {
    const [short, enough] = [await t.make.variant({ stock: 1 }), await t.make.variant({ stock: 6 })];
    const s = await t.make.guestWithCart([[short, 2], [enough, 1]]);
    const r = await s.post('/api/checkout', { email: 'short@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe('OUT_OF_STOCK');
    expect(r.body.details.lines).toEqual([{ variantId: short.variantId, sku: short.sku, requested: 2, available: 1 }]);
    expect(await stockOf(short.variantId)).toBe(1);
    expect(await stockOf(enough.variantId)).toBe(6);
    expect((await one(t.db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE email = ?', ['short@example.com']))).n).toBe(0);
    expect((await s.get('/api/cart')).body.lines).toHaveLength(2);
  });

  it('never sells the last unit twice when two shoppers race for it', async () => {
    const last = await t.make.variant({ stock: 1 });
    const shoppers = await Promise.all(Array.from({ length: 6 }, () => t.make.guestWithCart([[last, 1]])));
    const answers = await Promise.all(shoppers.map((s, i) => s.post('/api/checkout',
      { email: `race${i}@example.com`, shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await stockOf(last.variantId)).toBe(0);
  });

  it('an account checks out its own cart, follows its orders ongoing first, pays and cannot skip states', async () => {
    const [v, w] = [await t.make.variant(), await t.make.variant()];
    const { s, email: e } = await t.make.shopper();
    await s.post('/api/cart/items', { variantId: v.variantId, quantity: 1 });
    const first = await s.post('/api/checkout', { shippingAddress: ADDRESS, shippingMethod: 'express' }, { 'Idempotency-Key': key() });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ email: e, totals: { shipping: 1000 } });
    await s.post('/api/cart/items', { variantId: w.variantId, quantity: 1 });
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
    const v = await t.make.variant({ stock: 8 });
    const s = await t.make.guestWithCart([[v, 3]]);
    const o = await s.post('/api/checkout', { email: 'cancel@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
    expect(await stockOf(v.variantId)).toBe(5);
    expect((await s.post(`/api/orders/${o.body.id}/cancel`, {})).status).toBe(200);
    expect(await stockOf(v.variantId)).toBe(8);
    expect((await s.post(`/api/orders/${o.body.id}/cancel`, {})).status).toBe(409);
  });

  it('other shoppers see 404 for orders that are not theirs and cannot pay or cancel them', async () => {
    const owner = await t.make.guestWithCart([[await t.make.variant(), 1]]);
    const o = await owner.post('/api/checkout', { email: 'mine@example.com', shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
    const { s: stranger } = await t.make.shopper();
    expect((await stranger.get(`/api/orders/${o.body.id}`)).status).toBe(404);
    expect((await stranger.post(`/api/orders/${o.body.id}/payment`, {})).status).toBe(404);
    expect((await new Shopper(t.shop.url).post(`/api/orders/${o.body.id}/cancel`, {})).status).toBe(404);
    expect((await one(t.db.rootQuery<{ status: string }>('SELECT status FROM orders WHERE id = ?', [o.body.id]))).status).toBe('placed');
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
    const v = await t.make.variant({ stock: 3 });
    const s = await t.make.guestWithCart([[v, 1]]);
    const r = await s.post('/api/checkout', body, headers as Record<string, string>);
    expect(r.status).toBe(status);
    expect(r.body.statusCode).toBe(status);
    expect(await stockOf(v.variantId)).toBe(3);
    expect((await one(t.db.rootQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM orders WHERE email = 'x@example.com'`))).n).toBe(0);
  });

  it('checkout without a cart answers 404, with an empty cart 409', async () => {
    expect((await new Shopper(t.shop.url).post('/api/checkout', { email: 'x@example.com', shippingAddress: ADDRESS }, { 'Idempotency-Key': key() })).status).toBe(404);
    const [{ s }, v] = [await t.make.shopper(), await t.make.variant()];
    await s.post('/api/cart/items', { variantId: v.variantId, quantity: 1 });
    await s.delete(`/api/cart/items/${v.variantId}`);
    const r = await s.post('/api/checkout', { shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'Idempotency-Key': key() });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe('CART_EMPTY');
  });

  it('refuses bad paging of my orders, and a tampered cookie at logout', async () => {
    const { s } = await t.make.shopper();
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
    const r = await new Shopper(t.shop.url).request(method, path, method === 'POST' ? { json: {} } : {});
    expect(r.status).toBe(status);
    expect(r.body.statusCode).toBe(status);
  });
});

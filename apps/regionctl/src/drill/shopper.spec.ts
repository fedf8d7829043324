import { OperationRecord } from './history';
import { seededRandom } from './random';
import { ShopAnswer } from './shop-client';
import { DEFAULT_MIX, Shopper } from './shopper';

/** A shop in memory, as plain as the shopper needs: one product, a cart, checkout; and faults to script. */
class FakeShop {
  lines = new Map<string, number>();
  orders = new Map<string, { id: string; key: string }>();
  /** answers to give instead, by "METHOD path", once each, in order */
  faults = new Map<string, ShopAnswer[]>();
  /** the cart forgets its lines when looked at next (a lost write) */
  forget = false;
  /** the next look at the cart does not show its lines, which are still there (a stale replica) */
  hide = false;
  calls: string[] = [];

  async call<T>(address: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ShopAnswer<T>> {
    const route = `${method} ${path.split('?')[0]}`;
    this.calls.push(`${route} at ${address}`);
    const scripted = this.faults.get(route)?.shift();
    if (scripted) return scripted as ShopAnswer<T>;
    const ok = (b: unknown, status = 200) => ({ status, body: b as T, outcome: 'ok', latencyMs: 1 });
    if (route === 'GET /api/products') return ok({ items: [{ slug: 'tee', name: 'Plain Tee', variants: [{ id: 'a_V1', stockStatus: 'in_stock' }] }] });
    if (route === 'GET /api/products/tee') return ok({});
    if (route === 'POST /api/accounts/register' || route === 'POST /api/accounts/login') return ok({ id: 'a_ACC', homeDc: 'a', homeEpoch: 1 }, 201);
    if (route === 'POST /api/accounts/logout') return ok(undefined, 204);
    if (route === 'POST /api/cart/items') {
      const b = body as { variantId: string; quantity: number };
      this.lines.set(b.variantId, (this.lines.get(b.variantId) ?? 0) + b.quantity);
      return ok({}, 201);
    }
    if (route === 'GET /api/cart') {
      if (this.forget) this.lines.clear();
      const hidden = this.hide;
      this.forget = false;
      this.hide = false;
      return ok({ lines: hidden ? [] : [...this.lines].map(([variantId, quantity]) => ({ variantId, quantity })) });
    }
    if (route === 'POST /api/checkout') {
      const key = headers['Idempotency-Key']!;
      const o = this.orders.get(key) ?? { id: `a_O${this.orders.size + 1}`, key };
      this.orders.set(key, o);
      const lines = [...this.lines].map(([variantId, quantity]) => ({ variantId, quantity, lineTotal: 100 * quantity }));
      this.lines.clear();
      return ok({ id: o.id, number: `A-${o.id}`, totals: { total: lines.reduce((s, l) => s + l.lineTotal, 0) }, lines }, 201);
    }
    return ok({});
  }

  close(): void {}
}

/** A shopper over the fake shop that stops after `n` records; it checks out on every visit. */
async function shop(fake: FakeShop, n: number, kind: 'guest' | 'account' = 'account', traveller = false): Promise<OperationRecord[]> {
  const records: OperationRecord[] = [];
  const sut: Shopper = new Shopper({
    ...(traveller ? { registeredVia: { resolve: async () => ({ address: '127.0.2.1', ttl: 5, cached: false }) } } : {}),
    id: 'a1', region: 'a', kind, runId: 'test', mix: { ...DEFAULT_MIX, thinkMs: 0, search: 0, checkout: 1, relogin: 0, checkoutPatienceMs: 5000 },
    resolver: { resolve: async () => ({ address: '127.0.1.1', ttl: 5, cached: true }) }, client: fake, dcOf: (x) => (x === '127.0.1.1' ? 'a' : 'b'),
    random: seededRandom(1),
    record: (r) => { records.push(r); if (records.length >= n) sut.stop(); },
  });
  await sut.run();
  return records;
}

const unavailable: ShopAnswer = { status: 503, outcome: 'http-503 UNAVAILABLE', latencyMs: 1 };

describe('Shopper: what a simulated shopper does and finds', () => {
  it('registers, browses, adds to its cart, checks out and follows the order, recording each step with its account and home', async () => {
    const records = await shop(new FakeShop(), 8);
    expect(records.map((r) => r.op)).toEqual(['register', 'browse', 'product', 'add', 'cart', 'checkout', 'order', 'orders']);
    expect(records[0]).toMatchObject({ shopper: 'a1', region: 'a', kind: 'account', dc: 'a', outcome: 'ok', account: 'a_ACC', home: { dc: 'a', epoch: 1 } });
    expect(records[5]).toMatchObject({ op: 'checkout', outcome: 'ok', key: 'drill-test-a1-1', order: { id: 'a_O1', number: 'A-a_O1' } });
  });

  it('a traveller registers through the resolver of the region it was in, then shops through its own', async () => {
    const fake = new FakeShop();
    const records = await shop(fake, 3, 'account', true);
    expect(fake.calls.slice(0, 3)).toEqual(['POST /api/accounts/register at 127.0.2.1', 'GET /api/products at 127.0.1.1', 'GET /api/products/tee at 127.0.1.1']);
    expect(records.map((r) => `${r.op} ${r.dc}`)).toEqual(['register b', 'browse a', 'product a']);
  });

  it('a cart line it was told was added and does not see is line-missing; checked out without it, line-lost', async () => {
    const fake = new FakeShop();
    fake.forget = true;
    const records = await shop(fake, 7);
    expect(records.slice(4).map((r) => `${r.op} ${r.outcome}`)).toEqual(['cart line-missing', 'checkout ok', 'cart line-lost']);
    expect(records[4]!.detail).toMatch(/^a_V1 x\d \(cart has 0\)$/);
    expect(records[6]!.detail).toMatch(/^checked out order A-a_O1 without lines it was told were added: a_V1 x\d$/);
  });

  it('a line missing from one look at the cart that the checkout has is no loss; one still missing when the shopper stops is', async () => {
    const stale = new FakeShop();
    stale.hide = true;
    expect((await shop(stale, 7)).slice(4, 7).map((r) => `${r.op} ${r.outcome}`)).toEqual(['cart line-missing', 'checkout ok', 'order ok']);
    const gone = new FakeShop();
    gone.forget = true;
    const records = await shop(gone, 5);
    expect(records.map((r) => `${r.op} ${r.outcome}`).slice(4)).toEqual(['cart line-missing', 'cart line-lost']);
    expect(records[5]!.detail).toMatch(/^still missing when the shopper stopped/);
  });

  it('a session refused (401) is logged-out, and the shopper logs in again', async () => {
    const fake = new FakeShop();
    fake.faults.set('GET /api/products', [{ status: 401, outcome: 'http-401 UNAUTHENTICATED', latencyMs: 1 }]);
    const records = await shop(fake, 3);
    expect(records.map((r) => `${r.op} ${r.outcome}`)).toEqual(['register ok', 'browse logged-out', 'login ok']);
    // a guest has no session to lose
    const guest = new FakeShop();
    guest.faults.set('GET /api/products', [{ status: 401, outcome: 'http-401 UNAUTHENTICATED', latencyMs: 1 }]);
    expect((await shop(guest, 2, 'guest')).map((r) => `${r.op} ${r.outcome}`)).toEqual(['browse http-401 UNAUTHENTICATED', 'browse ok']);
  });

  it('repeats a checkout that failed with the same Idempotency-Key until it is confirmed; one that is refused for good is not repeated', async () => {
    const fake = new FakeShop();
    fake.faults.set('POST /api/checkout', [unavailable, { outcome: 'timeout', latencyMs: 5000 }]);
    const checkouts = (await shop(fake, 8)).filter((r) => r.op === 'checkout');
    expect(checkouts.map((r) => r.outcome)).toEqual(['http-503 UNAVAILABLE', 'timeout', 'ok']);
    expect(new Set(checkouts.map((r) => r.key))).toEqual(new Set(['drill-test-a1-1']));
    expect(fake.orders.size).toBe(1);

    const refused = new FakeShop();
    refused.faults.set('POST /api/checkout', [{ status: 409, outcome: 'http-409 OUT_OF_STOCK', latencyMs: 1 }]);
    const records = await shop(refused, 12);
    expect(records.filter((r) => r.op === 'checkout').map((r) => `${r.outcome} ${r.key}`).slice(0, 2)).toEqual(['http-409 OUT_OF_STOCK drill-test-a1-1', 'ok drill-test-a1-2']);
  });
});

import { AppLogger } from '../../apps/commerce-api/src/observability/logger';
import { createApp } from '../../apps/commerce-api/src/bootstrap';
import { startMariaDb, MariaDbServer } from '../support/mariadb';
import { ADMIN, startShop, TestShop } from '../support/shop';
import { Shopper } from '../support/client';
import { one } from '../support/rows';

/** What a stranger or a buggy client can send: every answer is a 4xx problem, never a 500, and nothing changes. */
describe('bad input never answers 500 (real MariaDB)', () => {
  let db: MariaDbServer;
  let shop: TestShop;

  beforeAll(async () => {
    db = await startMariaDb();
    shop = await startShop(db);
  });
  afterAll(async () => {
    await shop?.close();
    await db?.stop();
  });

  const TABLES = ['account', 'session', 'cart', 'cart_line', 'orders', 'idempotency_key', 'product', 'variant', 'category',
    'discount', 'shipping_method', 'stock_allocation', 'stock_transfer'];
  const counts = async () => db.rootQuery(`SELECT ${TABLES.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(', ')}`);

  async function admin(): Promise<Shopper> {
    const s = new Shopper(shop.url);
    expect((await s.post('/api/accounts/login', ADMIN)).status).toBe(200);
    return s;
  }

  /** Every operation of the OpenAPI document that takes a JSON body, its path parameters filled with an id. */
  async function operationsWithBody(): Promise<[string, string][]> {
    const doc = (await new Shopper(shop.url).get('/api/docs/openapi.json')).body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const id = shop.catalog.variantIds[0]!;
    return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops)
      .filter(([, op]) => op.requestBody)
      .map(([method, _]): [string, string] => [method.toUpperCase(), path.replace(/\{[^}]+\}/g, id)]));
  }

  it('answers 400 to a body of 5,000 nested arrays on every operation that takes a JSON body, admin ones included', async () => {
    const s = await admin();
    const ops = await operationsWithBody();
    expect(ops.length).toBeGreaterThanOrEqual(15);
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const before = await counts();
    const answers: string[] = [];
    for (const [method, path] of ops) {
      for (const raw of [deep, `{"name": ${deep}}`]) {
        const r = await s.request(method, path, { raw, headers: { 'Idempotency-Key': 'deep-body-key-0001' } });
        answers.push(`${method} ${path} ${r.status} ${r.body?.statusCode}`);
        expect(r.body).toMatchObject({ statusCode: 400, error: 'INVALID_INPUT', message: expect.stringMatching(/nests .* more than 32 levels/) });
      }
    }
    expect(answers.filter((a) => !a.endsWith('400 400'))).toEqual([]);
    expect(await counts()).toEqual(before);
    // a body that nests within the bound still reaches the validation, which names the field
    const ok = await s.post('/api/cart/items', { variantId: [[[[1]]]], quantity: 1 });
    expect(ok.status).toBe(400);
    expect(ok.body.message).toMatch(/variantId/);
  });

  it('registers 300 shoppers at once, every one 201: concurrent sign-ups do not deadlock (before: 16 of 300 answered 500)', async () => {
    const stamp = Date.now().toString(36);
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      new Shopper(shop.url).post('/api/accounts/register', { email: `rush-${stamp}-${i}@example.com`, password: 'correct horse battery', name: `Rush ${i}` })));
    const byStatus = answers.reduce<Record<number, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {});
    expect(byStatus).toEqual({ 201: 300 });
    const { n } = await one(db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM account WHERE email LIKE ?', [`rush-${stamp}-%`]));
    expect(Number(n)).toBe(300);
  });

  it('builds an OpenAPI document without a duplicate schema name (Nest warns and one schema silently wins)', async () => {
    const warnings: string[] = [];
    class Recording extends AppLogger {
      override warn(message: string, meta?: Record<string, unknown>): void {
        warnings.push(String(message));
        super.warn(message, meta);
      }
    }
    const app = await createApp(shop.env, new Recording(shop.env.DC_ID, 'error'));
    await app.close();
    expect(warnings.filter((w) => /duplicate/i.test(w))).toEqual([]);
  });
});

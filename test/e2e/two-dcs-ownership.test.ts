import { newId } from '@meridian/dc';
import { MariaDbNode } from '../../apps/regionctl/src/db/mariadb-node';
import { RetentionSweeper } from '../../apps/commerce-api/src/retention/retention-sweeper';
import { PasswordHasher } from '../../apps/commerce-api/src/accounts/password-hasher';
import { registerAt, useTwoDcs } from '../support/two-dcs';
import { ADDRESS, Shopper } from '../support/client';
import { one } from '../support/rows';

describe('two DCs: each row written by its owner; keys taken at two DCs at once', () => {
  const { nodes, links, apps, url, caughtUp, replicationHealthy, variants, variantIds } = useTwoDcs();

  const registerInA = (email: string) => registerAt(url.a, email);

  it('one e-mail registered at a and b within one replication lag: replication keeps running, and the earlier registration owns the address in both DCs', async () => {
    const email = 'raced@example.com';
    await Promise.all([nodes.a.rootQuery("STOP SLAVE 'from_b'"), nodes.b.rootQuery("STOP SLAVE 'from_a'")]);
    let first: string;
    try {
      const atA = await new Shopper(url.a).post('/api/accounts/register', { email, password: 'password of a', name: 'A' });
      const atB = await new Shopper(url.b).post('/api/accounts/register', { email, password: 'password of b', name: 'B' });
      expect([atA.status, atB.status]).toEqual([201, 201]); // neither DC could know of the other
      first = atA.body.id;
    } finally {
      await Promise.all([nodes.a.rootQuery("START SLAVE 'from_b'"), nodes.b.rootQuery("START SLAVE 'from_a'")]);
    }
    await caughtUp();
    for (const db of [nodes.a, nodes.b]) {
      const status = await one(db.rootQuery<Record<string, unknown>>('SHOW ALL SLAVES STATUS'));
      expect([status.Slave_SQL_Running, status.Last_SQL_Errno]).toEqual(['Yes', 0]);
      expect(await db.rootQuery('SELECT COUNT(*) AS n FROM meridian.account WHERE email = ?', [email])).toEqual([{ n: 2 }]);
    }
    for (const dc of ['a', 'b'] as const) {
      const won = await new Shopper(url[dc]).post('/api/accounts/login', { email, password: 'password of a' });
      expect([dc, won.status, won.body.id]).toEqual([dc, 200, first!]);
      expect((await new Shopper(url[dc]).post('/api/accounts/login', { email, password: 'password of b' })).status).toBe(401);
      // and a third registration anywhere is refused
      const again = await new Shopper(url[dc]).post('/api/accounts/register', { email, password: 'a third password', name: 'C' });
      expect([again.status, again.body.error]).toEqual([409, 'EMAIL_TAKEN']);
    }
  });

  it('old sessions, Idempotency-Keys and failed log-in counts are purged by the database that wrote them, whatever DC made them; replication keeps running', async () => {
    const email = 'purged@example.com';
    await registerInA(email);
    const { id: accountId } = await one(nodes.a.rootQuery<{ id: string }>('SELECT id FROM meridian.account WHERE email = ?', [email]));
    await caughtUp();
    // an account homed in a, logged in at b: both sessions are a's rows (the second one's id is b's)
    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email, password: 'a long password' })).body.homeDc).toBe('a');
    const [variant] = await variantIds(1);
    expect((await atB.post('/api/cart/items', { variantId: variant, quantity: 1 })).status).toBe(200);
    // its checkout at b: the key is written with the order, at the home (a)
    expect((await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'purge-account-1' })).status).toBe(201);
    // a guest's checkout at b: b's key
    const guest = new Shopper(url.b);
    expect((await guest.post('/api/cart/items', { variantId: variant, quantity: 1 })).status).toBe(200);
    expect((await guest.post('/api/checkout', { email: 'purge-guest@example.com', shippingMethod: 'standard', shippingAddress: ADDRESS },
      { 'Idempotency-Key': 'purge-guest-1' })).status).toBe(201);
    // failed log-ins counted at both DCs, each in its own row
    for (const dc of ['a', 'b'] as const) expect((await new Shopper(url[dc]).post('/api/accounts/login', { email: 'purge-nobody@example.com', password: 'wrong password' })).status).toBe(401);
    await caughtUp();

    const rows = (db: MariaDbNode) => db.rootQuery<{ t: string; id: string; w: number }>(
      `SELECT 'session' AS t, s.id, s.written_domain AS w FROM meridian.session s WHERE s.account_id = ?
       UNION ALL SELECT 'key', k.idem_key, k.written_domain FROM meridian.idempotency_key k WHERE k.idem_key IN ('purge-account-1', 'purge-guest-1')
       UNION ALL SELECT 'throttle', t.id, t.written_domain FROM meridian.login_throttle t WHERE t.throttle_key = 'email:purge-nobody@example.com'
       ORDER BY 1, 2`, [accountId]);
    const before = await rows(nodes.a);
    expect(await rows(nodes.b)).toEqual(before);
    const written = (t: string) => before.filter((r) => r.t === t).map((r) => [r.id.slice(0, 2), r.w]).sort();
    expect(written('session')).toEqual([['a_', 1], ['b_', 1]]); // made by a and by b, both written in a (domain 1)
    expect(before.filter((r) => r.t === 'key').map((r) => [r.id, r.w])).toEqual([['purge-account-1', 1], ['purge-guest-1', 2]]);
    expect(written('throttle')).toEqual([['a_', 1], ['b_', 2]]);

    // all of them old enough to go, each aged by the database that wrote it (so the change replicates in order)
    for (const db of [nodes.a, nodes.b]) {
      await db.rootQuery(`UPDATE meridian.session SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 2 DAY WHERE id IN (?) AND written_domain = @@gtid_domain_id;
        UPDATE meridian.idempotency_key SET created_at = UTC_TIMESTAMP(3) - INTERVAL 8 DAY WHERE idem_key IN ('purge-account-1', 'purge-guest-1') AND written_domain = @@gtid_domain_id;
        UPDATE meridian.login_throttle SET window_start = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR WHERE id IN (?) AND written_domain = @@gtid_domain_id`,
      [before.filter((r) => r.t === 'session').map((r) => r.id), before.filter((r) => r.t === 'throttle').map((r) => r.id)]);
    }
    await caughtUp();
    // a session that has not expired stays
    const fresh = new Shopper(url.a);
    expect((await fresh.post('/api/accounts/login', { email, password: 'a long password' })).status).toBe(200);

    // b purges only what b wrote: the guest's key and its own failed-log-in row, not a's rows with b's ids
    const sweep = (i: 0 | 1) => apps[i].get(RetentionSweeper).sweep();
    expect(await sweep(1)).toMatchObject({ session: 0, idempotency_key: 1, login_throttle: 1 });
    await caughtUp();
    const left = (await rows(nodes.a)).map((r) => r.id);
    expect(left).toEqual(expect.arrayContaining(before.filter((r) => r.w === 1).map((r) => r.id)));
    expect(left).not.toContain('purge-guest-1');
    expect(await rows(nodes.b)).toEqual(await rows(nodes.a));

    expect(await sweep(0)).toMatchObject({ session: 2, idempotency_key: 1, login_throttle: 1 });
    expect(await sweep(0)).toMatchObject({ session: 0, idempotency_key: 0, login_throttle: 0 });
    await caughtUp();
    await replicationHealthy();
    for (const db of [nodes.a, nodes.b]) {
      const now = await rows(db);
      expect(now).toHaveLength(1); // the fresh session
      expect(now[0]).toMatchObject({ t: 'session', w: 1 });
    }
    expect((await fresh.get('/api/accounts/me')).status).toBe(200);
    expect((await atB.get('/api/accounts/me')).status).toBe(401); // its session has gone with its expiry
  });

  describe('catalog rows written by their owner DC; slugs, SKUs and codes taken at two DCs at once', () => {
    const admin = async (at: 'a' | 'b') => {
      const s = new Shopper(url[at]);
      expect((await s.post('/api/accounts/login', { email: 'catalog-admin@example.com', password: 'an admin password' })).status).toBe(200);
      return s;
    };
    let categoryId: string;

    beforeAll(async () => {
      await nodes.a.rootQuery("INSERT INTO meridian.account (id, email, password_hash, name, role, home_dc) VALUES (?, 'catalog-admin@example.com', ?, 'Admin', 'admin', 'a')",
        [newId('a'), await new PasswordHasher().hash('an admin password')]);
      ({ id: categoryId } = await one(nodes.a.rootQuery<{ id: string }>('SELECT id FROM meridian.category ORDER BY id LIMIT 1')));
      await caughtUp();
    });

    it('a change made at b to a product of a is written in a\'s database, and b answers once its replica has it', async () => {
      const atB = await admin('b');
      const [theirs] = await variants(1);
      const product = { id: theirs.productId, slug: theirs.slug, name: theirs.name };
      expect(product.id.startsWith('a_')).toBe(true);
      await caughtUp();
      await nodes.b.rootQuery("STOP SLAVE 'from_a'");
      try {
        const renamed = await atB.request('PATCH', `/api/admin/products/${product.id}`, { json: { name: 'Renamed at b' } });
        expect(renamed.status).toBe(204);
        // a's database has it; b's has it only by replication, which is stopped
        expect(await nodes.a.rootQuery('SELECT name FROM meridian.product WHERE id = ?', [product.id])).toEqual([{ name: 'Renamed at b' }]);
        expect(await nodes.b.rootQuery('SELECT name FROM meridian.product WHERE id = ?', [product.id])).toEqual([{ name: product.name }]);
      } finally {
        await nodes.b.rootQuery("START SLAVE 'from_a'");
      }
      await caughtUp();
      expect((await new Shopper(url.b).get(`/api/products/${product.slug}`)).body.name).toBe('Renamed at b');
      // with replication running, the admin reads its own change at b at once
      expect((await atB.request('PATCH', `/api/admin/products/${product.id}`, { json: { name: 'Renamed again' } })).status).toBe(204);
      expect((await new Shopper(url.b).get(`/api/products/${product.slug}`)).body.name).toBe('Renamed again');

      // a slug another DC's product holds is refused at the owner, changing nothing
      const made = await atB.post('/api/admin/products', { slug: 'made-at-b', name: 'Made at b', description: '', categoryId,
        variants: [{ sku: 'MADE-AT-B', name: 'One', price: 100 }] });
      expect([made.status, made.body.id.startsWith('b_')]).toEqual([201, true]);
      await caughtUp();
      const atA = await admin('a');
      const clash = await atA.request('PATCH', `/api/admin/products/${product.id}`, { json: { slug: 'made-at-b', name: 'Not this' } });
      expect([clash.status, clash.body.error]).toEqual([409, 'CONFLICT']);
      expect(await nodes.a.rootQuery('SELECT slug, name FROM meridian.product WHERE id = ?', [product.id])).toEqual([{ slug: product.slug, name: 'Renamed again' }]);
      // and b's product, changed from a, is written in b's database
      expect((await atA.request('PATCH', `/api/admin/products/${made.body.id}`, { json: { name: 'Changed from a' } })).status).toBe(204);
      expect(await nodes.b.rootQuery('SELECT name FROM meridian.product WHERE id = ?', [made.body.id])).toEqual([{ name: 'Changed from a' }]);
      // an id of a DC this one does not know is not found; an owner DC that cannot be reached is 503
      expect((await atA.request('PATCH', `/api/admin/products/${newId('zz')}`, { json: { name: 'x' } })).status).toBe(404);
      await links[0].cut();
      try {
        const cut = await atA.request('PATCH', `/api/admin/products/${made.body.id}`, { json: { name: 'During the cut' } });
        expect([cut.status, cut.body.error]).toEqual([503, 'UNAVAILABLE']);
      } finally {
        await links[0].heal();
      }
      expect(await nodes.b.rootQuery('SELECT name FROM meridian.product WHERE id = ?', [made.body.id])).toEqual([{ name: 'Changed from a' }]);
      await caughtUp();
      await replicationHealthy();
    });

    it('the same slug, SKU and codes created at a and b within one lag, and failed log-ins counted at both: replication keeps running, the earliest row wins everywhere', async () => {
      const [atA, atB] = [await admin('a'), await admin('b')];
      const email = 'throttled@example.com';
      await Promise.all([nodes.a.rootQuery("STOP SLAVE 'from_b'"), nodes.b.rootQuery("STOP SLAVE 'from_a'")]);
      const ids: Record<'a' | 'b', Record<string, string>> = { a: {}, b: {} };
      try {
        for (const [dc, s, percent] of [['a', atA, 10], ['b', atB, 50]] as const) {
          const category = await s.post('/api/admin/categories', { slug: 'raced-category', name: `Raced at ${dc}` });
          const made = {
            category,
            product: await s.post('/api/admin/products', { slug: 'raced-product', name: `Raced at ${dc}`, description: '', categoryId: category.body.id,
              variants: [{ sku: 'RACED-SKU', name: 'One', price: 1000, stock: 10 }] }),
            discount: await s.post('/api/admin/discounts', { code: 'RACED', name: `Raced at ${dc}`, kind: 'percentage', value: percent }),
            shipping: await s.post('/api/admin/shipping-methods', { code: 'raced-post', name: `Raced at ${dc}`, price: 500 }),
          };
          for (const [what, r] of Object.entries(made)) {
            expect([dc, what, r.status]).toEqual([dc, what, 201]); // neither DC could know of the other
            ids[dc][what] = r.body.id;
          }
          for (let i = 0; i < (dc === 'a' ? 6 : 4); i++) {
            expect((await new Shopper(url[dc]).post('/api/accounts/login', { email, password: 'not the password' })).status).toBe(401);
          }
        }
      } finally {
        await Promise.all([nodes.a.rootQuery("START SLAVE 'from_b'"), nodes.b.rootQuery("START SLAVE 'from_a'")]);
      }
      await caughtUp();
      await replicationHealthy();
      for (const db of [nodes.a, nodes.b]) {
        const counts = await one(db.rootQuery<Record<string, number>>(`SELECT
          (SELECT COUNT(*) FROM meridian.category WHERE slug = 'raced-category') AS category,
          (SELECT COUNT(*) FROM meridian.product WHERE slug = 'raced-product') AS product,
          (SELECT COUNT(*) FROM meridian.variant WHERE sku = 'RACED-SKU') AS variant,
          (SELECT COUNT(*) FROM meridian.discount WHERE code = 'RACED') AS discount,
          (SELECT COUNT(*) FROM meridian.shipping_method WHERE code = 'raced-post') AS shipping`));
        expect(counts).toEqual({ category: 2, product: 2, variant: 2, discount: 2, shipping: 2 });
      }
      for (const dc of ['a', 'b'] as const) {
        const guest = new Shopper(url[dc]);
        const product = await guest.get('/api/products/raced-product');
        expect([dc, product.body.id, product.body.name]).toEqual([dc, ids.a.product, 'Raced at a']);
        const listed = await guest.get('/api/products?category=raced-category');
        expect([dc, listed.body.items.map((p: { id: string }) => p.id)]).toEqual([dc, [ids.a.product]]); // the slug names a's category
        // listed once, as its slug shows it; so is the category
        const everything = await guest.get('/api/products?pageSize=100&q=raced');
        expect([dc, everything.body.items.map((p: { id: string }) => p.id), everything.body.total]).toEqual([dc, [ids.a.product], 1]);
        const categories = (await guest.get('/api/categories')).body.filter((c: { slug: string }) => c.slug === 'raced-category');
        expect([dc, categories]).toEqual([dc, [{ id: ids.a.category, slug: 'raced-category', name: 'Raced at a', products: 1 }]]);
        expect((await guest.post('/api/cart/items', { variantId: product.body.variants[0].id, quantity: 1 })).status).toBe(200);
        const discounted = await guest.put('/api/cart/discount', { code: 'raced' });
        expect([dc, discounted.status, discounted.body.totals.discount]).toEqual([dc, 200, 100]); // a's 10 %, once
        const shipped = await guest.put('/api/cart/shipping-method', { code: 'raced-post' });
        expect([dc, shipped.status, shipped.body.totals.shipping]).toEqual([dc, 200, 500]);
        expect((await guest.get('/api/shipping-methods')).body.filter((m: { code: string }) => m.code === 'raced-post')).toHaveLength(1);
        // a third of any of them is refused at either DC
        expect((await (dc === 'a' ? atA : atB).post('/api/admin/discounts', { code: 'RACED', name: 'again', kind: 'percentage', value: 5 })).status).toBe(409);
        expect((await (dc === 'a' ? atA : atB).post('/api/admin/categories', { slug: 'raced-category', name: 'again' })).status).toBe(409);
        // 6 failures counted at a and 4 at b: the address is at its limit (10) in both DCs
        const throttled = await guest.post('/api/accounts/login', { email, password: 'not the password' });
        expect([dc, throttled.status, throttled.body.error]).toEqual([dc, 429, 'RATE_LIMITED']);
      }
    });
  });
});

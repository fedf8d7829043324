import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Shopper } from '../support/client';
import { Factory } from '../support/factories';
import { caughtUpEverywhere, REGIONCTL_ADMIN, regionctlUp, statusOf, tearDown, Topology, writeRegions } from '../support/regionctl';
import { waitFor } from '../support/processes';

/**
 * Relocate mode: `regionctl up --routing relocate` starts an edge HAProxy in front of both DCs; a
 * shopper whose request reaches a DC other than its home is told its home (header and cookie) and
 * sent back with a 307, and the edge then routes its requests to the home on that cookie.
 */
describe('relocate mode: a shopper at the wrong DC ends up on its home DC through the edge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-relocate-'));
  const regions = join(dir, 'regions');
  const data = join(dir, 'data');
  const BLOCK = 37; // 127.0.37.0/24 and 127.0.38.0/24: no other suite uses them
  const base = 20000 + Math.floor(Math.random() * 300) * 100;
  const entry = { a: `http://127.0.${BLOCK}.1:${base + 80}`, b: `http://127.0.${BLOCK + 1}.1:${base + 80}` };
  const edge = `http://127.0.0.1:${base + 81}`;
  let topo: Topology | undefined;

  const status = () => statusOf(topo!);
  const caughtUp = () => caughtUpEverywhere(topo!);
  /** the same shopper (its cookies) talking to another address: the GSLB's choice, or the edge */
  const via = (s: Shopper, url: string) => {
    const moved = new Shopper(url);
    for (const [k, v] of s.cookies) moved.cookies.set(k, v);
    return moved;
  };

  beforeAll(async () => {
    writeRegions(regions, [{ code: 'a' }, { code: 'b' }], BLOCK);
    topo = await regionctlUp(regions, data, base, '--catalog', 'bench', '--routing', 'relocate');
  }, 180000);

  afterAll(() => tearDown(topo, dir), 60000);

  it('starts the edge in front of both DCs and shows it in status', async () => {
    expect(topo!.lines.join('\n')).toContain(`edge (relocate mode): ${edge}/api`);
    const s = await status();
    expect(s.routing).toBe('relocate');
    expect(s.edge).toEqual({ entry: edge, dcs: [expect.objectContaining({ name: 'a', status: 'UP' }), expect.objectContaining({ name: 'b', status: 'UP' })] });
    expect(s.processes.find((p) => p.role === 'edge')).toMatchObject({ name: 'edge', state: 'running', address: `127.0.0.1:${base + 81}` });
    expect((await topo!.run('status')).stdout).toMatch(/Edge \(relocate mode\)\s+http:\/\/127\.0\.0\.1:\d+\n.*DC entries\n\s+edge\s.*running\s+a UP, b UP/);
  });

  it('a log-in at the wrong DC names the home; the edge then takes every request of that shopper to it', async () => {
    const inA = new Shopper(entry.a);
    const reg = await inA.post('/api/accounts/register', { email: 'relocated@example.com', password: 'a long password', name: 'R' });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('x-meridian-home-dc')).toBe('a');
    expect(inA.cookies.get('meridian_home')).toBe('a');
    await caughtUp();

    const atB = new Shopper(entry.b); // the GSLB sent this shopper to b
    const login = await atB.post('/api/accounts/login', { email: 'relocated@example.com', password: 'a long password' });
    expect(login.status).toBe(200);
    expect(login.body.homeDc).toBe('a');
    expect(login.headers.get('x-meridian-home-dc')).toBe('a');
    expect(atB.cookies.get('meridian_home')).toBe('a');

    const throughEdge = via(atB, edge);
    const { variantId: variant } = await new Factory(entry.a, REGIONCTL_ADMIN).variant();
    for (let i = 0; i < 4; i++) {
      const r = await throughEdge.post('/api/cart/items', { variantId: variant, quantity: 1 });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-meridian-edge-dc')).toBe('a');
    }
    expect((await throughEdge.get('/api/cart')).body.totalQuantity).toBe(4);
  });

  it('a request of that shopper reaching the wrong DC without the home cookie is answered 307 with it, and the repeat goes home', async () => {
    const s = new Shopper(entry.b);
    expect((await s.post('/api/accounts/login', { email: 'relocated@example.com', password: 'a long password' })).status).toBe(200);
    s.cookies.delete('meridian_home'); // e.g. a client that dropped it, or a session older than the mode
    const wrong = await s.get('/api/orders?page=1&pageSize=5');
    expect(wrong.status).toBe(307);
    expect(wrong.headers.get('location')).toBe('/api/orders?page=1&pageSize=5');
    expect(wrong.headers.get('x-meridian-home-dc')).toBe('a');
    expect(wrong.body).toMatchObject({ statusCode: 307, error: 'WRONG_DC', details: { homeDc: 'a' } });
    expect(s.cookies.get('meridian_home')).toBe('a');

    const repeated = await via(s, edge).get(wrong.headers.get('location')!);
    expect(repeated.status).toBe(200);
    expect(repeated.headers.get('x-meridian-edge-dc')).toBe('a');
    // with the cookie, a request that still reaches b (the edge's choice when a's entry is down, or no edge) is served there: no loop
    const atB = await s.get('/api/cart');
    expect(atB.status).toBe(200);
    expect(atB.headers.get('x-meridian-edge-dc')).toBe('b');
    // guests and the catalog are served wherever they land
    expect((await new Shopper(entry.b).get('/api/products?pageSize=1')).status).toBe(200);
  });

  it('when the home DC\'s entry is down, the edge sends the shopper to the other DC, which serves it writing across the WAN', async () => {
    const s = via(new Shopper(edge), edge);
    expect((await s.post('/api/accounts/login', { email: 'relocated@example.com', password: 'a long password' })).status).toBe(200);
    // made at a while a can be reached; its cart line is written at a from b below
    const { variantId: variant } = await new Factory(entry.a, REGIONCTL_ADMIN).variant();
    await caughtUp();
    const lb = (await status()).processes.find((p) => p.name === 'haproxy-a')!;
    process.kill(lb.pid!, 'SIGKILL');
    await waitFor('the edge to take DC a out', async () => {
      const e = (await status()).edge!.dcs as { name: string; status: string }[];
      return e.find((x) => x.name === 'a')?.status.startsWith('DOWN') ?? false;
    }, 15000);
    const r = await s.post('/api/cart/items', { variantId: variant, quantity: 1 });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-meridian-edge-dc')).toBe('b');
    expect(r.body.totalQuantity).toBe(5);
  });
});

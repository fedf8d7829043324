import { DeepHealthReport } from '@meridian/health';
import { useShop } from '../support/shop';
import { one } from '../support/rows';
import { waitFor } from '../support/processes';

/**
 * GET /health/deep against a real MariaDB and Redis: the five operations pass, leave nothing
 * behind, fail by name when what they need stops or hangs, and answer within the timeout.
 */
describe('deep health (GET /health/deep)', () => {
  const t = useShop({ redis: true });

  const deep = async (query = '') => {
    const started = Date.now();
    const r = await fetch(`${t.shop.url}/health/deep${query}`);
    return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text(), ms: Date.now() - started };
  };
  const report = async () => {
    const r = await deep('?format=json');
    return { ...r, body: JSON.parse(r.text) as DeepHealthReport };
  };
  const failed = (b: DeepHealthReport) => b.checks.filter((c) => !c.ok).map((c) => c.name).sort();

  it('PASS with 200 when the five operations work; the JSON names each check with its time', async () => {
    const text = await deep();
    expect(text.text).toMatch(/^PASS dc=a ms=\d+\n$/);
    expect([text.status, text.type]).toEqual([200, 'text/plain; charset=utf-8']);
    const { status, body } = await report();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'PASS', dc: 'a', timeoutMs: 1000 });
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([['catalog', true], ['cart', true], ['order', true], ['queue', true], ['search', true]]);
    for (const c of body.checks) expect(c.ms).toBeGreaterThanOrEqual(0);
    // the queue's answer came from a worker, with this DC's units of a real SKU
    expect(body.checks.find((c) => c.name === 'queue')?.detail).toMatch(/^\S+: \d+ unit\(s\), answered by DC a$/);
    expect(body.checks.find((c) => c.name === 'cart')?.detail).toBe('1 line(s) read back');
  });

  it('a thousand rounds leave no rows, no binlog event and no job behind', async () => {
    await deep(); // the queue's keys exist from the first round on
    const tables = ['cart', 'cart_line', 'orders', 'order_line', 'order_event'];
    const counts = async () => Promise.all(tables.map(async (table) =>
      Number((await one(t.db.rootQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))).n)));
    const position = async () => String((await one(t.db.rootQuery<{ p: string }>('SELECT @@gtid_binlog_pos AS p'))).p);
    const keys = () => t.redis.command('EVAL "return #redis.call(\'keys\', \'*\')" 0');
    const jobs = () => t.redis.command('EVAL "return #redis.call(\'keys\', \'bull:stock-availability:[0-9a-z]*_*\')" 0');
    const rounds = async () => Number(/^deep_health_rounds_total\{status="PASS"[^}]*\} (\d+)$/m.exec(await (await fetch(`${t.shop.url}/metrics`)).text())?.[1]);
    const before = { rows: await counts(), position: await position(), keys: await keys(), rounds: await rounds() };
    let passed = 0;
    for (let round = 0; round < 1000; round++) passed += (await deep()).status === 200 ? 1 : 0;
    expect(passed).toBe(1000);
    expect(await rounds()).toBe(before.rounds + 1000); // each a round of its own
    // pollers that ask at the same moment share one round
    const together = await Promise.all([report(), report(), report(), report()]);
    expect(new Set(together.map((r) => r.body.at)).size).toBe(1);
    expect(await rounds()).toBe(before.rounds + 1001);
    expect(await counts()).toEqual(before.rows);
    expect(await position()).toBe(before.position); // rolled back: nothing reached the binlog, nothing replicates
    expect(await jobs()).toBe(':0\r\n');
    expect(await keys()).toBe(before.keys);
  }, 120000);

  it('takes no input: an unknown format or parameter is a 400 JSON error, other methods 404', async () => {
    for (const q of ['?format=xml', '?verbose=1', '?format=json&format=text']) {
      const r = await deep(q);
      expect([r.status, r.type.startsWith('application/json')]).toEqual([400, true]);
      expect(JSON.parse(r.text)).toMatchObject({ statusCode: 400, error: 'INVALID_INPUT' });
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await fetch(`${t.shop.url}/health/deep`, { method, headers: { 'content-type': 'application/json' }, body: '{"x":1}' });
      expect(r.status).toBe(404);
    }
  });

  it('FAIL naming the queue when Redis hangs, and when it is gone; PASS again once it is back', async () => {
    await t.redis.command('CLIENT PAUSE 2500 ALL');
    const hung = await report();
    expect([hung.status, hung.body.status, failed(hung.body)]).toEqual([503, 'FAIL', ['queue']]);
    expect(hung.body.checks.find((c) => c.name === 'queue')?.error).toMatch(/within 1000 ms/);
    expect(hung.ms).toBeLessThan(2000);
    await waitFor('deep health to pass once Redis answers again', async () => (await deep()).status === 200, 10000, 100);

    await t.redis.kill();
    const gone = await report();
    expect([gone.status, failed(gone.body)]).toEqual([503, ['queue']]);
    const text = await deep();
    expect(text.text).toMatch(/^FAIL dc=a ms=\d+\nqueue: .+\n$/);
    await t.redis.start();
    await waitFor('deep health to pass once Redis is back', async () => (await deep()).status === 200, 20000, 200);
  }, 60000);

  it('FAIL within the timeout when the database hangs, each check that needs it named; a hung check is not started twice', async () => {
    process.kill(t.db.serverPid, 'SIGSTOP');
    try {
      const hung = await report();
      expect([hung.status, failed(hung.body)]).toEqual([503, ['cart', 'catalog', 'order', 'queue', 'search']]);
      expect(hung.ms).toBeLessThan(2000);
      expect(hung.body.checks.find((c) => c.name === 'order')?.error).toBe('did not finish within 1000 ms');
      const again = await report();
      expect(again.body.checks.find((c) => c.name === 'order')?.error).toMatch(/^still running from an earlier round, started \d+ ms ago/);
    } finally {
      process.kill(t.db.serverPid, 'SIGCONT');
    }
    await waitFor('deep health to pass once the database answers again', async () => (await deep()).status === 200, 20000, 200);
  }, 60000);

  it('FAIL when the database is gone', async () => {
    process.kill(t.db.serverPid, 'SIGKILL');
    const gone = await report();
    expect([gone.status, gone.body.status]).toEqual([503, 'FAIL']);
    expect(failed(gone.body)).toEqual(expect.arrayContaining(['cart', 'order', 'search']));
    expect(gone.ms).toBeLessThan(2000);
  });
});

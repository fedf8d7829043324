import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { removeDrain, writeDrain } from '@meridian/health';
import { MONITOR_USER } from '../../apps/regionctl/src/db/mariadb-node';
import { loadHealthcheckEnv } from '../../gslb-healthcheck/src/config';
import { createHealthcheck } from '../../gslb-healthcheck/src/main';
import { createServer, Socket } from 'node:net';
import { DcStatus, UNDECIDED } from '../../gslb-healthcheck/src/dc-health.service';
import { useShop } from '../support/shop';
import { waitFor } from '../support/processes';

/**
 * One DC's aggregator against a real commerce-api, MariaDB and Redis: PASS/FAIL from the share of
 * checks that pass, with hysteresis, and a drain that outlives a restart.
 */
describe('gslb-healthcheck: the DC\'s PASS or FAIL', () => {
  const t = useShop({ redis: true });
  const stateDir = mkdtempSync(join(tmpdir(), 'meridian-hc-'));
  let app: NestFastifyApplication | undefined;
  let url = '';

  const start = async () => {
    const env = loadHealthcheckEnv({
      HC_DC: 'a', HC_INSTANCE: '1', HOST: '127.0.0.1', PORT: '0', HC_APIS: t.shop.url, HC_LB: t.shop.url,
      HC_DB_SOCKET: t.db.socket, HC_DB_USER: MONITOR_USER.user, HC_DB_PASSWORD: MONITOR_USER.password, HC_DB_NAME: t.db.database,
      HC_REDIS: t.redis.url, HC_STATE_DIR: stateDir, HC_INTERVAL_MS: '200', LOG_LEVEL: 'warn',
    });
    app = await createHealthcheck(env);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  };
  const dc = async (code = 'a') => {
    const r = await fetch(`${url}/dc/${code}`);
    return { status: r.status, text: await r.text() };
  };
  const status = async () => (await (await fetch(`${url}/status`)).json()) as DcStatus;

  beforeAll(start);
  afterAll(async () => {
    await app?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('PASS as the first bytes with 200 while every check inside the DC passes; /status names each', async () => {
    const r = await dc();
    expect([r.status, r.text.slice(0, 5)]).toEqual([200, 'PASS\n']);
    expect(r.text).toMatch(/4 of 4 checks passed \(75 % needed\)/);
    const s = await status();
    expect(s).toMatchObject({ dc: 'a', instance: '1', state: 'PASS', settings: { passShare: 0.75, failRounds: 2, passRounds: 3 } });
    expect(s.checks.map((c) => [c.name, c.kind, c.ok])).toEqual([['api-1', 'api', true], ['lb', 'lb', true], ['db', 'db', true], ['redis', 'redis', true]]);
    expect(s.checks.find((c) => c.name === 'api-1')?.detail).toMatch(/^deep health PASS in \d+ ms$/);
    // the database check wrote this aggregator's beacon
    expect(await t.db.rootQuery("SELECT dc FROM health_beacon WHERE source = 'a-1'")).toEqual([{ dc: 'a' }]);
    expect(s.replication).toMatchObject({ channels: [], semiSync: 'OFF' });
  });

  it('another DC\'s code is a 404 JSON error', async () => {
    const r = await dc('b');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toMatchObject({ statusCode: 404, error: 'NOT_FOUND', message: 'this aggregator checks DC a, not b' });
  });

  it('Redis gone: FAIL only after two failed rounds, with the checks that failed; PASS again only after three passed ones', async () => {
    await t.redis.kill();
    // the first failed round is not enough (the history below shows it round by round)
    await waitFor('FAIL', async () => (await status()).state === 'FAIL', 5000, 20);
    const failed = await status();
    expect(failed.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['api-1', 'redis']);
    expect(failed.checks.find((c) => c.name === 'api-1')?.error).toMatch(/^503 \(queue: /);
    const r = await dc();
    expect(r.status).toBe(503);
    expect(r.text).toMatch(/^FAIL: no commerce-api passed; 2 of 4 checks passed \(75 % needed\); failing: api-1: 503 .*redis: /);
    // since the last round that passed: one failed round still answered PASS, the second FAIL
    const lastPass = failed.history.map((h) => h.raw).lastIndexOf('PASS');
    expect(failed.history.slice(lastPass, lastPass + 3).map((h) => `${h.raw}/${h.state}`)).toEqual(['PASS/PASS', 'FAIL/PASS', 'FAIL/FAIL']);

    await t.redis.start();
    await waitFor('a passed round', async () => (await status()).round.raw === 'PASS', 20000, 20);
    const back = await status();
    expect(back.state).toBe('FAIL'); // one passed round is not enough
    await waitFor('PASS', async () => (await status()).state === 'PASS', 5000, 20);
    const passedRounds = (await status()).history.slice(-4).map((h) => h.raw);
    expect(passedRounds.slice(-3)).toEqual(['PASS', 'PASS', 'PASS']);
  }, 60000);

  it('drain: FAIL with the reason drained whatever the checks say, kept across a restart; undrain answers what the checks say at once', async () => {
    writeDrain(stateDir, 'maintenance window');
    await waitFor('the drain to be seen', async () => (await dc()).text.startsWith('FAIL: drained'), 5000, 20);
    expect(await dc()).toEqual({ status: 503, text: 'FAIL: drained: maintenance window\n' });
    await app!.close();
    await start();
    expect(await dc()).toEqual({ status: 503, text: 'FAIL: drained: maintenance window\n' });
    expect((await status()).drained).toMatchObject({ reason: 'maintenance window' });
    expect(removeDrain(stateDir)).toBe(true);
    await waitFor('the undrain to be seen', async () => (await dc()).status === 200, 5000, 20);
  }, 30000);

  it('a check that hangs delays no verdict that is already certain: every commerce-api failed, the hung entry counts as failed', async () => {
    // an "entry" that accepts connections and never answers (an HAProxy retrying dead servers), and a commerce-api that is gone
    const held: Socket[] = [];
    const hung = createServer((c) => held.push(c));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const gonePort = (gone.address() as { port: number }).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const other = await createHealthcheck(loadHealthcheckEnv({
      HC_DC: 'a', HC_INSTANCE: '2', HOST: '127.0.0.1', PORT: '0', HC_APIS: `http://127.0.0.1:${gonePort}`,
      HC_LB: `http://127.0.0.1:${(hung.address() as { port: number }).port}`, HC_REDIS: t.redis.url, HC_STATE_DIR: stateDir,
      HC_INTERVAL_MS: '200', HC_TIMEOUT_MS: '5000', LOG_LEVEL: 'warn',
    }));
    try {
      await other.listen(0, '127.0.0.1');
      const at = `http://127.0.0.1:${(other.getHttpServer().address() as { port: number }).port}`;
      const s = (await (await fetch(`${at}/status`)).json()) as DcStatus;
      expect(s.round.raw).toBe('FAIL');
      expect(s.checks.map((c) => [c.name, c.ok, c.error])).toEqual([['api-1', false, 'ECONNREFUSED'], ['lb', false, UNDECIDED], ['redis', true, undefined]]);
      expect(s.round.ms).toBeLessThan(5000); // decided without the entry's answer, not at its deadline
      expect(await (await fetch(`${at}/dc/a`)).text()).toMatch(new RegExp(`^FAIL: no commerce-api passed; 1 of 3 checks passed .*lb: ${UNDECIDED}`));
    } finally {
      await other.close();
      for (const c of held) c.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  }, 30000);
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary } from '../process/binaries';
import { RegionConfig } from '@meridian/regions';
import { edgeConfig, haproxyConfig } from '../lb/haproxy';
import { DcPlan, hostIn, planTopology, runDirFor } from './plan';

const region = (code: string, block: number, latency: Record<string, number>, apiProcesses = 2) =>
  Object.assign(new RegionConfig(), { code, name: code, serverId: block, gtidDomainId: block, addressBlock: `127.0.${block}.0/24`, apiProcesses, wanLatencyMs: latency });

describe('planTopology', () => {
  const plan = planTopology([region('b', 2, { a: 30, c: 5 }, 1), region('a', 1, { b: 20, c: 40 }), region('c', 3, { a: 40, b: 5 })], { dataDir: '/srv/meridian', portBase: 9000 });

  it('puts every process of a DC on its own block, at the same ports in every DC', () => {
    expect(plan.dcs.map((d) => d.region.code)).toEqual(['a', 'b', 'c']);
    const [a, b] = plan.dcs as [DcPlan, DcPlan];
    expect(a.entry).toEqual({ host: '127.0.1.1', port: 9080 });
    expect(a.db).toMatchObject({ host: '127.0.1.2', port: 9306, dataDir: '/srv/meridian/a/mariadb' });
    expect(a.redis).toMatchObject({ host: '127.0.1.3', port: 9379 });
    expect(a.apis).toEqual([{ host: '127.0.1.11', port: 9100 }, { host: '127.0.1.12', port: 9100 }]);
    expect(b.apis).toEqual([{ host: '127.0.2.11', port: 9100 }]);
    expect(a.healthchecks).toEqual([{ host: '127.0.1.7', port: 9090 }, { host: '127.0.1.8', port: 9090 }]);
    expect(a.healthState).toBe('/srv/meridian/a/health');
  });

  it('has one link per ordered pair of DCs, in the client DC\'s block, with that DC\'s latency to the far one', () => {
    expect(plan.links.map((l) => `${l.from}->${l.to} ${l.listen.host}:${l.listen.port} -> ${l.target.host} ${l.latencyMs}`)).toEqual([
      'a->b 127.0.1.102:9306 -> 127.0.2.2 20', 'a->c 127.0.1.103:9306 -> 127.0.3.2 40',
      'b->a 127.0.2.101:9306 -> 127.0.1.2 30', 'b->c 127.0.2.103:9306 -> 127.0.3.2 5',
      'c->a 127.0.3.101:9306 -> 127.0.1.2 40', 'c->b 127.0.3.102:9306 -> 127.0.2.2 5',
    ]);
    expect(plan.dcs[1]?.remoteDbs).toEqual([{ dc: 'a', via: { host: '127.0.2.101', port: 9306 } }, { dc: 'c', via: { host: '127.0.2.103', port: 9306 } }]);
  });

  it('keeps sockets in a short folder that depends only on the data folder', () => {
    expect(plan.runDir).toBe(runDirFor('/srv/meridian'));
    expect(plan.runDir).not.toBe(runDirFor('/srv/other'));
    expect(plan.controlSocket.length).toBeLessThan(100);
    expect(hostIn('127.0.42.0/24', 7)).toBe('127.0.42.7');
  });
});

describe('haproxyConfig', () => {
  it('health-checks every slot on /health/ready and starts the idle slots disabled', () => {
    const cfg = haproxyConfig({ dc: 'a', entry: { host: '127.0.1.1', port: 8080 }, statsSocket: '/tmp/x/lb-a.sock',
      slots: [1, 2, 3].map((n) => ({ host: `127.0.1.${10 + n}`, port: 8100 })), active: 2 });
    expect(cfg).toContain('bind 127.0.1.1:8080');
    expect(cfg).toContain('http-check send meth GET uri /health/ready');
    expect(cfg).toContain('  server api1 127.0.1.11:8100 check\n  server api2 127.0.1.12:8100 check\n  server api3 127.0.1.13:8100 check disabled\n');
    expect(cfg).toContain('stats socket /tmp/x/lb-a.sock mode 600 level admin');
  });
});

describe('edgeConfig (relocate mode)', () => {
  const cfg = edgeConfig({ entry: { host: '127.0.0.1', port: 8081 }, statsSocket: '/tmp/x/lb-edge.sock', homeCookie: 'meridian_home',
    dcs: [{ code: 'a', entry: { host: '127.0.1.1', port: 8080 } }, { code: 'b', entry: { host: '127.0.2.1', port: 8080 } }] });

  it('routes a request carrying the home cookie to that DC (the others as backups), anything else to any healthy DC', () => {
    expect(cfg).toContain('use_backend dc_a if { req.cook(meridian_home) -m str a }');
    expect(cfg).toContain('use_backend dc_b if { req.cook(meridian_home) -m str b }');
    expect(cfg).toContain('backend dc_a\n  server a 127.0.1.1:8080 track any_dc/a\n  server b 127.0.2.1:8080 backup track any_dc/b\n');
    expect(cfg).toContain('default_backend any_dc');
    const anyDc = cfg.slice(cfg.indexOf('backend any_dc'));
    expect(anyDc).toContain('balance roundrobin');
    expect(anyDc).toContain('  server a 127.0.1.1:8080 check\n  server b 127.0.2.1:8080 check\n');
  });

  it('is a configuration HAProxy itself accepts, as is a DC\'s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-edge-'));
    const dcCfg = haproxyConfig({ dc: 'a', entry: { host: '127.0.1.1', port: 8080 }, statsSocket: join(dir, 'lb-a.sock'),
      slots: [{ host: '127.0.1.11', port: 8100 }], active: 1 });
    try {
      for (const [name, text] of [['edge.cfg', cfg], ['dc.cfg', dcCfg]] as const) {
        writeFileSync(join(dir, name), text);
        const r = spawnSync(binary('haproxy'), ['-c', '-f', join(dir, name)], { encoding: 'utf8' });
        expect(r.stderr + r.stdout).toMatch(/Configuration file is valid/);
        expect(r.status).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

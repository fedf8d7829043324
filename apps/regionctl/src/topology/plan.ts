import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RegionConfig } from '@meridian/regions';
import { MAX_API_SLOTS } from '../lb/haproxy';
import { Endpoint } from '../wan/wan-link';

/**
 * Where every process of the local topology lives. Each DC binds only addresses of its own
 * loopback block 127.0.X.0/24, so every DC can use the same ports:
 *
 *   127.0.X.1    HAProxy, the DC's entry (port base+80)
 *   127.0.X.2    MariaDB (base+306; the DC's own processes use its Unix socket)
 *   127.0.X.3    Redis (base+379)
 *   127.0.X.7/8  the DC's two gslb-healthcheck aggregators (base+90)
 *   127.0.X.11…  commerce-api processes 1…N (base+100)
 *   127.0.X.101… the WAN links from this DC to each other DC's database (base+306), one address per far DC
 *
 * and, outside every DC, the two gslb-dns servers on 127.0.0.21 and .22 (DNS base+53 over UDP and TCP,
 * HTTP base+54) and, in relocate mode, the edge HAProxy in front of every DC on 127.0.0.1 (base+81).
 */
export const DEFAULT_PORT_BASE = 8000;

export interface PlanOptions {
  /** where data and logs are kept between runs (git-ignored .data/regions by default) */
  dataDir: string;
  portBase?: number;
}

export interface DcPlan {
  region: RegionConfig;
  entry: Endpoint;
  db: Endpoint & { socket: string; dataDir: string };
  redis: Endpoint & { dataDir: string };
  /** the commerce-api processes started at first */
  apis: Endpoint[];
  /** where each commerce-api process may run (`regionctl scale` fills them in order) */
  apiSlots: Endpoint[];
  haproxy: { config: string; statsSocket: string };
  /** the DC's aggregators (two, for availability) and the folder they share (its drain file) */
  healthchecks: Endpoint[];
  healthState: string;
  /** other DCs' databases as this DC reaches them: through its WAN links */
  remoteDbs: { dc: string; via: Endpoint }[];
}

export interface LinkPlan {
  /** the DC whose processes use the link */
  from: string;
  /** the DC whose database it reaches */
  to: string;
  listen: Endpoint;
  target: Endpoint;
  latencyMs: number;
}

/** The shop's zone and name in it, as the geo-DNS serves them. */
export const DNS_ZONE = 'meridian.test';
export const SHOP_NAME = `shop.${DNS_ZONE}`;

export interface DnsPlan {
  /** ns1, ns2 */
  instance: string;
  name: string;
  dns: Endpoint;
  http: Endpoint;
}

export interface Plan {
  dataDir: string;
  logDir: string;
  /** short folder for Unix sockets (their paths are limited to ~100 bytes) */
  runDir: string;
  controlSocket: string;
  portBase: number;
  dcs: DcPlan[];
  links: LinkPlan[];
  /** the geo-DNS servers, the configuration file they share and their state folder */
  dns: { servers: DnsPlan[]; config: string; stateDir: string };
  /** the edge load balancer of relocate mode: routes on the home-DC cookie */
  edge: { entry: Endpoint; config: string; statsSocket: string };
}

/** `127.0.3.0/24`, 11 → `127.0.3.11` */
export const hostIn = (block: string, n: number) => block.replace(/\.0\/24$/, `.${n}`);

/** The short socket folder that belongs to a data folder: the same one for every command run on it. */
export function runDirFor(dataDir: string): string {
  return join(tmpdir(), `meridian-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 10)}`);
}

export function planTopology(regions: RegionConfig[], options: PlanOptions): Plan {
  const dataDir = resolve(options.dataDir);
  const runDir = runDirFor(dataDir);
  const base = options.portBase ?? DEFAULT_PORT_BASE;
  const port = { entry: base + 80, healthcheck: base + 90, api: base + 100, db: base + 306, redis: base + 379 };
  const sorted = [...regions].sort((x, y) => x.code.localeCompare(y.code));
  const dbOf = (r: RegionConfig): Endpoint => ({ host: hostIn(r.addressBlock, 2), port: port.db });

  const links: LinkPlan[] = [];
  for (const from of sorted) {
    sorted.forEach((to, i) => {
      if (to.code === from.code) return;
      // loadRegions refuses a region without a latency to every other one
      const latencyMs = from.wanLatencyMs[to.code];
      if (latencyMs === undefined) throw new Error(`${from.code}: no WAN latency to DC ${to.code}`);
      links.push({ from: from.code, to: to.code, listen: { host: hostIn(from.addressBlock, 101 + i), port: port.db }, target: dbOf(to), latencyMs });
    });
  }

  const dcs = sorted.map((r): DcPlan => {
    const apiSlots = Array.from({ length: MAX_API_SLOTS }, (_, i) => ({ host: hostIn(r.addressBlock, 11 + i), port: port.api }));
    return {
      region: r,
      entry: { host: hostIn(r.addressBlock, 1), port: port.entry },
      db: { ...dbOf(r), socket: join(runDir, `db-${r.code}.sock`), dataDir: join(dataDir, r.code, 'mariadb') },
      redis: { host: hostIn(r.addressBlock, 3), port: port.redis, dataDir: join(dataDir, r.code, 'redis') },
      apis: apiSlots.slice(0, r.apiProcesses),
      apiSlots,
      haproxy: { config: join(dataDir, r.code, 'haproxy.cfg'), statsSocket: join(runDir, `lb-${r.code}.sock`) },
      healthchecks: [7, 8].map((n) => ({ host: hostIn(r.addressBlock, n), port: port.healthcheck })),
      healthState: join(dataDir, r.code, 'health'),
      remoteDbs: links.filter((l) => l.from === r.code).map((l) => ({ dc: l.to, via: l.listen })),
    };
  });
  const edge = { entry: { host: '127.0.0.1', port: base + 81 }, config: join(dataDir, 'edge-haproxy.cfg'), statsSocket: join(runDir, 'lb-edge.sock') };
  const dns = {
    servers: [1, 2].map((n) => ({ instance: `ns${n}`, name: `ns${n}.${DNS_ZONE}`, dns: { host: `127.0.0.${20 + n}`, port: base + 53 }, http: { host: `127.0.0.${20 + n}`, port: base + 54 } })),
    config: join(dataDir, 'gslb-dns.json'), stateDir: join(dataDir, 'dns'),
  };
  return { dataDir, logDir: join(dataDir, 'logs'), runDir, controlSocket: join(runDir, 'regionctl.sock'), portBase: base, dcs, links, dns, edge };
}

import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HOME_COOKIE, RoutingMode } from '@meridian/dc';
import { readDrain, writeApiTargets } from '@meridian/health';
import { APP_DATABASE, APP_USER, MariaDbNode } from '../db/mariadb-node';
import { edgeConfig, haproxyConfig, lbServers } from '../lb/haproxy';
import { binary } from '../process/binaries';
import { ProcessTable } from '../process/process-table';
import { redisArgs, redisPing } from '../redis/redis-node';
import { DcPlan, Plan } from '../topology/plan';
import { settingsOf } from '../topology/settings';
import { commerceApi, gslbDns, gslbHealthcheck } from './commands';
import { dnsConfig, dnsEnv } from '../health/dns-config';
import { AggregatorReport, askAggregator, healthcheckEnv, urlOf } from '../health/healthchecks';
import type { UpOptions } from './region-runtime';

/** Three DCs or more: a DC cut off from the majority of the others takes no writes after this long (commerce-api's lease). */
export const leaseSeconds = (plan: Plan) => (plan.dcs.length >= 3 ? 10 : 0);

/**
 * Starts each kind of process of the topology (a DC's MariaDB, Redis, commerce-api, HAProxy and
 * aggregators; the geo-DNS servers; the edge) in the process table, and knows what runs where: the
 * database nodes and each DC's number of commerce-api processes. RegionRuntime decides when.
 */
export class DcProcesses {
  readonly nodes = new Map<string, MariaDbNode>();
  readonly apiCounts = new Map<string, number>();
  /** the topology's session secret, shared by every commerce-api (read at up) */
  jwtSecret = '';

  constructor(private readonly plan: Plan, private readonly table: ProcessTable, private readonly o: UpOptions) {
    for (const dc of plan.dcs) this.apiCounts.set(dc.region.code, dc.apis.length);
  }

  get routing(): RoutingMode {
    return this.o.routing ?? 'remote-write';
  }

  /**
   * The DC's MariaDB; its replication channels are started by the caller (connectChannel), which
   * leaves out those from a fenced DC. A fenced DC's own starts read-only.
   */
  async startDb(d: DcPlan, fenced = false): Promise<void> {
    const r = d.region;
    const node = new MariaDbNode({
      dc: r.code, serverId: r.serverId, gtidDomainId: r.gtidDomainId, host: d.db.host, port: d.db.port,
      dataDir: d.db.dataDir, socket: d.db.socket, logDir: this.plan.logDir, bufferPool: '256M', readOnly: fenced, skipReplicaStart: true,
      gtidIgnoreDuplicates: this.plan.dcs.length > 2,
      semiSync: r.durability === 'semi-sync' ? { timeoutMs: r.semiSyncTimeoutMs } : undefined,
      spawner: (command, args, options) => this.table.spawn({ name: `mariadb-${r.code}`, dc: r.code, role: 'mariadb',
        address: `${d.db.host}:${d.db.port}`, logFile: join(this.plan.logDir, `mariadb-${r.code}.out`) }, command, args, options),
    });
    this.nodes.set(r.code, node);
    await node.start();
  }

  dbEnv(d: DcPlan): Record<string, string> {
    return { PATH: this.o.path, DC_ID: d.region.code, DB_HOST: d.db.host, DB_PORT: String(d.db.port), DB_SOCKET: d.db.socket,
      DB_USER: APP_USER.user, DB_PASSWORD: APP_USER.password, DB_NAME: APP_DATABASE };
  }

  async startRedis(d: DcPlan): Promise<void> {
    const dc = d.region.code;
    mkdirSync(d.redis.dataDir, { recursive: true });
    this.table.spawn({ name: `redis-${dc}`, dc, role: 'redis', address: `${d.redis.host}:${d.redis.port}`, logFile: join(this.plan.logDir, `redis-${dc}.log`) },
      binary('redis-server'), redisArgs(d.redis));
    await this.until(`Redis of DC ${dc}`, `redis-${dc}`, () => redisPing(d.redis));
  }

  apiName(dc: string, i: number): string {
    return `api-${dc}-${i + 1}`;
  }

  async startApi(d: DcPlan, i: number): Promise<void> {
    const dc = d.region.code;
    const at = d.apiSlots[i];
    if (!at) throw new Error(`DC ${dc} has no address for commerce-api ${i + 1}`);
    const name = this.apiName(dc, i);
    this.table.remove(name);
    this.table.spawn({ name, dc, role: 'api', address: `${at.host}:${at.port}`, logFile: join(this.plan.logDir, `${name}.log`) },
      process.execPath, [commerceApi().main], {
        env: {
          ...settingsOf(d.region), // the DC's env: in regions/ (checked at up: none of the names below)
          ...this.dbEnv(d), HOST: at.host, PORT: String(at.port), JWT_SECRET: this.jwtSecret,
          REMOTE_DBS: this.remoteDbs(d), LEASE_SECONDS: String(leaseSeconds(this.plan)),
          REDIS_URL: `redis://${d.redis.host}:${d.redis.port}`, ROUTING_MODE: this.routing,
        },
      });
    await this.until(`commerce-api ${name}`, name, async () => (await fetch(`http://${at.host}:${at.port}/health/ready`)).ok, 60000);
  }

  async startLb(d: DcPlan): Promise<void> {
    const dc = d.region.code;
    writeFileSync(d.haproxy.config,
      haproxyConfig({ dc, entry: d.entry, statsSocket: d.haproxy.statsSocket, slots: d.apiSlots, active: this.apiCounts.get(dc)! }));
    rmSync(d.haproxy.statsSocket, { force: true });
    this.table.spawn({ name: `haproxy-${dc}`, dc, role: 'haproxy', address: `${d.entry.host}:${d.entry.port}`, logFile: join(this.plan.logDir, `haproxy-${dc}.log`) },
      binary('haproxy'), ['-f', d.haproxy.config, '-db']);
    const active = this.apiCounts.get(dc)!;
    await this.until(`HAProxy of DC ${dc} to see its ${active} commerce-api processes up`, `haproxy-${dc}`, async () =>
      (await lbServers(d.haproxy.statsSocket)).filter((s) => s.status === 'UP').length === active);
  }

  /** The commerce-api processes a DC runs now. */
  activeApis(d: DcPlan) {
    return d.apiSlots.slice(0, this.apiCounts.get(d.region.code)!);
  }

  /**
   * The DC's two aggregators, on its own addresses, each checking only what is inside the DC. The
   * list of commerce-api they check is kept in the DC's health folder (scale rewrites it); a drain
   * kept there from before is said, since it holds until undrain.
   */
  async startHealthchecks(d: DcPlan, only?: number[]): Promise<void> {
    const dc = d.region.code;
    writeApiTargets(d.healthState, this.activeApis(d).map(urlOf));
    await Promise.all(d.healthchecks.map(async (at, i) => {
      if (only && !only.includes(i)) return;
      const name = `healthcheck-${dc}-${i + 1}`;
      this.table.remove(name);
      this.table.spawn({ name, dc, role: 'healthcheck', address: `${at.host}:${at.port}`, logFile: join(this.plan.logDir, `${name}.log`) },
        process.execPath, [gslbHealthcheck()], { env: healthcheckEnv(this.plan, d, i + 1, this.activeApis(d), this.o.path) });
      await this.until(`gslb-healthcheck ${name}`, name, async () => (await fetch(`${urlOf(at)}/health/live`)).ok);
    }));
    const [first] = await this.aggregators(d);
    const drain = readDrain(d.healthState);
    this.o.say(`DC ${dc}: gslb-healthcheck says ${first?.state ?? 'nothing'}${first?.reason ? ` (${first.reason})` : ''}`
      + (drain ? `; drained since ${drain.since}: regionctl undrain ${dc} ends it` : ''));
  }

  /** Both geo-DNS servers (or those named), outside every DC, reading the configuration written from regions/ now. */
  async startDns(only?: string[]): Promise<void> {
    const { plan } = this;
    mkdirSync(plan.dns.stateDir, { recursive: true });
    writeFileSync(plan.dns.config, `${JSON.stringify(dnsConfig(plan, this.o.geoipDatabase), null, 2)}\n`);
    await Promise.all(plan.dns.servers.filter((s) => !only || only.includes(s.instance)).map(async (s) => {
      const name = `gslb-dns-${s.instance}`;
      this.table.remove(name);
      this.table.spawn({ name, dc: '', role: 'dns', address: `${s.dns.host}:${s.dns.port}`, logFile: join(plan.logDir, `${name}.log`) },
        process.execPath, [gslbDns()], { env: dnsEnv(plan, s, this.o.path) });
      await this.until(`gslb-dns ${s.instance}`, name, async () => (await fetch(`${urlOf(s.http)}/health/live`)).ok);
    }));
  }

  aggregators(d: DcPlan): Promise<AggregatorReport[]> {
    return Promise.all(d.healthchecks.map((at, i) => askAggregator(at, i + 1)));
  }

  /** relocate mode: the edge in front of every DC's entry, routing on the home-DC cookie. */
  async startEdge(): Promise<void> {
    const e = this.plan.edge;
    this.o.say(`starting the edge HAProxy (relocate mode) on ${e.entry.host}:${e.entry.port}`);
    writeFileSync(e.config, edgeConfig({ entry: e.entry, statsSocket: e.statsSocket, homeCookie: HOME_COOKIE,
      dcs: this.plan.dcs.map((d) => ({ code: d.region.code, entry: d.entry })) }));
    rmSync(e.statsSocket, { force: true });
    this.table.spawn({ name: 'edge', dc: '', role: 'edge', address: `${e.entry.host}:${e.entry.port}`, logFile: join(this.plan.logDir, 'haproxy-edge.log') },
      binary('haproxy'), ['-f', e.config, '-db']);
    await this.until('the edge HAProxy to see every DC up', 'edge', async () =>
      (await lbServers(e.statsSocket, 'any_dc')).filter((s) => s.status === 'UP').length === this.plan.dcs.length);
  }

  /** Polls `check` until it holds; fails at once if the process it waits for has exited. */
  async until(what: string, processName: string, check: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      const p = this.table.get(processName);
      if (p && p.state !== 'running') throw new Error(`${what}: ${processName} exited with ${p.exit} (see ${p.logFile})`);
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  remoteDbs(d: DcPlan): string {
    return d.remoteDbs.map((r) => `${r.dc}=${r.via.host}:${r.via.port}`).join(',');
  }
}

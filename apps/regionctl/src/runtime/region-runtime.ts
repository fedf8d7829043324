import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOME_COOKIE, RoutingMode } from '@meridian/dc';
import { loadTopology } from '@meridian/regions';
import { APP_DATABASE, APP_USER, MariaDbNode, MIGRATE_USER } from '../db/mariadb-node';
import { appliedPosition, binlogPosition, binlogStart, channelError, channelName, channels, connectChannel, ownPosition, semiSyncStatus, SemiSyncStatus,
  waitForPosition } from '../db/replication';
import { edgeConfig, haproxyCommand, haproxyConfig, lbServers, LbServer, MAX_API_SLOTS, slotName } from '../lb/haproxy';
import { binary } from '../process/binaries';
import { ProcessInfo, ProcessTable } from '../process/process-table';
import { redisArgs, redisPing } from '../redis/redis-node';
import { DcPlan, Plan, planTopology } from '../topology/plan';
import { LinkLateness, WanAction, WanLink } from '../wan/wan-link';
import { commerceApi, runApiCli } from './commands';
import { settingsOf } from '../topology/settings';
import type { StockCommand } from '../control/control';

export interface UpOptions {
  regionsDir: string;
  dataDir: string;
  portBase?: number;
  /** start from empty databases (the DCs' data folders are removed first) */
  fresh?: boolean;
  catalog?: 'demo' | 'bench';
  /** remote-write (default) or relocate (commerce-api sends shoppers to their home; an edge HAProxy routes on it) */
  routing?: RoutingMode;
  /** PATH for the processes started (the servers' binaries, node) */
  path: string;
  /** progress and events, one line each */
  say: (line: string) => void;
}

export interface ChannelReport {
  channel: string;
  from: string;
  io: string;
  sql: boolean;
  secondsBehind: number | null;
  /** transactions of the source DC's own GTID domain not applied here yet; null when the source cannot be asked */
  transactionsBehind: number | null;
  error: string;
}

export interface DcReport {
  dc: string;
  name: string;
  entry: string;
  durability: string;
  apiProcesses: number;
  semiSync?: SemiSyncStatus | { error: string };
  lb: LbServer[] | { error: string };
  channels: ChannelReport[] | { error: string };
}

export interface StatusReport {
  dataDir: string;
  portBase: number;
  routing: RoutingMode;
  /** relocate mode: the edge's address and its view of each DC's entry */
  edge?: { entry: string; dcs: LbServer[] | { error: string } };
  dcs: DcReport[];
  processes: ProcessInfo[];
  links: { from: string; to: string; listen: string; latencyMs: number; cut: boolean; blackhole: boolean; connections: number; late: LinkLateness }[];
}

const linkKey = (from: string, to: string) => `${from}>${to}`;
const failure = (err: unknown) => ({ error: (err as Error).message });

/** how long `up` lets a new DC replay the others' history */
const JOIN_TIMEOUT_SECONDS = 600;

/** a DC that must get what the others hold before it writes or serves (see joiningDcs) */
interface Joining {
  dc: string;
  /** its database has nothing yet */
  empty: boolean;
  /** the last of its own writes the other DCs hold, when it had written before (it lost its data) */
  ownWrites?: string;
  /** an earlier `up` began its join and stopped before the topology was up (its marker file is there) */
  resumed?: boolean;
}

/**
 * In a DC's data folder while it joins: written before its join starts, removed once the whole
 * topology is up. A join cut short (Ctrl-C, a crash) leaves a database that is neither empty nor
 * complete; the next `up` sees the file and waits for the join again instead of serving that.
 */
const JOIN_MARKER = 'JOINING';

/** The last sequence number of GTID domain `domain` in a position like "1-1-42,2-2-17". */
function seqOf(position: string, domain: number): number {
  const g = position.split(',').map((s) => s.trim().split('-')).find((p) => Number(p[0]) === domain);
  return g ? Number(g[2]) : 0;
}

/**
 * The local multi-DC topology of regions/, as one supervisor process: per DC a MariaDB, a Redis,
 * N commerce-api processes and an HAProxy in front of them, all on the DC's own loopback
 * addresses; a WAN link for every ordered pair of DCs, through which replication and every
 * cross-DC database connection go. It reports processes that die and does not restart them.
 */
export class RegionRuntime {
  readonly nodes = new Map<string, MariaDbNode>();
  readonly links = new Map<string, WanLink>();
  private readonly table: ProcessTable;
  private readonly apiCounts = new Map<string, number>();
  private jwtSecret = '';
  private stopping = false;

  private constructor(readonly plan: Plan, private readonly o: UpOptions) {
    this.table = new ProcessTable(plan.runDir, (p) =>
      this.stopping || o.say(`!! ${p.name} (${p.role} of DC ${p.dc}, ${p.address}) exited with ${p.exit}; not restarted, see ${p.logFile}`));
    for (const dc of plan.dcs) this.apiCounts.set(dc.region.code, dc.apis.length);
  }

  static prepare(o: UpOptions): RegionRuntime {
    const { regions } = loadTopology(o.regionsDir);
    return new RegionRuntime(planTopology(regions, { dataDir: o.dataDir, portBase: o.portBase }), o);
  }

  private dc(code: string): DcPlan {
    const d = this.plan.dcs.find((x) => x.region.code === code);
    if (!d) throw new Error(`no DC "${code}" in this topology (DCs: ${this.plan.dcs.map((x) => x.region.code).join(', ')})`);
    return d;
  }

  async up(): Promise<void> {
    const { plan, o } = this;
    if (o.fresh) {
      for (const d of plan.dcs) rmSync(join(plan.dataDir, d.region.code), { recursive: true, force: true });
      rmSync(plan.logDir, { recursive: true, force: true });
      o.say(`fresh start: the data of ${plan.dcs.map((d) => d.region.code).join(', ')} was removed`);
    }
    for (const dir of [plan.dataDir, plan.logDir, plan.runDir]) mkdirSync(dir, { recursive: true });
    const secretFile = join(plan.dataDir, 'jwt-secret');
    if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(36).toString('base64url'), { mode: 0o600 });
    this.jwtSecret = readFileSync(secretFile, 'utf8').trim();

    o.say(`starting MariaDB of ${plan.dcs.map((d) => `${d.region.code} (${d.db.host}:${d.db.port})`).join(', ')}`);
    await Promise.all(plan.dcs.map((d) => this.startDb(d)));
    const joining = await this.joiningDcs();
    await Promise.all(plan.dcs.map((d) => this.migrate(d)));

    o.say(`starting WAN links: ${plan.links.map((l) => `${l.from}->${l.to} ${l.latencyMs} ms`).join(', ')}`);
    for (const l of plan.links) {
      const link = new WanLink({ listen: l.listen, target: l.target, latencyMs: l.latencyMs });
      await link.start();
      this.links.set(linkKey(l.from, l.to), link);
    }
    for (const l of plan.links) await connectChannel(this.nodes.get(l.from)!, l.to, l.listen);
    if (joining.length > 0) await this.replayHistory(joining);
    await this.seed();

    o.say('starting Redis');
    await Promise.all(plan.dcs.map((d) => this.startRedis(d)));
    o.say(`starting commerce-api: ${plan.dcs.map((d) => `${d.apis.length} in ${d.region.code}`).join(', ')}`);
    await Promise.all(plan.dcs.flatMap((d) => d.apis.map((_, i) => this.startApi(d, i))));
    o.say('starting HAProxy');
    await Promise.all(plan.dcs.map((d) => this.startLb(d)));
    if (this.routing === 'relocate') await this.startEdge();
    for (const j of joining) rmSync(this.joinMarker(j.dc), { force: true });
  }

  private joinMarker(dc: string): string {
    return join(this.plan.dataDir, dc, JOIN_MARKER);
  }

  get routing(): RoutingMode {
    return this.o.routing ?? 'remote-write';
  }

  private async startDb(d: DcPlan): Promise<void> {
    const r = d.region;
    const node = new MariaDbNode({
      dc: r.code, serverId: r.serverId, gtidDomainId: r.gtidDomainId, host: d.db.host, port: d.db.port,
      dataDir: d.db.dataDir, socket: d.db.socket, logDir: this.plan.logDir, bufferPool: '256M',
      gtidIgnoreDuplicates: this.plan.dcs.length > 2,
      semiSync: r.durability === 'semi-sync' ? { timeoutMs: r.semiSyncTimeoutMs } : undefined,
      spawner: (command, args, options) => this.table.spawn({ name: `mariadb-${r.code}`, dc: r.code, role: 'mariadb',
        address: `${d.db.host}:${d.db.port}`, logFile: join(this.plan.logDir, `mariadb-${r.code}.out`) }, command, args, options),
    });
    this.nodes.set(r.code, node);
    await node.start();
  }

  /**
   * DCs that must first get what the others hold: one whose database is empty (it has written and
   * applied nothing) in a topology where another DC's is not (a DC just added, or one that lost its
   * data), and one whose own writes the others hold further than it does itself (it lost its data
   * and an earlier `up` stopped before it had them all back). They get everything by replicating
   * the others' binlogs from their start, like any channel from an empty position (every binlog
   * holds every DC's writes, log_slave_updates); their own writes come back too, as far as they had
   * reached the others (in GTID strict mode MariaDB applies events bearing its own server_id that
   * its binlog lacks, MDEV-27760). Refused, before anything is written, when an empty DC joins and
   * a binlog no longer starts at the beginning (older files purged): it would miss what they held.
   */
  private async joiningDcs(): Promise<Joining[]> {
    const dbs = await Promise.all([...this.nodes].map(async ([dc, node]) => {
      const [written, applied] = await Promise.all([binlogPosition(node), appliedPosition(node)]);
      return { dc, node, written, empty: !written && !applied };
    }));
    if (dbs.every((d) => d.empty)) return [];
    const joining: Joining[] = [];
    for (const d of dbs) {
      const domain = d.node.o.gtidDomainId;
      const elsewhere = dbs.filter((o) => o !== d).map((o) => o.written.split(',').find((g) => g.startsWith(`${domain}-`)) ?? '')
        .sort((x, y) => seqOf(y, domain) - seqOf(x, domain))[0];
      const resumed = !d.empty && existsSync(this.joinMarker(d.dc));
      if (d.empty || resumed || seqOf(elsewhere, domain) > seqOf(d.written, domain)) {
        joining.push({ dc: d.dc, empty: d.empty, ownWrites: elsewhere || undefined, resumed });
      }
    }
    for (const h of joining.some((j) => j.empty) ? dbs.filter((d) => !d.empty) : []) {
      const start = await binlogStart(h.node);
      if (start) {
        throw new Error(`DC ${joining.filter((j) => j.empty).map((j) => j.dc).join(', ')} has an empty database and would get everything by replaying every DC's binlog `
          + `from its start, but DC ${h.dc}'s oldest binlog file starts at ${start} (older files were purged): it would miss what they held. `
          + 'Copy a snapshot of another DC into it instead (not automated), or start the whole topology empty with --fresh');
      }
    }
    for (const j of joining) writeFileSync(this.joinMarker(j.dc), `${new Date().toISOString()} joining: regionctl up waits for it until the topology is up\n`);
    return joining;
  }

  /**
   * Joining DCs replay what every other DC's binlog holds (all GTID domains, their own too) before
   * anything else is written or served: a DC that wrote its own domain's next number before getting
   * back its old ones would break replication everywhere (GTID strict mode).
   */
  private async replayHistory(joining: Joining[]): Promise<void> {
    const codes = joining.map((j) => j.dc);
    const holding = this.plan.dcs.map((d) => d.region.code).filter((dc) => !codes.includes(dc));
    const positions = await Promise.all(holding.map(async (dc) => binlogPosition(this.nodes.get(dc)!)));
    // every domain's last sequence number held anywhere: how many transactions the joining DCs apply
    const transactions = this.plan.dcs.map((d) => d.region.gtidDomainId)
      .reduce((sum, domain) => sum + Math.max(0, ...positions.map((p) => seqOf(p, domain))), 0);
    for (const j of joining) {
      this.o.say(j.resumed
        ? `DC ${j.dc}: its join did not finish (an earlier up stopped before the topology was up): resuming it, until it has what `
          + `${holding.join(', ')} hold (${transactions} transactions)`
        : j.ownWrites
        ? `DC ${j.dc}: ${j.empty ? 'its database is empty' : 'it has not got back all its own writes yet'}, but the other DCs hold its writes `
          + `up to ${j.ownWrites}: it lost its data; rebuilding it from ${holding.join(', ')} (${transactions} transactions; what it had `
          + 'committed and not yet sent is lost)'
        : `DC ${j.dc}: new in a topology with data; replaying what ${holding.join(', ')} wrote (${transactions} transactions)`);
    }
    const started = Date.now();
    for (const dc of codes) {
      const node = this.nodes.get(dc)!;
      const own = node.o.gtidDomainId;
      const wrote = seqOf(await binlogPosition(node), own);
      for (const [i, held] of positions.entries()) {
        // its own writes that it has itself (a resumed join in which it had begun to write) are not waited for: they are
        // in its binlog, not in what it applied, which is what MASTER_GTID_WAIT looks at
        const position = wrote >= seqOf(held, own) ? held.split(',').filter((g) => !g.trim().startsWith(`${own}-`)).join(',') : held;
        if (position && !(await waitForPosition(node, position, JOIN_TIMEOUT_SECONDS))) {
          throw new Error(`DC ${dc} did not apply what DC ${holding[i]} holds (${position}) within ${JOIN_TIMEOUT_SECONDS} s: see ${this.plan.logDir}/mariadb-${dc}.err`);
        }
      }
    }
    this.o.say(`DC ${codes.join(', ')}: has everything the other DCs hold (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  /** Each DC creates its schema itself (unlogged, see createAppDatabase), as the migration user over the socket. */
  private async migrate(d: DcPlan): Promise<void> {
    const node = this.nodes.get(d.region.code)!;
    await node.createAppDatabase();
    const out = await runApiCli(['migrate', '--local'], { ...this.dbEnv(d), DB_USER: MIGRATE_USER.user, DB_PASSWORD: MIGRATE_USER.password });
    this.o.say(`DC ${d.region.code}: ${out.split('\n').pop()}`);
  }

  private dbEnv(d: DcPlan): Record<string, string> {
    return { PATH: this.o.path, DC_ID: d.region.code, DB_HOST: d.db.host, DB_PORT: String(d.db.port), DB_SOCKET: d.db.socket,
      DB_USER: APP_USER.user, DB_PASSWORD: APP_USER.password, DB_NAME: APP_DATABASE };
  }

  /**
   * The catalog and the admin account are made once, in the first DC, and replicate; every other
   * DC then adds its own stock allocation rows (each DC owns and sells only its own).
   */
  private async seed(): Promise<void> {
    const [first, ...others] = this.plan.dcs;
    const out = await runApiCli(['setup', this.o.catalog ?? 'demo'], { ...this.dbEnv(first), STOCK_DCS: first.region.code });
    for (const line of out.split('\n').filter((l) => !l.startsWith('migrations'))) this.o.say(`DC ${first.region.code}: ${line}`);
    if (others.length === 0) return;
    await this.caughtUp(first.region.code);
    for (const d of others) this.o.say(`DC ${d.region.code}: ${await runApiCli(['seed', 'stock'], this.dbEnv(d))}`);
  }

  /** Waits until every other DC has applied everything DC `dc` wrote in its own GTID domain. */
  async caughtUp(dc: string, timeoutSeconds = 60): Promise<void> {
    const position = await ownPosition(this.nodes.get(dc)!);
    if (!position) return;
    for (const [code, node] of this.nodes) {
      if (code !== dc && !(await waitForPosition(node, position, timeoutSeconds))) {
        throw new Error(`DC ${code} did not apply DC ${dc}'s writes (${position}) within ${timeoutSeconds} s: see regionctl status`);
      }
    }
  }

  private async startRedis(d: DcPlan): Promise<void> {
    const dc = d.region.code;
    mkdirSync(d.redis.dataDir, { recursive: true });
    this.table.spawn({ name: `redis-${dc}`, dc, role: 'redis', address: `${d.redis.host}:${d.redis.port}`, logFile: join(this.plan.logDir, `redis-${dc}.log`) },
      binary('redis-server'), redisArgs(d.redis));
    await this.until(`Redis of DC ${dc}`, `redis-${dc}`, () => redisPing(d.redis));
  }

  private apiName(dc: string, i: number): string {
    return `api-${dc}-${i + 1}`;
  }

  private async startApi(d: DcPlan, i: number): Promise<void> {
    const dc = d.region.code;
    const at = d.apiSlots[i];
    const name = this.apiName(dc, i);
    this.table.remove(name);
    this.table.spawn({ name, dc, role: 'api', address: `${at.host}:${at.port}`, logFile: join(this.plan.logDir, `${name}.log`) },
      process.execPath, [commerceApi().main], {
        env: {
          ...settingsOf(d.region), // the DC's env: in regions/ (checked at up: none of the names below)
          ...this.dbEnv(d), HOST: at.host, PORT: String(at.port), JWT_SECRET: this.jwtSecret,
          REMOTE_DBS: this.remoteDbs(d),
          REDIS_URL: `redis://${d.redis.host}:${d.redis.port}`, ROUTING_MODE: this.routing,
        },
      });
    await this.until(`commerce-api ${name}`, name, async () => (await fetch(`http://${at.host}:${at.port}/health/ready`)).ok, 60000);
  }

  private async startLb(d: DcPlan): Promise<void> {
    const dc = d.region.code;
    writeFileSync(d.haproxy.config, haproxyConfig({ dc, entry: d.entry, statsSocket: d.haproxy.statsSocket, slots: d.apiSlots, active: this.apiCounts.get(dc)! }));
    rmSync(d.haproxy.statsSocket, { force: true });
    this.table.spawn({ name: `haproxy-${dc}`, dc, role: 'haproxy', address: `${d.entry.host}:${d.entry.port}`, logFile: join(this.plan.logDir, `haproxy-${dc}.log`) },
      binary('haproxy'), ['-f', d.haproxy.config, '-db']);
    const active = this.apiCounts.get(dc)!;
    await this.until(`HAProxy of DC ${dc} to see its ${active} commerce-api processes up`, `haproxy-${dc}`, async () =>
      (await lbServers(d.haproxy.statsSocket)).filter((s) => s.status === 'UP').length === active);
  }

  /** relocate mode: the edge in front of every DC's entry, routing on the home-DC cookie. */
  private async startEdge(): Promise<void> {
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
  private async until(what: string, processName: string, check: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      const p = this.table.get(processName);
      if (p && p.state !== 'running') throw new Error(`${what}: ${processName} exited with ${p.exit} (see ${p.logFile})`);
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Cuts, blackholes or heals the WAN between two DCs, both directions. */
  async wan(action: WanAction, a: string, b: string): Promise<string> {
    this.dc(a);
    this.dc(b);
    if (a === b) throw new Error('a WAN link joins two different DCs');
    for (const key of [linkKey(a, b), linkKey(b, a)]) {
      const link = this.links.get(key)!;
      if (action === 'cut') await link.cut();
      else if (action === 'blackhole') link.blackhole();
      else await link.heal();
    }
    const line = `WAN ${a} <-> ${b}: ${{ cut: 'cut', blackhole: 'blackholed (held back silently until healed)', heal: 'healed' }[action]}`;
    this.o.say(line);
    return line;
  }

  /**
   * The operator's stock commands, run by commerce-api's CLI as if in a DC (a transfer in its
   * source DC): that DC's database, and the others through its WAN links, as its processes see them.
   */
  async stock(c: StockCommand): Promise<string> {
    const at = this.dc(c.action === 'transfer' ? c.from : c.dc ?? this.plan.dcs[0].region.code);
    if (c.action === 'transfer') this.dc(c.to);
    const args = c.action === 'transfer'
      ? ['stock', 'transfer', c.sku, String(c.units), c.from, c.to, ...(c.key === undefined ? [] : ['--key', c.key])]
      : ['stock', 'show', c.sku];
    const out = await runApiCli(args, { ...this.dbEnv(at), REMOTE_DBS: this.remoteDbs(at) });
    if (c.action === 'transfer') this.o.say(out);
    return out;
  }

  private remoteDbs(d: DcPlan): string {
    return d.remoteDbs.map((r) => `${r.dc}=${r.via.host}:${r.via.port}`).join(',');
  }

  /**
   * Sets the number of commerce-api processes of a DC at run time: new ones start and enter the
   * load balancer once healthy; removed ones are drained in HAProxy first, then stopped gracefully.
   */
  async scale(code: string, count: number): Promise<string> {
    const d = this.dc(code);
    if (!Number.isInteger(count) || count < 1 || count > MAX_API_SLOTS) throw new Error(`a DC runs 1 to ${MAX_API_SLOTS} commerce-api processes`);
    const current = this.apiCounts.get(code)!;
    const socket = d.haproxy.statsSocket;
    for (let i = current; i < count; i++) {
      await this.startApi(d, i);
      await haproxyCommand(socket, `enable server api/${slotName(i)}`);
      this.apiCounts.set(code, i + 1);
      await this.until(`HAProxy of DC ${code} to send traffic to ${slotName(i)}`, this.apiName(code, i), async () =>
        (await lbServers(socket)).find((s) => s.name === slotName(i))?.status === 'UP');
    }
    for (let i = current - 1; i >= count; i--) {
      await haproxyCommand(socket, `set server api/${slotName(i)} state drain`);
      await this.until(`${slotName(i)} of DC ${code} to drain`, `haproxy-${code}`, async () =>
        ((await lbServers(socket)).find((s) => s.name === slotName(i))?.sessions ?? 0) === 0, 30000).catch(() => undefined);
      await haproxyCommand(socket, `disable server api/${slotName(i)}`);
      await this.table.stop(this.apiName(code, i));
      this.table.remove(this.apiName(code, i));
      this.apiCounts.set(code, i);
    }
    const line = `DC ${code}: ${count} commerce-api processes (was ${current})`;
    this.o.say(line);
    return line;
  }

  async status(): Promise<StatusReport> {
    const positions = new Map<string, string | null>();
    await Promise.all([...this.nodes].map(async ([dc, node]) => positions.set(dc, await binlogPosition(node).catch(() => null))));
    const dcs = await Promise.all(this.plan.dcs.map(async (d): Promise<DcReport> => {
      const dc = d.region.code;
      const node = this.nodes.get(dc)!;
      const channelReport = async (): Promise<ChannelReport[]> => {
        const [list, slavePos] = await Promise.all([channels(node),
          appliedPosition(node)]);
        return this.plan.links.filter((l) => l.from === dc).map((l) => {
          const c = list.find((x) => x.channel === channelName(l.to));
          const source = positions.get(l.to);
          const domain = this.dc(l.to).region.gtidDomainId;
          return {
            channel: channelName(l.to), from: l.to, io: c?.ioRunning ?? 'missing', sql: c?.sqlRunning ?? false,
            secondsBehind: c?.secondsBehind ?? null,
            transactionsBehind: source == null ? null : Math.max(0, seqOf(source, domain) - seqOf(slavePos, domain)),
            error: c ? channelError(c) : 'the channel is not configured',
          };
        });
      };
      return {
        dc, name: d.region.name, entry: `http://${d.entry.host}:${d.entry.port}`, durability: d.region.durability,
        apiProcesses: this.apiCounts.get(dc)!,
        semiSync: d.region.durability === 'semi-sync' ? await semiSyncStatus(node).catch(failure) : undefined,
        lb: await lbServers(d.haproxy.statsSocket).catch(failure),
        channels: await channelReport().catch(failure),
      };
    }));
    const e = this.plan.edge;
    return {
      dataDir: this.plan.dataDir, portBase: this.plan.portBase, routing: this.routing, dcs, processes: this.table.list(),
      edge: this.routing === 'relocate'
        ? { entry: `http://${e.entry.host}:${e.entry.port}`, dcs: await lbServers(e.statsSocket, 'any_dc').catch(failure) } : undefined,
      links: this.plan.links.map((l) => {
        const s = this.links.get(linkKey(l.from, l.to))?.stats;
        return { from: l.from, to: l.to, listen: `${l.listen.host}:${l.listen.port}`, latencyMs: l.latencyMs, cut: s?.cut ?? true, blackhole: s?.blackhole ?? false, connections: s?.connections ?? 0,
          late: s?.late ?? { chunks: 0, p50: 0, p99: 0, max: 0 } };
      }),
    };
  }

  /**
   * `regionctl replication start <dc>`: every replication channel of the DC re-pointed at its link and
   * started from where it stopped (a channel stopped by hand, by an error an operator has since fixed,
   * or one that gave up reconnecting), without a full `up`. Says how each is a few seconds later.
   */
  async startChannels(code: string): Promise<string> {
    const node = this.nodes.get(this.dc(code).region.code)!;
    for (const l of this.plan.links.filter((x) => x.from === code)) await connectChannel(node, l.to, l.listen);
    let list = await channels(node);
    for (const until = Date.now() + 5000; Date.now() < until && list.some((c) => c.ioRunning !== 'Yes' && !channelError(c));) {
      await new Promise((r) => setTimeout(r, 200));
      list = await channels(node);
    }
    return list.map((c) => `DC ${code}: ${c.channel} started: io ${c.ioRunning}, sql ${c.sqlRunning ? 'Yes' : 'No'}`
      + (channelError(c) ? `; error: ${channelError(c)}` : '')).join('\n');
  }

  /** Stops everything it started: shop processes first (they drain), then load balancers, Redis, databases, links. */
  async down(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const names = (role: string) => this.table.list().filter((p) => p.role === role && p.state === 'running').map((p) => p.name);
    for (const role of ['edge', 'api', 'haproxy', 'redis', 'mariadb']) await Promise.all(names(role).map((n) => this.table.stop(n)));
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }
}

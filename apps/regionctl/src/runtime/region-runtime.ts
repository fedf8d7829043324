import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RoutingMode } from '@meridian/dc';
import { readFence, removeDrain, writeApiTargets, writeDrain } from '@meridian/health';
import { loadTopology } from '@meridian/regions';
import { APP_DATABASE, MariaDbNode, MIGRATE_USER } from '../db/mariadb-node';
import { GtidPosition } from '../db/gtid-position';
import { binlogPosition, channelError, channels, connectChannel, ownPosition, semiSyncStatus, waitForPosition } from '../db/replication';
import { haproxyCommand, lbServers, MAX_API_SLOTS, slotName } from '../lb/haproxy';
import { ProcessInfo, ProcessTable, Role } from '../process/process-table';
import { DcPlan, Plan, planTopology } from '../topology/plan';
import { WanAction, WanLink } from '../wan/wan-link';
import { runApiCli } from './commands';
import { askDns } from '../health/dns-config';
import { AggregatorReport, urlOf } from '../health/healthchecks';
import { JoinContext, joiningDcs, joinsDone, replayHistory } from './joining';
import { channelReports, DcReport, failure, StatusReport } from './status-report';
import { DcProcesses } from './dc-processes';
import { Failover, FailoverOptions } from './failover';
import { AutoFailover } from './auto-failover';
import { Supervisor, SuperviseMode } from '../process/supervisor';
import type { StockCommand } from '../control/control';

/** What `kill` takes: every process of a DC, or those of one role. */
export const KILL_TARGETS = ['all', 'api', 'db', 'redis', 'lb', 'healthcheck'] as const;
export type KillTarget = typeof KILL_TARGETS[number];
const KILLED_ROLE: Record<Exclude<KillTarget, 'all'>, Role> = { api: 'api', db: 'mariadb', redis: 'redis', lb: 'haproxy', healthcheck: 'healthcheck' };

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
  /** a MaxMind DB country file: the geo-DNS places clients by the countries of regions/ too */
  geoipDatabase?: string;
  /** what is started again, with back-off, when it dies (default: commerce-api) */
  supervise?: SuperviseMode;
  /** three DCs or more: fail a DC over by itself once it has failed its health checks this long (and the others cannot reach it) */
  autoFailoverSeconds?: number;
  /** progress and events, one line each */
  say: (line: string) => void;
}

const linkKey = (from: string, to: string) => `${from}>${to}`;

/**
 * The local multi-DC topology of regions/, as one supervisor process: per DC a MariaDB, a Redis,
 * N commerce-api processes, an HAProxy in front of them and two gslb-healthcheck aggregators, all on the DC's own loopback
 * addresses; a WAN link for every ordered pair of DCs, through which replication and every
 * cross-DC database connection go. It reports processes that die; its supervisor starts commerce-api processes that died
 * again, with back-off (--supervise: the aggregators too, or nothing), and leaves the rest to the operator (restart, start).
 */
export class RegionRuntime {
  readonly links = new Map<string, WanLink>();
  private readonly table: ProcessTable;
  /** starts each kind of process of a DC, and knows what runs where */
  private readonly procs: DcProcesses;
  private readonly failovers: Failover;
  private readonly supervisor: Supervisor;
  private autoFailover?: AutoFailover;
  private stopping = false;

  private constructor(readonly plan: Plan, private readonly o: UpOptions) {
    this.supervisor = new Supervisor(o.supervise ?? 'api');
    this.table = new ProcessTable(plan.runDir, (p) => this.died(p));
    this.procs = new DcProcesses(plan, this.table, o);
    this.failovers = new Failover(plan, this.procs, o.say);
  }

  /** A process ended by itself: reported, and started again later if the supervisor takes it. */
  private died(p: ProcessInfo): void {
    if (this.stopping) return;
    const delay = this.supervisor.onDeath(p);
    const what = `!! ${p.name} (${p.role} of DC ${p.dc}, ${p.address}) exited with ${p.exit}`;
    if (delay === undefined) {
      this.o.say(`${what}; not restarted, see ${p.logFile}`);
      return;
    }
    this.o.say(`${what}; restarting it in ${delay} s (restart ${p.restarts + 1}), see ${p.logFile}`);
    this.supervisor.schedule(delay, () => this.revive(p));
  }

  /** The supervisor's restart of a process that died (unless someone started or stopped it meanwhile). */
  private async revive(p: ProcessInfo): Promise<void> {
    const now = this.table.get(p.name);
    if (this.stopping || now?.state !== 'exited' || this.supervisor.isHeld(p.name)) return;
    const i = Number(/-(\d+)$/.exec(p.name)?.[1]) - 1;
    if (p.role === 'api' && i >= this.procs.apiCounts.get(p.dc)!) return; // scaled away meanwhile
    this.table.countRestart(p.name);
    this.supervisor.restarting(p.name);
    try {
      if (p.role === 'api') await this.procs.startApi(this.dc(p.dc), i);
      else if (p.role === 'healthcheck') await this.procs.startHealthchecks(this.dc(p.dc), [i]);
      else if (p.role === 'dns') await this.procs.startDns([p.name.replace(/^gslb-dns-/, '')]);
      this.o.say(`${p.name} restarted by the supervisor: pid ${this.table.list().find((x) => x.name === p.name)?.pid ?? '?'}, ready`);
    } catch (err) {
      // one that dies again is reported and scheduled by died(), with a longer wait
      this.o.say(`!! ${p.name}: the supervisor's restart failed: ${(err as Error).message}`);
    }
  }

  get nodes(): Map<string, MariaDbNode> {
    return this.procs.nodes;
  }

  static prepare(o: UpOptions): RegionRuntime {
    const { regions } = loadTopology(o.regionsDir);
    return new RegionRuntime(planTopology(regions, { dataDir: o.dataDir, portBase: o.portBase }), o);
  }

  /** The DC that comes first by code (the admin's home, the default of commands that name none). */
  firstDc(): DcPlan {
    const [first] = this.plan.dcs;
    if (!first) throw new Error('the topology has no DC');
    return first;
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
    this.procs.jwtSecret = readFileSync(secretFile, 'utf8').trim();

    o.say(`starting MariaDB of ${plan.dcs.map((d) => `${d.region.code} (${d.db.host}:${d.db.port})`).join(', ')}`);
    const fencedBefore = this.failovers.fenced();
    await Promise.all(plan.dcs.map((d) => this.procs.startDb(d, fencedBefore.has(d.region.code))));
    const fenced = await this.fencedNow();
    const joining = await joiningDcs(this.joinContext);
    // a fenced DC's schema is left as it is (its database is read-only; failback rebuilds it)
    await Promise.all(plan.dcs.filter((d) => !fenced.has(d.region.code)).map((d) => this.migrate(d)));

    o.say(`starting WAN links: ${plan.links.map((l) => `${l.from}->${l.to} ${l.latencyMs} ms`).join(', ')}`);
    for (const l of plan.links) {
      const link = new WanLink({ listen: l.listen, target: l.target, latencyMs: l.latencyMs });
      await link.start();
      this.links.set(linkKey(l.from, l.to), link);
    }
    for (const l of plan.links.filter((x) => !fenced.has(x.from) && !fenced.has(x.to))) await connectChannel(this.nodes.get(l.from)!, l.to, l.listen);
    if (joining.length > 0) await replayHistory(this.joinContext, joining);
    await this.seed(fenced);

    o.say('starting Redis');
    await Promise.all(plan.dcs.map((d) => this.procs.startRedis(d)));
    o.say(`starting commerce-api: ${plan.dcs.map((d) => `${d.apis.length} in ${d.region.code}`).join(', ')}`);
    await Promise.all(plan.dcs.flatMap((d) => d.apis.map((_, i) => this.procs.startApi(d, i))));
    o.say('starting HAProxy');
    await Promise.all(plan.dcs.map((d) => this.procs.startLb(d)));
    o.say(`starting gslb-healthcheck: ${plan.dcs.map((d) => `${d.region.code} on ${d.healthchecks.map((h) => h.host).join(' and ')}`).join(', ')}`);
    await Promise.all(plan.dcs.map((d) => this.procs.startHealthchecks(d)));
    o.say(`starting gslb-dns: ${plan.dns.servers.map((s) => `${s.name} on ${s.dns.host}:${s.dns.port}`).join(', ')}`);
    await this.procs.startDns();
    if (this.routing === 'relocate') await this.procs.startEdge();
    joinsDone(plan, joining);
    if (o.autoFailoverSeconds !== undefined) {
      this.autoFailover = new AutoFailover({ plan, fenced: () => this.failovers.fenced(), aggregators: (d) => this.procs.aggregators(d),
        reachedBy: (d, others) => this.failovers.reachedBy(d, others), failover: (dc) => this.failover(dc, {}), say: o.say }, o.autoFailoverSeconds);
      this.autoFailover.start();
      o.say(`automatic failover on: a DC that fails its health checks for ${o.autoFailoverSeconds} s, out of reach of the others, is failed over`);
    }
  }

  private get joinContext(): JoinContext {
    return { plan: this.plan, nodes: this.nodes, say: this.o.say };
  }

  get routing(): RoutingMode {
    return this.o.routing ?? 'remote-write';
  }

  /** Each DC creates its schema itself (unlogged, see createAppDatabase), as the migration user over the socket. */
  private async migrate(d: DcPlan): Promise<void> {
    const node = this.nodes.get(d.region.code)!;
    await node.createAppDatabase();
    const out = await runApiCli(['migrate', '--local'], { ...this.procs.dbEnv(d), DB_USER: MIGRATE_USER.user, DB_PASSWORD: MIGRATE_USER.password });
    this.o.say(`DC ${d.region.code}: ${out.split('\n').pop()}`);
  }

  /**
   * The catalog and the admin account are made once, in the first DC, and replicate; every other
   * DC then adds its own stock allocation rows (each DC owns and sells only its own).
   */
  private async seed(fenced: Set<string>): Promise<void> {
    const [first, ...others] = this.plan.dcs.filter((d) => !fenced.has(d.region.code));
    if (!first) return;
    const out = await runApiCli(['setup', this.o.catalog ?? 'demo'], { ...this.procs.dbEnv(first), STOCK_DCS: first.region.code });
    for (const line of out.split('\n').filter((l) => !l.startsWith('migrations'))) this.o.say(`DC ${first.region.code}: ${line}`);
    if (others.length === 0) return;
    await this.caughtUp(first.region.code, 60, fenced);
    for (const d of others) this.o.say(`DC ${d.region.code}: ${await runApiCli(['seed', 'stock'], this.procs.dbEnv(d))}`);
  }

  /**
   * The DCs fenced now: those whose fence file says so, and those another DC's fence row says were
   * failed over (their database, started before that was known, is set read-only now).
   */
  private async fencedNow(): Promise<Set<string>> {
    const fenced = new Set<string>();
    for (const d of this.plan.dcs) {
      const code = d.region.code;
      if (!(await this.failovers.fenceOf(code))) continue;
      fenced.add(code);
      await this.nodes.get(code)!.rootQuery('SET GLOBAL read_only = ON; STOP ALL SLAVES');
    }
    for (const code of fenced) this.o.say(`DC ${code}: failed over and not failed back: its database is read-only, without replication; regionctl failback ${code} brings it back`);
    return fenced;
  }

  /** Waits until every other DC (but fenced ones, which replicate nothing) has applied everything DC `dc` wrote in its own GTID domain. */
  async caughtUp(dc: string, timeoutSeconds = 60, fenced = this.failovers.fenced()): Promise<void> {
    const position = await ownPosition(this.nodes.get(dc)!);
    if (position.empty) return;
    for (const [code, node] of this.nodes) {
      if (code !== dc && !fenced.has(code) && !(await waitForPosition(node, position, timeoutSeconds))) {
        throw new Error(`DC ${code} did not apply DC ${dc}'s writes (${position}) within ${timeoutSeconds} s: see regionctl status`);
      }
    }
  }

  /**
   * Makes both aggregators of a DC answer FAIL with the reason `drained` whatever their checks say
   * (the geo-DNS stops naming it); kept in the DC's health folder, so it outlives their restarts
   * and regionctl's. Answers once both say so.
   */
  async drain(code: string, reason: string): Promise<string> {
    const d = this.dc(code);
    if (reason.length > 200 || /\p{Cc}/u.test(reason)) throw new Error('the reason is one line of at most 200 characters');
    writeDrain(d.healthState, reason);
    const answers = await this.untilAggregators(d, (a) => a.state === 'FAIL' && /^drained\b/.test(a.reason ?? ''));
    const line = `DC ${code} drained${reason ? ` (${reason})` : ''}: ${answers}`;
    this.o.say(line);
    return line;
  }

  /** SIGKILLs every process of a DC, or those of one role, as a crash would; they stay down until `start`. */
  async kill(code: string, what: KillTarget): Promise<string> {
    this.dc(code);
    const roles = what === 'all' ? Object.values(KILLED_ROLE) : [KILLED_ROLE[what]];
    const victims = this.table.list().filter((p) => p.dc === code && roles.includes(p.role) && p.state === 'running' && p.pid !== undefined);
    if (!victims.length) return `DC ${code}: no ${what === 'all' ? '' : `${what} `}process is running`;
    for (const p of victims) this.supervisor.hold(p.name); // a drill: down until start
    for (const p of victims) {
      try {
        process.kill(p.pid!, 'SIGKILL');
      } catch {
        // it ended on its own meanwhile
      }
    }
    await Promise.all(victims.map((p) => this.table.ended(p.name)));
    const line = `DC ${code}: killed (SIGKILL) ${victims.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`;
    this.o.say(line);
    return line;
  }

  /** Brings back, with its data, every process of a DC that is not running, in the order up starts them. */
  async start(code: string): Promise<string> {
    const d = this.dc(code);
    const down = (name: string) => this.table.get(name)?.state !== 'running';
    for (const p of this.table.list().filter((x) => x.dc === code)) this.supervisor.release(p.name);
    const started: string[] = [];
    const fence = await this.failovers.fenceOf(code);
    if (down(`mariadb-${code}`)) {
      // fenced: read-only, no channel; else its channels start (but from a fenced DC); the other DCs' reconnect by themselves
      await this.procs.startDb(d, fence !== undefined);
      if (!fence) await this.connectChannels(d);
      started.push(`mariadb-${code}${fence ? ' (read-only: fenced)' : ''}`);
    }
    if (down(`redis-${code}`)) {
      await this.procs.startRedis(d);
      started.push(`redis-${code}`);
    }
    // a fenced DC that lost its data has no shop database until failback rebuilds it: nothing to serve yet
    const noData = fence !== undefined && !(await this.nodes.get(code)!.rootQuery(`SHOW DATABASES LIKE '${APP_DATABASE}'`)).length;
    for (let i = 0; i < this.procs.apiCounts.get(code)! && !noData; i++) {
      if (!down(this.procs.apiName(code, i))) continue;
      await this.procs.startApi(d, i);
      started.push(this.procs.apiName(code, i));
    }
    if (down(`haproxy-${code}`) && !noData) {
      await this.procs.startLb(d);
      started.push(`haproxy-${code}`);
    }
    const aggregators = d.healthchecks.map((_, i) => i).filter((i) => down(`healthcheck-${code}-${i + 1}`));
    if (aggregators.length) {
      await this.procs.startHealthchecks(d, aggregators);
      started.push(...aggregators.map((i) => `healthcheck-${code}-${i + 1}`));
    }
    const line = (started.length ? `DC ${code}: started ${started.join(', ')}` : `DC ${code}: every process is running`)
      + (noData ? `\nDC ${code}'s database is empty (a lost disk?): its commerce-api and HAProxy start at regionctl failback ${code}, which rebuilds it` : '')
      + (fence ? `\nDC ${code} is fenced: failed over to DC ${fence.movedTo} (epoch ${fence.epoch}); it takes no writes and replicates nothing `
        + `until regionctl failback ${code}` : '');
    this.o.say(line);
    return line;
  }

  /** Starts every replication channel of a DC but those from a fenced DC. */
  private async connectChannels(d: DcPlan): Promise<void> {
    const fenced = this.failovers.fenced();
    for (const l of this.plan.links.filter((x) => x.from === d.region.code && !fenced.has(x.to))) await connectChannel(this.nodes.get(l.from)!, l.to, l.listen);
  }

  /** `regionctl failover`: see Failover. */
  failover(code: string, o: FailoverOptions): Promise<string> {
    return this.failovers.failover(code, o);
  }

  /** `regionctl failback`: see Failover.failback; answers once the DC's aggregators say PASS again (or what they say). */
  async failback(code: string, o: { rehome?: boolean } = {}): Promise<string> {
    const d = this.dc(code);
    const done = await this.failovers.failback(code, {
      stopApis: async (dc) => {
        await Promise.all([...Array(this.procs.apiCounts.get(dc)!).keys()].map((i) => this.table.stop(this.procs.apiName(dc, i))));
      },
      startApis: async (dc) => {
        await this.start(dc);
      },
    }, o);
    return `${done}\n  ${await this.untilAggregators(d, (a) => a.state === 'PASS')}`;
  }

  /**
   * Starts one process again (ended first, gracefully, if it still runs), with its settings: what an
   * operator does after a crash or to pick up a change. A database comes back with its replication
   * (read-only and without it if its DC is fenced); a geo-DNS server alone, the other answering
   * meanwhile. Answers once it is ready.
   */
  async restart(name: string): Promise<string> {
    const p = this.table.get(name);
    if (!p) throw new Error(`no process "${name.slice(0, 40)}"; regionctl status lists them`);
    const i = Number(/-(\d+)$/.exec(name)?.[1]) - 1;
    if (p.role === 'api' && i >= this.procs.apiCounts.get(p.dc)!) throw new Error(`${name} was scaled away: regionctl scale ${p.dc} ${i + 1} starts it`);
    const before = p.state === 'running' ? 'running' : `${p.state}${p.exit ? `, ${p.exit}` : ''}`;
    this.supervisor.release(name);
    await this.table.stop(name);
    const d = p.dc ? this.dc(p.dc) : undefined;
    switch (p.role) {
      case 'api': await this.procs.startApi(d!, i); break;
      case 'mariadb': {
        const fence = await this.failovers.fenceOf(p.dc);
        await this.procs.startDb(d!, fence !== undefined);
        if (!fence) await this.connectChannels(d!);
        break;
      }
      case 'redis': await this.procs.startRedis(d!); break;
      case 'haproxy': await this.procs.startLb(d!); break;
      case 'healthcheck': await this.procs.startHealthchecks(d!, [i]); break;
      case 'dns': await this.procs.startDns([name.replace(/^gslb-dns-/, '')]); break;
      case 'edge': await this.procs.startEdge(); break;
      default: throw new Error(`${name}: no way to restart a ${String(p.role)} process`);
    }
    const line = `${name} restarted (was ${before}): pid ${this.table.list().find((x) => x.name === name)?.pid ?? '?'}, ready`;
    this.o.say(line);
    return line;
  }

  async undrain(code: string): Promise<string> {
    const d = this.dc(code);
    if (!removeDrain(d.healthState)) return `DC ${code} was not drained`;
    const answers = await this.untilAggregators(d, (a) => a.state !== undefined && !/^drained\b/.test(a.reason ?? ''));
    const line = `DC ${code} undrained: ${answers}`;
    this.o.say(line);
    return line;
  }

  /** Waits (a few rounds at most) until every running aggregator of the DC says what `holds` wants; says what each answers. */
  private async untilAggregators(d: DcPlan, holds: (a: AggregatorReport) => boolean): Promise<string> {
    let answers = await this.procs.aggregators(d);
    for (const until = Date.now() + 10000; Date.now() < until && !answers.every((a) => a.error || holds(a));) {
      await new Promise((r) => setTimeout(r, 100));
      answers = await this.procs.aggregators(d);
    }
    return answers.map((a) => `healthcheck ${a.instance} ${a.error ? `cannot be asked (${a.error})` : `${a.state}: ${a.reason}`}`).join('; ');
  }

  /** Cuts, blackholes or heals the WAN between two DCs, both directions. */
  /** slow: `ms` is the one-way latency from now on (undefined: the one of regions/ again). */
  async wan(action: WanAction, a: string, b: string, ms?: number): Promise<string> {
    this.dc(a);
    this.dc(b);
    if (a === b) throw new Error('a WAN link joins two different DCs');
    for (const key of [linkKey(a, b), linkKey(b, a)]) {
      const link = this.links.get(key)!;
      if (action === 'cut') await link.cut();
      else if (action === 'blackhole') link.blackhole();
      else if (action === 'slow') link.slow(ms);
      else await link.heal();
    }
    const latency = `${this.links.get(linkKey(a, b))!.latencyMs} ms one way${ms === undefined ? ' (as regions/ says)' : ''}`;
    const line = `WAN ${a} <-> ${b}: ${{ cut: 'cut', blackhole: 'blackholed (held back silently until healed)', heal: 'healed', slow: latency }[action]}`;
    this.o.say(line);
    return line;
  }

  /**
   * The operator's stock commands, run by commerce-api's CLI as if in a DC (a transfer in its
   * source DC): that DC's database, and the others through its WAN links, as its processes see them.
   */
  async stock(c: StockCommand): Promise<string> {
    const at = this.dc(c.action === 'transfer' ? c.from : c.dc ?? this.firstDc().region.code);
    if (c.action === 'transfer') this.dc(c.to);
    const args = c.action === 'transfer'
      ? ['stock', 'transfer', c.sku, String(c.units), c.from, c.to, ...(c.key === undefined ? [] : ['--key', c.key])]
      : ['stock', 'show', c.sku];
    const out = await runApiCli(args, { ...this.procs.dbEnv(at), REMOTE_DBS: this.procs.remoteDbs(at) });
    if (c.action === 'transfer') this.o.say(out);
    return out;
  }

  /**
   * Sets the number of commerce-api processes of a DC at run time: new ones start and enter the
   * load balancer once healthy; removed ones are drained in HAProxy first, then stopped gracefully.
   */
  async scale(code: string, count: number): Promise<string> {
    const d = this.dc(code);
    if (!Number.isInteger(count) || count < 1 || count > MAX_API_SLOTS) throw new Error(`a DC runs 1 to ${MAX_API_SLOTS} commerce-api processes`);
    const current = this.procs.apiCounts.get(code)!;
    const socket = d.haproxy.statsSocket;
    for (let i = current; i < count; i++) {
      await this.procs.startApi(d, i);
      await haproxyCommand(socket, `enable server api/${slotName(i)}`);
      this.procs.apiCounts.set(code, i + 1);
      writeApiTargets(d.healthState, this.procs.activeApis(d).map(urlOf));
      await this.procs.until(`HAProxy of DC ${code} to send traffic to ${slotName(i)}`, this.procs.apiName(code, i), async () =>
        (await lbServers(socket)).find((s) => s.name === slotName(i))?.status === 'UP');
    }
    // the aggregators stop checking the processes that go before they go
    if (count < current) writeApiTargets(d.healthState, d.apiSlots.slice(0, count).map(urlOf));
    for (let i = current - 1; i >= count; i--) {
      await haproxyCommand(socket, `set server api/${slotName(i)} state drain`);
      await this.procs.until(`${slotName(i)} of DC ${code} to drain`, `haproxy-${code}`, async () =>
        ((await lbServers(socket)).find((s) => s.name === slotName(i))?.sessions ?? 0) === 0, 30000).catch(() => undefined);
      await haproxyCommand(socket, `disable server api/${slotName(i)}`);
      await this.table.stop(this.procs.apiName(code, i));
      this.table.remove(this.procs.apiName(code, i));
      this.procs.apiCounts.set(code, i);
    }
    const line = `DC ${code}: ${count} commerce-api processes (was ${current})`;
    this.o.say(line);
    return line;
  }

  async status(): Promise<StatusReport> {
    const positions = new Map<string, GtidPosition | null>();
    await Promise.all([...this.nodes].map(async ([dc, node]) => positions.set(dc, await binlogPosition(node).catch(() => null))));
    const fenced = this.failovers.fenced();
    const dcs = await Promise.all(this.plan.dcs.map(async (d): Promise<DcReport> => {
      const dc = d.region.code;
      const node = this.nodes.get(dc)!;
      const sources = this.plan.links.filter((l) => l.from === dc)
        .map((l) => ({ dc: l.to, gtidDomainId: this.dc(l.to).region.gtidDomainId, position: positions.get(l.to) ?? null }));
      return {
        dc, name: d.region.name, entry: `http://${d.entry.host}:${d.entry.port}`, durability: d.region.durability,
        apiProcesses: this.procs.apiCounts.get(dc)!,
        gslb: await this.procs.aggregators(d),
        semiSync: d.region.durability === 'semi-sync' ? await semiSyncStatus(node).catch(failure) : undefined,
        lb: await lbServers(d.haproxy.statsSocket).catch(failure),
        channels: await channelReports(node, sources, fenced).catch(failure),
        ...(fenced.has(dc) ? { failedOver: readFence(d.healthState) } : {}),
      };
    }));
    const e = this.plan.edge;
    const dns = await Promise.all(this.plan.dns.servers.map((s) => askDns(s)));
    return {
      dns,
      dataDir: this.plan.dataDir, portBase: this.plan.portBase, routing: this.routing, dcs, processes: this.table.list(),
      edge: this.routing === 'relocate'
        ? { entry: `http://${e.entry.host}:${e.entry.port}`, dcs: await lbServers(e.statsSocket, 'any_dc').catch(failure) } : undefined,
      links: this.plan.links.map((l) => {
        const s = this.links.get(linkKey(l.from, l.to))?.stats;
        return { from: l.from, to: l.to, listen: `${l.listen.host}:${l.listen.port}`, latencyMs: s?.latencyMs ?? l.latencyMs, cut: s?.cut ?? true, blackhole: s?.blackhole ?? false, connections: s?.connections ?? 0,
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
    const d = this.dc(code);
    const node = this.nodes.get(code)!;
    const fence = readFence(d.healthState);
    if (fence) throw new Error(`DC ${code} is fenced (failed over to DC ${fence.movedTo}): it replicates nothing until regionctl failback ${code}`);
    await this.connectChannels(d);
    let list = await channels(node);
    for (const until = Date.now() + 5000; Date.now() < until && list.some((c) => c.ioRunning !== 'Yes' && !channelError(c));) {
      await new Promise((r) => setTimeout(r, 200));
      list = await channels(node);
    }
    return list.map((c) => `DC ${code}: ${c.channel} started: io ${c.ioRunning}, sql ${c.sqlRunning ? 'Yes' : 'No'}`
      + (channelError(c) ? `; error: ${channelError(c)}` : '')).join('\n');
  }

  /** Stops everything it started: the aggregators and shop processes first (they drain), then load balancers, Redis, databases, links. */
  async down(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.supervisor.stop();
    this.autoFailover?.stop();
    const names = (role: string) => this.table.list().filter((p) => p.role === role && p.state === 'running').map((p) => p.name);
    for (const role of ['edge', 'dns', 'healthcheck', 'api', 'haproxy', 'redis', 'mariadb']) await Promise.all(names(role).map((n) => this.table.stop(n)));
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }
}

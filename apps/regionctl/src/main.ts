import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROUTING_MODES, RoutingMode } from '@meridian/dc';
import { loadTopology, RegionConfigError } from '@meridian/regions';
import { callControl, ControlError, serveControl } from './control/control';
import { KILL_TARGETS, KillTarget, RegionRuntime } from './runtime/region-runtime';
import { StatusReport } from './runtime/status-report';
import { printStatus } from './status/print-status';
import { WAN_ACTIONS, WanAction } from './wan/wan-link';
import { runDirFor, SHOP_NAME } from './topology/plan';
import { digCommands } from './health/dns-config';
import { checkSettings, settingsOf } from './topology/settings';
import { SUPERVISE_MODES, SuperviseMode } from './process/supervisor';
import { DrillTarget } from './drill/target';
import { checkDrill, runDrill } from './drill/drill';
import { DrillError } from './drill/drill-error';
import { SCENARIOS, ScenarioError, ScenarioName } from './drill/scenario';
import { DEFAULT_MIX, ShopperMix } from './drill/shopper';
import { Crowd } from './drill/crowd';
import { HistoryWriter, readHistory } from './drill/history';

const USAGE = `usage: regionctl <command> [options]
  check                     validate the topology in regions/ (one file per DC) and print it
  up [--fresh] [--supervise api|apps|none] [--auto-failover N]
                            start every DC of regions/ and the WAN links between them; stays in the
                            foreground (Ctrl-C or regionctl down stops everything); data is kept between
                            runs, --fresh starts from empty databases. A commerce-api process that dies is
                            started again with back-off (1 s, 2 s … 30 s; status counts it); apps: the
                            aggregators and geo-DNS servers too; none: nothing (regionctl restart, start do it).
                            --auto-failover N (three DCs or more; off by default): a DC that fails its health checks for
                            N s and that a majority of the others cannot reach is failed over by itself (after its lease)
  status [--json]           every process, each replication channel's state and lag, each WAN link,
                            each DC's PASS/FAIL and what the geo-DNS answers
  wan cut|blackhole|heal <dc> <dc>
                            cut the WAN link between two DCs (connections reset, new ones refused), blackhole it
                            (nothing arrives and nobody is told; held bytes arrive at the heal) or heal it (both directions)
  wan slow <dc> <dc> <ms>|configured
                            the link's one-way latency from now on, open connections too (configured: the one of regions/)
  scale <dc> <n>            run n commerce-api processes in a DC
  stock transfer <sku> <units> <from-dc> <to-dc> [--key KEY]
                            move stock allocation between DCs: the units leave <from-dc> and arrive in
                            <to-dc> (in transit until <to-dc> is reachable); the sum never changes.
                            Each transfer has a key (made up when not given, and printed): the same
                            command with --key KEY after a failure moves the units at most once
  stock show <sku> [<dc>]   a SKU's allocation in every DC and its units in transit, as <dc> sees them
  replication start <dc>    (re)start every replication channel of a DC, from where each stopped
  drain <dc> [--reason TEXT]
                            make the DC's aggregators answer FAIL (reason: drained) whatever their checks say,
                            so the geo-DNS stops naming it; it holds across restarts until undrain
  undrain <dc>              end a drain: the aggregators answer what their checks say again
  restart <process>         start a process again (ended first if it runs), with its settings: api-a-1, mariadb-a, redis-a,
                            haproxy-a, healthcheck-a-1, gslb-dns-ns1 … (the names regionctl status lists)
  kill <dc> [--what all|api|db|redis|lb|healthcheck]
                            SIGKILL every process of the DC (or of one role), as a crash would; they stay down
  start <dc>                bring back every process of the DC that is not running, with its data (read-only if it was failed over)
  failover <dc> [--to <dc>] [--confirm-down] [--force]
                            declare a DC lost: fence it (its aggregators answer FAIL, its database read-only where reachable,
                            nobody replicates from it), then move its accounts and unsold stock to --to (default: the nearest);
                            refused while it still answers (--force fences it anyway) and, since a DC that does not answer may be
                            only cut off, until --confirm-down says it is down (docs/runbooks/failover.md)
  failback <dc> [--rehome]  bring a failed-over DC back: the orders it acknowledged that no survivor got are recovered
                            (same number and key), every other change it alone made is reported, its database is rebuilt
                            from the survivor's snapshot, replication restarts, the fence goes; --rehome: the accounts the
                            failover moved are homed in it again at once (docs/runbooks/failback.md)
  shoppers [--shoppers N] [--duration S] [--guests F] [--think MS] [--mix search=F,checkout=F,relogin=F,travel=F]
                            [--seed N] [--out FILE]
                            simulated shoppers against the running topology: N per client region of regions/, each
                            resolving the shop's name through the geo-DNS with its region's subnet (ECS, honouring
                            the TTL), browsing, searching, registering, filling a cart, checking out with an
                            Idempotency-Key; every operation goes to a history file (JSON lines)
  drill <scenario> [options]
                            a DC-outage drill: shoppers shop while the scenario runs, then the checker judges every
                            acknowledged operation against every DC's database; report and charts in --out
                            (default ./drills/<time>-<scenario>/). Scenarios: kill-dc <dc>, kill-api <dc>, kill-db <dc>,
                            partition <dc> <dc> [--blackhole], slow-wan <dc> <dc> <ms>, drain <dc>,
                            random --seed N --duration S (a seeded schedule of faults and heals; the same seed replays it).
                            --warmup S (10) before the fault; --failover-after S (kill-dc: 5) or --no-failover;
                            --heal-after S (20) from the fault (start, heal, undrain; failback when failed over);
                            --settle S (10) of shopping at the end; and the shoppers' options. Exit 1 on a violation
  check-drill <dir>         the drill's checker again, over a drill's folder and the databases as they are now
  down                      stop everything \`up\` started
options:
  --regions DIR             the topology (default: ./regions)
  --data DIR                data and logs (default: ./.data/regions)
  --port-base N             ports: entry N+80, gslb-healthcheck N+90, commerce-api N+100, MariaDB N+306, Redis N+379;
                            gslb-dns N+53 (UDP, TCP) and N+54 (HTTP) on 127.0.0.21/.22, edge N+81 on 127.0.0.1 (default 8000)
  --catalog demo|bench      the catalog loaded into an empty topology (default: demo)
  --routing remote-write|relocate
                            remote-write (default): any DC serves any shopper, writes go to the home DC;
                            relocate: shoppers are sent to their home DC through an edge HAProxy`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      regions: { type: 'string' }, data: { type: 'string' }, 'port-base': { type: 'string' }, catalog: { type: 'string' }, routing: { type: 'string' },
      fresh: { type: 'boolean' }, json: { type: 'boolean' }, key: { type: 'string' }, reason: { type: 'string' }, what: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      to: { type: 'string' }, 'confirm-down': { type: 'boolean' }, force: { type: 'boolean' }, supervise: { type: 'string' }, rehome: { type: 'boolean' },
      'auto-failover': { type: 'string' },
      shoppers: { type: 'string' }, duration: { type: 'string' }, guests: { type: 'string' }, think: { type: 'string' }, seed: { type: 'string' }, mix: { type: 'string' },
      out: { type: 'string' }, warmup: { type: 'string' }, 'failover-after': { type: 'string' }, 'no-failover': { type: 'boolean' },
      'heal-after': { type: 'string' }, settle: { type: 'string' }, blackhole: { type: 'boolean' },
    },
  });
  const [command, ...args] = positionals;
  if (o.help || command === 'help') {
    say(USAGE);
    return 0;
  }
  if (o.key !== undefined && !(command === 'stock' && args[0] === 'transfer')) throw new UsageError('--key goes with stock transfer only');
  if (o.reason !== undefined && command !== 'drain') throw new UsageError('--reason goes with drain only');
  if (o.what !== undefined && command !== 'kill') throw new UsageError('--what goes with kill only');
  for (const f of ['to', 'confirm-down', 'force'] as const) if (o[f] !== undefined && command !== 'failover') throw new UsageError(`--${f} goes with failover only`);
  if (o.supervise !== undefined && command !== 'up') throw new UsageError('--supervise goes with up only');
  if (o.rehome !== undefined && command !== 'failback') throw new UsageError('--rehome goes with failback only');
  if (o['auto-failover'] !== undefined && command !== 'up') throw new UsageError('--auto-failover goes with up only');
  if (o['auto-failover'] !== undefined && !/^[1-9]\d{0,3}$/.test(o['auto-failover'])) throw new UsageError('--auto-failover is a number of seconds from 1 to 9999');
  if (o.supervise !== undefined && !SUPERVISE_MODES.includes(o.supervise as SuperviseMode)) throw new UsageError(`--supervise is one of ${SUPERVISE_MODES.join(', ')}`);
  if (o.what !== undefined && !KILL_TARGETS.includes(o.what as KillTarget)) throw new UsageError(`--what is one of ${KILL_TARGETS.join(', ')}`);
  if (o.key !== undefined && !/^[A-Za-z0-9._:-]{8,100}$/.test(o.key)) throw new UsageError('--key is 8 to 100 letters, digits or . _ : -');
  for (const f of ['shoppers', 'duration', 'guests', 'think', 'seed', 'mix', 'out'] as const) {
    if (o[f] !== undefined && command !== 'drill' && command !== 'shoppers') throw new UsageError(`--${f} goes with drill or shoppers only`);
  }
  for (const f of ['warmup', 'failover-after', 'no-failover', 'heal-after', 'settle', 'blackhole'] as const) {
    if (o[f] !== undefined && command !== 'drill') throw new UsageError(`--${f} goes with drill only`);
  }
  const regionsDir = o.regions ?? join(process.cwd(), 'regions');
  const dataDir = o.data ?? join(process.cwd(), '.data', 'regions');
  const control = join(runDirFor(dataDir), 'regionctl.sock');
  // the commands it prints, as the operator types them, with the topology's options it was given
  const given = (['regions', 'data', 'port-base'] as const).filter((k) => o[k] !== undefined).map((k) => ` --${k} ${quoted(o[k]!)}`).join('');
  const regionctl = (rest: string) => `./regionctl ${rest}${given}`;
  const call = (method: 'GET' | 'POST', path: string, payload?: unknown) => callControl(control, method, path, payload).catch((err) => {
    if (err instanceof ControlError) throw err;
    throw new ControlError(`no topology is up for ${dataDir} (start one with ${regionctl('up')})`);
  });

  const connectTarget = () => DrillTarget.connect(regionsDir, dataDir).catch((err: Error) => {
    throw new ControlError(err.message.replace('regionctl up', regionctl('up')));
  });

  switch (command) {
    case 'check': {
      const { regions } = loadTopology(regionsDir);
      await checkSettings(regions, searchPath());
      const rows = regions.map((r) => [r.code, r.name, r.addressBlock, String(r.serverId), String(r.gtidDomainId), String(r.apiProcesses),
        r.durability === 'semi-sync' ? `semi-sync (${r.semiSyncTimeoutMs} ms)` : 'async',
        Object.entries(r.wanLatencyMs).map(([dc, ms]) => `${dc} ${ms} ms`).join(', ')]);
      const head = ['DC', 'name', 'addresses', 'server_id', 'gtid_domain', 'api', 'durability', 'WAN one-way'];
      const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
      for (const r of [head, ...rows]) say(r.map((v, c) => v.padEnd(widths[c] ?? 0)).join('  ').trimEnd());
      for (const r of regions.filter((x) => Object.keys(settingsOf(x)).length)) {
        say(`${r.code} commerce-api settings: ${Object.entries(settingsOf(r)).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      say(`topology ok: ${regions.length} DCs`);
      return 0;
    }
    case 'up':
      return up(regionsDir, dataDir, o, regionctl);
    case 'status': {
      const report = await call('GET', '/status') as unknown as StatusReport;
      say(o.json ? JSON.stringify(report, null, 2) : printStatus(report));
      return 0;
    }
    case 'wan': {
      const [action, a, b, ms] = args;
      if (!WAN_ACTIONS.includes(action as WanAction) || !a || !b || args.length !== (action === 'slow' ? 4 : 3)) {
        throw new UsageError('wan needs: cut|blackhole|heal <dc> <dc>, or slow <dc> <dc> <ms>|configured');
      }
      if (action === 'slow' && ms !== 'configured' && !/^\d{1,5}$/.test(ms ?? '')) throw new UsageError('wan slow takes a latency in ms (0 to 10000) or configured');
      say(String((await call('POST', '/wan', { action, a, b, ...(action === 'slow' && ms !== 'configured' ? { ms: Number(ms) } : {}) })).message));
      return 0;
    }
    case 'scale': {
      const [dc, n] = args;
      if (!dc || !/^\d+$/.test(n ?? '')) throw new UsageError('scale needs: <dc> <number of processes>');
      say(String((await call('POST', '/scale', { dc, count: Number(n) })).message));
      return 0;
    }
    case 'stock': {
      const [action, sku, ...rest] = args;
      const [units, from, to] = rest;
      if (action === 'transfer' && sku && rest.length === 3 && units && from && to && /^\d+$/.test(units)) {
        const key = o.key ?? `op-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
        const repeat = regionctl(`stock transfer ${sku} ${units} ${from} ${to} --key ${key}`);
        const answer = await call('POST', '/stock', { action, sku, units: Number(units), from, to, key }).catch((err: Error) => {
          // the units may have moved or not: the same key finds out without moving them twice
          throw new ControlError(`${err.message}\nto repeat it safely: ${repeat}`);
        });
        say(String(answer.message));
      } else if (action === 'show' && sku && rest.length <= 1) {
        say(String((await call('POST', '/stock', { action, sku, dc: rest[0] })).message));
      } else {
        throw new UsageError('stock needs: transfer <sku> <units> <from-dc> <to-dc>, or show <sku> [<dc>]');
      }
      return 0;
    }
    case 'replication': {
      const [action, dc] = args;
      if (action !== 'start' || !dc || args.length !== 2) throw new UsageError('replication needs: start <dc>');
      say(String((await call('POST', '/replication/start', { dc })).message));
      return 0;
    }
    case 'drain':
    case 'undrain':
    case 'kill':
    case 'failback':
    case 'start': {
      const [dc] = args;
      if (!dc || args.length !== 1) throw new UsageError(`${command} needs: <dc>`);
      const options = command === 'drain' ? { reason: o.reason ?? '' } : command === 'kill' ? { what: o.what ?? 'all' }
        : command === 'failback' ? { rehome: o.rehome ?? false } : {};
      say(String((await call('POST', `/${command}`, { dc, ...options })).message));
      return 0;
    }
    case 'failover': {
      const [dc] = args;
      if (!dc || args.length !== 1) throw new UsageError('failover needs: <dc> [--to <dc>] [--confirm-down] [--force]');
      say(String((await call('POST', '/failover', { dc, to: o.to, confirmDown: o['confirm-down'] ?? false, force: o.force ?? false })).message));
      return 0;
    }
    case 'restart': {
      const [name] = args;
      if (!name || args.length !== 1) throw new UsageError('restart needs: <process> (a name regionctl status lists, like api-a-1)');
      say(String((await call('POST', '/restart', { process: name })).message));
      return 0;
    }
    case 'check-drill': {
      const [dir] = args;
      if (!dir || args.length !== 1) throw new UsageError('check-drill needs: <the drill\'s folder>');
      const r = await checkDrill(await connectTarget(), dir);
      say(r.summary);
      return r.violations ? 1 : 0;
    }
    case 'shoppers':
    case 'drill': {
      const target = await connectTarget();
      return command === 'drill' ? drill(target, args, o, regionctl) : shoppers(target, args, o);
    }
    case 'down': {
      await call('POST', '/down');
      // the answer comes first; wait until the socket is gone, which is the last thing `up` does
      for (;;) {
        if (!(await callControl(control, 'GET', '/status', undefined, 2000).then(() => true, () => false))) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      say(`stopped; the data is kept (${regionctl('up')} resumes it)`);
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'a command is needed');
  }
}

/** Where the servers' binaries are looked for (mariadbd and haproxy live in sbin on Debian). */
const searchPath = () => `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin`;

async function up(regionsDir: string, dataDir: string,
  o: { fresh?: boolean; catalog?: string; routing?: string; 'port-base'?: string; supervise?: string; 'auto-failover'?: string },
  regionctl: (rest: string) => string): Promise<number> {
  if (o.catalog && o.catalog !== 'demo' && o.catalog !== 'bench') throw new UsageError('--catalog is demo or bench');
  if (o.routing && !(ROUTING_MODES as readonly string[]).includes(o.routing)) throw new UsageError('--routing is remote-write or relocate');
  const portBase = o['port-base'] === undefined ? undefined : Number(o['port-base']);
  if (portBase !== undefined && !(Number.isInteger(portBase) && portBase >= 1024 && portBase <= 65000)) throw new UsageError('--port-base is a number from 1024 to 65000');
  const runtime = RegionRuntime.prepare({
    regionsDir, dataDir, portBase, fresh: o.fresh, catalog: o.catalog as 'demo' | 'bench' | undefined, routing: o.routing as RoutingMode | undefined, path: searchPath(),
    geoipDatabase: process.env.GEOIP_DATABASE || undefined, supervise: o.supervise as SuperviseMode | undefined,
    autoFailoverSeconds: o['auto-failover'] === undefined ? undefined : Number(o['auto-failover']),
    say: (line) => say(`regionctl: ${line}`),
  });
  if (o['auto-failover'] !== undefined && runtime.plan.dcs.length < 3) {
    throw new UsageError('--auto-failover needs three DCs or more: two cannot vote (fail over by hand: regionctl failover)');
  }
  await checkSettings(runtime.plan.dcs.map((d) => d.region), searchPath()); // before anything starts (or is removed, with --fresh)
  mkdirSync(runtime.plan.runDir, { recursive: true, mode: 0o700 });

  let stopping: Promise<void> | undefined;
  const control: { server?: Server } = {};
  const stop = () => {
    stopping ??= (async () => {
      say('regionctl: stopping every process (the data is kept)');
      await runtime.down();
      await new Promise<void>((r) => (control.server ? control.server.close(() => r()) : r()));
      say('regionctl: stopped');
    })();
    return stopping;
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  const server = control.server = await serveControl(runtime.plan.controlSocket, {
    status: () => runtime.status(), wan: (action, a, b, ms) => runtime.wan(action, a, b, ms), scale: (dc, n) => runtime.scale(dc, n),
    stock: (c) => runtime.stock(c),
    startChannels: (dc) => runtime.startChannels(dc), drain: (dc, reason) => runtime.drain(dc, reason), undrain: (dc) => runtime.undrain(dc),
    restart: (name) => runtime.restart(name), kill: (dc, what) => runtime.kill(dc, what), start: (dc) => runtime.start(dc),
    failover: (dc, fo) => runtime.failover(dc, fo), failback: (dc, fb) => runtime.failback(dc, fb), down: stop,
  });
  try {
    await runtime.up();
  } catch (err) {
    say(`regionctl: up failed: ${(err as Error).message}`);
    await stop();
    return 1;
  }
  if (stopping) {
    await stopping;
    return 1;
  }
  say('');
  say(`Meridian is up: ${runtime.plan.dcs.length} DCs (data in ${runtime.plan.dataDir}, logs in ${runtime.plan.logDir})`);
  for (const d of runtime.plan.dcs) {
    const url = `http://${d.entry.host}:${d.entry.port}`;
    say(`  DC ${d.region.code} (${d.region.name}): ${url}/api  docs ${url}/api/docs  (${d.apis.length} commerce-api behind HAProxy, MariaDB ${d.db.host}:${d.db.port})`);
    say(`    its health: ${d.healthchecks.map((h) => `http://${h.host}:${h.port}/dc/${d.region.code}`).join('  ')}`);
  }
  const dash = runtime.plan.dcs[0]?.healthchecks[0];
  if (dash) say(`  operators' dashboard: http://${dash.host}:${dash.port}/dashboard  (every DC, its checks, replication, what the DNS answers)`);
  say(`  geo-DNS (the shop's name ${SHOP_NAME}, nearest healthy DC first):`);
  for (const line of digCommands(runtime.plan)) say(`        ${line}`);
  if (runtime.routing === 'relocate') {
    say(`  edge (relocate mode): http://${runtime.plan.edge.entry.host}:${runtime.plan.edge.entry.port}/api  routes each shopper to its home DC`);
  }
  const first = runtime.firstDc();
  say('  admin: admin@meridian.local / meridian-admin-password (homed in DC ' + first.region.code + ')');
  say('');
  say('  try:  curl -s ' + `'http://${first.entry.host}:${first.entry.port}/api/products?pageSize=2'`);
  say(`        ${regionctl('status')}        (replication, processes, links)`);
  say(`        ${regionctl(`wan cut ${first.region.code} ${runtime.plan.dcs[1]?.region.code ?? first.region.code}`)}`);
  say('topology is up; Ctrl-C stops everything');
  await new Promise<void>((resolve) => server.once('close', () => resolve()));
  await stopping;
  return 0;
}

/** A number option: absent → the default; otherwise it must be within [min, max] (whole unless `fraction`). */
function numberOption(o: Record<string, unknown>, name: string, fallback: number, min: number, max: number, fraction = false): number {
  const v = o[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !v.trim() || !Number.isFinite(n) || n < min || n > max || (!fraction && !Number.isInteger(n))) {
    throw new UsageError(`--${name} is ${fraction ? 'a number' : 'a whole number'} from ${min} to ${max}`);
  }
  return n;
}

type DrillFlags = Record<string, string | boolean | undefined>;

/** --guests, --think and --mix search=F,checkout=F,relogin=F (shares of visits), travel=F (of account shoppers), 0 to 1. */
function mixOf(o: DrillFlags): ShopperMix {
  const mix = { ...DEFAULT_MIX, guests: numberOption(o, 'guests', DEFAULT_MIX.guests, 0, 1, true), thinkMs: numberOption(o, 'think', DEFAULT_MIX.thinkMs, 0, 60000) };
  if (typeof o.mix !== 'string') return mix;
  for (const part of o.mix.split(',')) {
    const [k, v = ''] = part.split('=');
    if (k !== 'search' && k !== 'checkout' && k !== 'relogin' && k !== 'travel') throw new UsageError(`--mix takes search=F,checkout=F,relogin=F,travel=F, not "${part}"`);
    mix[k] = numberOption({ [`mix ${k}`]: v }, `mix ${k}`, 0, 0, 1, true);
  }
  return mix;
}

async function drill(target: DrillTarget, args: string[], o: DrillFlags, regionctl: (rest: string) => string): Promise<number> {
  const [scenario, ...rest] = args;
  if (!SCENARIOS.includes(scenario as ScenarioName)) throw new UsageError(`drill needs a scenario: ${SCENARIOS.join(', ')}`);
  if (o['no-failover'] && o['failover-after'] !== undefined) throw new UsageError('--failover-after and --no-failover exclude each other');
  if (o.blackhole && scenario !== 'partition') throw new UsageError('--blackhole goes with the partition scenario');
  const seed = numberOption(o, 'seed', scenario === 'random' ? -1 : Math.floor(Math.random() * 1e6), 0, 2 ** 31 - 1);
  if (seed < 0) throw new UsageError('random needs --seed N (any whole number; the same seed replays the same schedule)');
  const duration = o.duration === undefined && scenario === 'random' ? undefined : numberOption(o, 'duration', 60, 5, 86400);
  if (scenario === 'random' && duration === undefined) throw new UsageError('random needs --duration S (seconds of faults)');
  const failoverDefault = scenario === 'kill-dc' && !o['no-failover'] ? 5 : undefined;
  const timing = {
    warmup: numberOption(o, 'warmup', 10, 0, 3600), healAfter: numberOption(o, 'heal-after', 20, 1, 86400), blackhole: o.blackhole === true, seed, duration,
    failoverAfter: o['failover-after'] === undefined ? failoverDefault : numberOption(o, 'failover-after', 0, 0, 86400),
  };
  const options = ['shoppers', 'guests', 'think', 'mix', 'warmup', 'failover-after', 'heal-after', 'settle', 'duration', 'out'].filter((k) => o[k] !== undefined)
    .map((k) => ` --${k} ${quoted(String(o[k]))}`).join('') + (o['no-failover'] ? ' --no-failover' : '') + (o.blackhole ? ' --blackhole' : '');
  try {
    const r = await runDrill(target, {
      scenario: scenario as ScenarioName, args: rest, timing, settle: numberOption(o, 'settle', 10, 0, 3600), seed,
      perRegion: numberOption(o, 'shoppers', 4, 1, 200), mix: mixOf(o), outDir: typeof o.out === 'string' ? o.out : join(process.cwd(), 'drills'),
      command: regionctl(`drill ${args.map(quoted).join(' ')} --seed ${seed}${options}`), say,
    });
    say(r.summary);
    return r.violations || r.refused ? 1 : 0;
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
}

async function shoppers(target: DrillTarget, args: string[], o: DrillFlags): Promise<number> {
  if (args.length) throw new UsageError('shoppers takes options only');
  const duration = numberOption(o, 'duration', 60, 1, 86400);
  const file = typeof o.out === 'string' ? o.out : join(process.cwd(), 'drills', `shoppers-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  mkdirSync(dirname(file), { recursive: true });
  const history = new HistoryWriter(file);
  const crowd = new Crowd({ plan: target.plan, perRegion: numberOption(o, 'shoppers', 4, 1, 200), mix: mixOf(o), history,
    seed: numberOption(o, 'seed', Math.floor(Math.random() * 1e6), 0, 2 ** 31 - 1) });
  crowd.start();
  say(`shoppers: ${crowd.size} shoppers for ${duration} s, history in ${file}`);
  const ticker = setInterval(() => {
    const r = crowd.recent(5);
    say(`  ${Math.round(r.ops / 5)} ops/s, errors ${r.ops ? Math.round((100 * r.errors) / r.ops) : 0} %`);
  }, 5000);
  await new Promise((r) => setTimeout(r, duration * 1000));
  clearInterval(ticker);
  await crowd.stop();
  await history.close();
  const all = readHistory(file);
  const kinds = new Map<string, number>();
  for (const r of all) kinds.set(r.outcome, (kinds.get(r.outcome) ?? 0) + 1);
  say(`shoppers: ${all.length} operations, ${all.filter((r) => r.op === 'checkout' && r.order).length} orders confirmed; outcomes: `
    + [...kinds].map(([k, n]) => `${k} ${n}`).join(', '));
  return 0;
}

/** A word as a POSIX shell reads it back. */
const quoted = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof RegionConfigError || err instanceof ControlError || err instanceof DrillError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});

import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FenceState, readFence, removeDrain, removeFence, writeFence } from '@meridian/health';
import { binary } from '../process/binaries';
import { BinlogTransaction, transactionsAfter } from '../db/binlog';
import { GtidPosition } from '../db/gtid-position';
import { createConnection } from 'mysql2/promise';
import { APP_DATABASE, APP_USER, MariaDbNode } from '../db/mariadb-node';
import { binlogPosition, channelError, channelName, channels, connectChannel, restartStoppedChannels, retireChannel, waitForPosition } from '../db/replication';
import { urlOf } from '../health/healthchecks';
import { DcPlan, Plan } from '../topology/plan';
import { runApiCli } from './commands';
import { DcProcesses, leaseSeconds } from './dc-processes';
// the JSON lines commerce-api's CLI answers (types only: nothing of commerce-api is loaded here)
import type { HandBackResult, TakeOverResult } from '../../../commerce-api/src/fencing/dc-fence.repository';
import type { RecoveredOrder } from '../../../commerce-api/src/orders/order-recovery.service';

export interface FailoverOptions {
  /** the survivor that takes the lost DC's accounts (default: the nearest by regions/) */
  to?: string;
  /** the operator made sure the lost DC is down (two DCs cannot outvote one another) */
  confirmDown?: boolean;
  /** go ahead although the lost DC still answers: it is fenced where it can be reached */
  force?: boolean;
}

/** What failback does with the processes of the DC it rebuilds (RegionRuntime's process table). */
export interface FailbackProcesses {
  /** stops the DC's commerce-api processes (they would read a database being replaced) */
  stopApis(dc: string): Promise<void>;
  /** starts every process of the DC that is not running (its commerce-api, and what a DC that lost its data could not start) */
  startApis(dc: string): Promise<void>;
}

/** Tables whose errant rows are expected and dropped without a word: each aggregator's heartbeat. */
const NOT_RECONCILED = new Set(['health_beacon']);

/** how much longer than the lost DC's lease failover waits (its last writes in flight, clocks of two machines) */
const LEASE_MARGIN_SECONDS = 3;
/** how long failover lets the survivor get what other survivors hold of the lost DC's writes */
const CATCH_UP_SECONDS = 10;
const ASK_TIMEOUT_MS = 1000;

/**
 * `regionctl failover` (docs/runbooks/failover.md): declares a DC lost and moves its accounts to a
 * survivor. Fence first: the lost DC's aggregators answer FAIL (failed over) from then on, its
 * database is set read-only where it can still be reached, and every survivor stops replicating from
 * it, so nothing it commits from now on reaches anyone (failback recovers that). Then, in one
 * transaction at the survivor, replicated to the others: its fence row (epoch + 1), every account it
 * homed re-homed there, its unsold stock taken over. The lost DC comes back fenced (see fenceOf).
 */
export class Failover {
  constructor(private readonly plan: Plan, private readonly procs: DcProcesses, private readonly say: (line: string) => void) {}

  private dc(code: string): DcPlan {
    const d = this.plan.dcs.find((x) => x.region.code === code);
    if (!d) throw new Error(`no DC "${code}" in this topology (DCs: ${this.plan.dcs.map((x) => x.region.code).join(', ')})`);
    return d;
  }

  private node(code: string): MariaDbNode {
    return this.procs.nodes.get(code)!;
  }

  /**
   * The fence of a DC: its fence file, else a fence row some other DC's database holds for it (a DC
   * whose own folder does not know it was failed over: the file is written again from the row).
   */
  async fenceOf(code: string): Promise<FenceState | undefined> {
    const d = this.dc(code);
    const kept = readFence(d.healthState);
    if (kept) return kept;
    for (const other of this.plan.dcs.filter((x) => x !== d)) {
      const rows = await this.node(other.region.code)?.rootQuery<{ epoch: number; moved_to: string | null }>(
        `SELECT epoch, moved_to FROM ${APP_DATABASE}.dc_fence WHERE dc = ? AND state = 'failed_over'`, [code], ASK_TIMEOUT_MS).catch(() => []) ?? [];
      const [row] = rows;
      if (row) {
        this.say(`DC ${code}: DC ${other.region.code}'s database says it was failed over to ${row.moved_to} (epoch ${row.epoch}): it stays fenced`);
        return writeFence(d.healthState, { movedTo: row.moved_to ?? '?', epoch: Number(row.epoch) });
      }
    }
    return undefined;
  }

  /** The DCs fenced now (their fence files). */
  fenced(): Set<string> {
    return new Set(this.plan.dcs.filter((d) => readFence(d.healthState)).map((d) => d.region.code));
  }

  /** What of the DC still answers: its database, its commerce-api processes. */
  private async answering(d: DcPlan): Promise<string[]> {
    const code = d.region.code;
    const db = await this.node(code)?.rootQuery('SELECT 1', [], ASK_TIMEOUT_MS).then(() => true, () => false);
    const apis = await Promise.all(this.procs.activeApis(d).map(async (at, i) =>
      (await fetch(`${urlOf(at)}/health/ready`, { signal: AbortSignal.timeout(ASK_TIMEOUT_MS) }).then((r) => r.ok, () => false)) ? this.procs.apiName(code, i) : ''));
    return [...(db ? [`its database ${d.db.host}:${d.db.port}`] : []), ...apis.filter(Boolean)];
  }

  /** The DCs of `others` whose processes reach `d`'s database (through their WAN link to it, as theirs do). */
  async reachedBy(d: DcPlan, others: DcPlan[]): Promise<string[]> {
    const code = d.region.code;
    return (await Promise.all(others.map(async (s) => {
      const link = this.plan.links.find((l) => l.from === s.region.code && l.to === code);
      if (!link) return '';
      const ok = await createConnection({ host: link.listen.host, port: link.listen.port, ...APP_USER, connectTimeout: ASK_TIMEOUT_MS })
        .then(async (c) => { await c.query('SELECT 1').finally(() => c.destroy()); return true; }, () => false);
      return ok ? s.region.code : '';
    }))).filter(Boolean);
  }

  /**
   * Three DCs or more: the lost DC must be out of reach of every survivor (through their WAN links, as
   * its own processes see them), and stay so for longer than its lease: by then its processes, which
   * cannot reach a majority either, take no writes. Refused as soon as a survivor reaches it.
   */
  private async outwaitLease(lost: DcPlan, survivors: DcPlan[], lease: number, answersHere: boolean): Promise<string> {
    const code = lost.region.code;
    const reached = () => this.reachedBy(lost, survivors);
    const refuse = (by: string[]) => new Error(`DC ${code} answers DC ${by.join(', ')} over the WAN: it is not lost. If it must go, stop it `
      + `(regionctl kill ${code}) and fail over then, or --force to fence it while it runs (docs/runbooks/failover.md)`);
    const first = await reached();
    if (first.length) throw refuse(first);
    const wait = lease + LEASE_MARGIN_SECONDS;
    const line = `DC ${code} is out of reach of ${survivors.map((s) => s.region.code).join(', ')}${answersHere ? ' (it answers here: cut off)' : ''}: `
      + `waiting ${wait} s, past its lease of ${lease} s, after which its processes take no writes`;
    this.say(line);
    for (const until = Date.now() + wait * 1000; Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await reached();
      if (now.length) throw refuse(now);
    }
    return line;
  }

  /** The survivor nearest to the lost DC by the WAN latencies of regions/ (then by code). */
  private nearest(lost: DcPlan, fenced: Set<string>): DcPlan {
    const [best] = this.plan.dcs.filter((d) => d !== lost && !fenced.has(d.region.code))
      .sort((x, y) => (lost.region.wanLatencyMs[x.region.code] ?? Infinity) - (lost.region.wanLatencyMs[y.region.code] ?? Infinity)
        || x.region.code.localeCompare(y.region.code));
    if (!best) throw new Error(`no DC is left to take DC ${lost.region.code}'s accounts`);
    return best;
  }

  async failover(code: string, o: FailoverOptions): Promise<string> {
    const lost = this.dc(code);
    const already = readFence(lost.healthState);
    // epoch 0: an earlier failover fenced it and stopped before its data step; this one finishes it
    if (already && already.epoch > 0) {
      return `DC ${code} was failed over to DC ${already.movedTo} already (epoch ${already.epoch}, since ${already.since}); `
        + `regionctl failback ${code} brings it back`;
    }
    const fenced = this.fenced();
    const to = o.to === undefined ? this.nearest(lost, fenced) : this.dc(o.to);
    if (to === lost) throw new Error('a DC cannot be failed over to itself');
    if (fenced.has(to.region.code)) throw new Error(`DC ${to.region.code} is failed over itself: it cannot take DC ${code}'s accounts`);
    const survivors = this.plan.dcs.filter((d) => d !== lost && !fenced.has(d.region.code));
    const deadSurvivor = await Promise.all(survivors.map(async (d) => ((await this.answering(d)).some((a) => a.startsWith('its database')) ? '' : d.region.code)));
    if (deadSurvivor.some(Boolean)) {
      throw new Error(`the database of DC ${deadSurvivor.filter(Boolean).join(', ')} does not answer: failover needs every survivor's (start it first)`);
    }

    const answering = await this.answering(lost);
    const lease = leaseSeconds(this.plan);
    const waited: string[] = [];
    if (lease && !o.force && !o.confirmDown) {
      waited.push(await this.outwaitLease(lost, survivors, lease, answering.length > 0));
    } else if (answering.length && !o.force) {
      throw new Error(`DC ${code} still answers (${answering.join(', ')}): failing it over now would leave two DCs writing its accounts. `
        + `If it is only cut off, it keeps serving the shoppers who reach it: drain it (regionctl drain ${code}) or wait; if it must go, `
        + `stop it (regionctl kill ${code}) and fail over then, or --force to fence it while it runs (docs/runbooks/failover.md)`);
    }
    if (!lease && !answering.length && !o.confirmDown && !o.force) {
      throw new Error(`DC ${code} does not answer here, which does not prove it is down: a DC that is only cut off from this side would go on `
        + 'writing the accounts failover moves. With two DCs nobody can outvote it: '
        + 'make sure it is down (its database stopped, or powered off, or cut off on every side) and repeat with --confirm-down (docs/runbooks/failover.md)');
    }

    // 1. fence: its aggregators answer FAIL (failed over) from now; its database, where reachable, takes no more writes
    writeFence(lost.healthState, { movedTo: to.region.code, epoch: 0 });
    // where it can still be reached from here (--force, or cut off from the others only), it is fenced at once as well
    const fencedThere = answering.length
      ? await this.node(code).rootQuery('SET GLOBAL read_only = ON; STOP ALL SLAVES', [], 10000).then(() => 'set read-only, its replication stopped',
        (err: Error) => `could not be set read-only (${err.message})`)
      : 'down (it comes back read-only, without replication, until failback)';
    // 2. nothing more of it reaches a survivor
    const domain = lost.region.gtidDomainId;
    const held = new Map<string, GtidPosition>();
    const unapplied: string[] = [];
    for (const s of survivors) {
      const node = this.node(s.region.code);
      if ((await channels(node)).some((c) => c.channel === channelName(code)) && !(await retireChannel(node, code, domain, CATCH_UP_SECONDS))) {
        unapplied.push(s.region.code);
      }
      held.set(s.region.code, (await binlogPosition(node)).only(domain));
    }
    const retired = [code, ...fenced].map(channelName);
    await Promise.all(survivors.map((s) => restartStoppedChannels(this.node(s.region.code), retired)));
    // 3. the survivor taking its accounts gets first what any other survivor holds of its writes (through their channels)
    const [furthest] = [...held.values()].sort((x, y) => y.seq(domain) - x.seq(domain));
    const caughtUp = !furthest || furthest.empty || await waitForPosition(this.node(to.region.code), furthest, CATCH_UP_SECONDS);
    // 4. the data: fence row, accounts, stock, in one transaction at the survivor
    const out = await runApiCli(['take-over', code, `regionctl failover ${code} --to ${to.region.code}`], this.procs.dbEnv(to)).catch((err: Error) => {
      throw new Error(`${err.message}\nDC ${code} stays fenced; its accounts did not move: repeat the command`, { cause: err });
    });
    const r = JSON.parse(out.split('\n').pop() ?? '{}') as TakeOverResult;
    writeFence(lost.healthState, { movedTo: r.movedTo, epoch: r.epoch });
    await this.survivorsHave(to, survivors);

    const lines = [
      ...waited,
      `DC ${code} failed over to DC ${r.movedTo} (epoch ${r.epoch})${r.done ? '' : ': it had been already, nothing was moved now'}`,
      `  fence: DC ${code}'s aggregators answer FAIL (failed over to ${r.movedTo}); its database: ${fencedThere}`,
      `  replication from ${code} stopped at every survivor; ${code}'s last GTID position each holds: `
        + survivors.map((s) => `${s.region.code} ${held.get(s.region.code)?.toString() || 'none'}`).join(', '),
      `    (DC ${code} may have committed more that none of them has: regionctl failback ${code} finds and recovers it)`,
      ...unapplied.map((dc) => `  WARNING: DC ${dc} had not applied all it had received from DC ${code} within ${CATCH_UP_SECONDS} s `
        + `(its channel from_${code} is stopped with its relay log kept: regionctl status shows why)`),
      ...(caughtUp ? [] : [`  WARNING: DC ${to.region.code} had not applied ${furthest} within ${CATCH_UP_SECONDS} s: what it lacks of DC ${code}'s writes waits for failback`]),
      `  accounts moved: ${r.accountsMoved} (homed in DC ${r.movedTo} now, epoch + 1 each; their sessions stay valid)`,
      `  stock taken over: ${r.stockUnits} units of ${r.stockRows} SKUs onto DC ${r.movedTo}'s allocation (DC ${code}'s rows are 0)`,
      `  guest carts of DC ${code}: ${r.guestCartsLeft} active, adopted by the DC each shopper uses next`,
      `  shoppers: the geo-DNS stops naming DC ${code}; regionctl failback ${code} brings it back`,
    ];
    for (const l of lines) this.say(l);
    return lines.join('\n');
  }

  /** Until every survivor has applied the takeover (it replicates from `to`); bounded. */
  private async survivorsHave(to: DcPlan, survivors: DcPlan[]): Promise<void> {
    const position = (await binlogPosition(this.node(to.region.code))).only(to.region.gtidDomainId);
    await Promise.all(survivors.filter((s) => s !== to).map((s) => waitForPosition(this.node(s.region.code), position, CATCH_UP_SECONDS)));
  }

  /**
   * `regionctl failback` (docs/runbooks/failback.md): brings a failed-over DC back without losing or
   * duplicating anything. Its errant transactions (its binlog past what the survivors hold of its
   * domain) are read from its binlog; every order among them is recovered at the survivor that took
   * its accounts (same id, number and key, a `recovered` event), every other errant change goes into
   * the report. Then the DC serves again at the next epoch (its fence row, at that survivor), its
   * database is rebuilt from that survivor's snapshot (no divergent row; its binlog restarts at the
   * survivors' position, so nothing errant can replicate later), its channels start both ways, its
   * database takes writes, the fence and any drain go. Accounts stay homed where they are until they
   * log in again (the login protocol moves them). Refused, with the reason, when it is not safe.
   */
  async failback(code: string, processes: FailbackProcesses, o: { rehome?: boolean } = {}): Promise<string> {
    const lost = this.dc(code);
    const fence = readFence(lost.healthState);
    if (!fence) throw new Error(`DC ${code} is not failed over: nothing to fail back`);
    if (fence.epoch === 0) throw new Error(`the failover of DC ${code} did not finish: repeat regionctl failover ${code} first`);
    const to = this.dc(fence.movedTo);
    const fenced = this.fenced();
    const survivors = this.plan.dcs.filter((d) => d !== lost && !fenced.has(d.region.code));
    const node = this.node(code);
    if (!(await node?.rootQuery('SELECT 1', [], ASK_TIMEOUT_MS).then(() => true, () => false))) {
      throw new Error(`the database of DC ${code} does not answer: start it first (regionctl start ${code}; it comes back fenced), `
        + 'or, if its disk is lost, see docs/runbooks/lost-disk.md');
    }
    for (const s of survivors) {
      const broken = (await channels(this.node(s.region.code))).filter((c) => c.channel !== channelName(code)
        && !fenced.has(c.channel.replace(/^from_/, '')) && (c.ioRunning !== 'Yes' || !c.sqlRunning || channelError(c)));
      if (broken.length) {
        throw new Error(`DC ${s.region.code}'s replication is not healthy (${broken.map((c) => `${c.channel}: ${channelError(c) || `io ${c.ioRunning}`}`).join('; ')}): `
          + 'a snapshot of a survivor would miss what it has not applied; fix it first (regionctl status)');
      }
    }
    const domain = lost.region.gtidDomainId;
    const held = (await binlogPosition(this.node(to.region.code))).only(domain);
    for (const s of survivors.filter((x) => x !== to)) {
      if (!held.empty && !(await waitForPosition(this.node(s.region.code), held, CATCH_UP_SECONDS))) {
        throw new Error(`DC ${s.region.code} has not applied what DC ${to.region.code} holds of DC ${code}'s writes (${held}): see regionctl status`);
      }
    }

    // 1. what the lost DC committed that nobody has
    const errant = (await transactionsAfter(node, held, APP_DATABASE)).filter((t) => t.changes.some((c) => !NOT_RECONCILED.has(c.table)));
    const orderIds = [...new Set(errant.flatMap((t) => t.changes.filter((c) => c.table === 'orders' && c.op === 'insert').map((c) => c.key)))];
    // 2. its orders, recovered at the survivor that took its accounts (it reads them from the lost DC's database)
    const recovered: RecoveredOrder[] = orderIds.length
      ? (await runApiCli(['recover-orders', code, ...orderIds], { ...this.procs.dbEnv(to), REMOTE_DBS: this.procs.remoteDbs(to) }))
        .split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RecoveredOrder)
      : [];
    // 3. the DC serves again at the next epoch; its rebuilt database gets the row with the snapshot
    const handed = JSON.parse((await runApiCli(['hand-back', code, `regionctl failback ${code}`, ...(o.rehome ? ['--rehome'] : [])],
      this.procs.dbEnv(to))).split('\n').pop() ?? '{}') as HandBackResult;
    await this.survivorsHave(to, survivors);
    // 4. rebuilt from the survivor's snapshot, its commerce-api stopped meanwhile
    await processes.stopApis(code);
    const position = await this.rebuild(lost, to);
    for (const l of this.plan.links.filter((x) => x.from === code && survivors.some((s) => s.region.code === x.to))) await connectChannel(node, l.to, l.listen);
    // a survivor asks the rebuilt DC for its own domain from where it last applied it from there, which the rebuilt binlog no
    // longer holds (error 2013 on every reconnect): from the survivor's own binlog position instead (gtid_current_pos)
    for (const s of survivors) {
      await this.node(s.region.code).rootQuery('STOP ALL SLAVES; SET GLOBAL gtid_slave_pos = @@gtid_current_pos');
      for (const l of this.plan.links.filter((x) => x.from === s.region.code && (x.to === code || survivors.some((o) => o.region.code === x.to)))) {
        await connectChannel(this.node(l.from), l.to, l.listen);
      }
    }
    // 5. open: writes, the fence and any drain lifted, its commerce-api back
    await node.rootQuery('SET GLOBAL read_only = OFF');
    removeFence(lost.healthState);
    const undrained = removeDrain(lost.healthState);
    await processes.startApis(code);
    const report = this.writeReport(code, { fence, to: to.region.code, held: held.toString(), errant, recovered, epoch: handed.epoch,
      position: position.toString() });

    const by = (o: RecoveredOrder['outcome']) => recovered.filter((r) => r.outcome === o);
    // the rest of an order's transaction (its lines, key, stock, cart) went with the order
    const other = errant.filter((t) => !t.changes.some((c) => c.table === 'orders' && c.op === 'insert'))
      .flatMap((t) => t.changes.filter((c) => !NOT_RECONCILED.has(c.table)));
    const counts = [...other.reduce((m, c) => m.set(`${c.table} ${c.op}`, (m.get(`${c.table} ${c.op}`) ?? 0) + 1), new Map<string, number>())];
    const lines = [
      `DC ${code} failed back (epoch ${handed.epoch}): it takes writes again and replicates both ways`,
      `  errant transactions (committed at ${code}, never received by a survivor: past ${held.toString() || 'nothing'}): ${errant.length}`,
      `  orders recovered at DC ${to.region.code} (same number and Idempotency-Key, a recovered event): ${by('recovered').length}`
        + (by('recovered').length ? ` (${by('recovered').map((r) => r.number).join(', ')})` : ''),
      ...by('recovered').filter((r) => r.oversold.length).map((r) => `    OVERSOLD: order ${r.number}: no units left at ${to.region.code} for ${r.oversold.join(', ')}`),
      ...by('recovered').filter((r) => r.cart === 'changed since: left open').map((r) => `    order ${r.number}: its cart was changed at ${to.region.code} `
        + 'since the failover and is left open (the shopper may see lines of it there)'),
      ...by('placed again').map((r) => `  order ${r.number} not recovered: its Idempotency-Key was used at ${to.region.code} since for order ${r.placedAgainAs}`),
      ...by('already there').map((r) => `  order ${r.number}: already at ${to.region.code}`),
      ...by('not at the lost DC').map((r) => `  order ${r.orderId}: in the binlog but no longer in ${code}'s database (changed since): see the report`),
      `  stock given back to DC ${code}: ${handed.stockUnits} units of ${handed.stockRows} SKUs (what DC ${to.region.code} had not sold of what it took over)`,
      `  other errant changes, not replayed (listed in the report): ${counts.length ? counts.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`,
      `  database rebuilt from DC ${to.region.code}'s snapshot at ${position}; channels started both ways`
        + (undrained ? '; drain lifted' : ''),
      o.rehome ? `  accounts moved back to DC ${code} (--rehome): ${handed.accountsBack} (epoch + 1 each; those a log-in moved since stay where they are)`
      : `  accounts moved by the failover stay homed in DC ${to.region.code} until they log in at ${code} again (--rehome moves them back at once)`,
      `  report: ${report}`,
    ];
    for (const l of lines) this.say(l);
    return lines.join('\n');
  }

  /**
   * The lost DC's database replaced by a snapshot of `from`'s (mariadb-dump, one consistent read,
   * loaded unlogged), its binlog emptied and restarted at the snapshot's GTID position (which holds
   * the lost DC's own domain as far as the survivors have it: its next write follows on from there),
   * and its replication state set to that position. Answers the position.
   */
  private async rebuild(lost: DcPlan, from: DcPlan): Promise<GtidPosition> {
    const target = this.node(lost.region.code);
    const source = this.node(from.region.code);
    for (const c of await channels(target)) await target.rootQuery(`STOP SLAVE '${c.channel}'; RESET SLAVE '${c.channel}' ALL`);
    const dump = await new Promise<string>((resolve, reject) => {
      execFile(binary('mariadb-dump'), ['--no-defaults', `--socket=${source.o.socket}`, '-uroot', '--single-transaction', '--gtid', '--master-data=2',
        '--databases', APP_DATABASE], { maxBuffer: 2 * 1024 * 1024 * 1024 }, (err, stdout, stderr) =>
        (err ? reject(new Error(`mariadb-dump of DC ${from.region.code} failed: ${stderr || err.message}`)) : resolve(stdout)));
    });
    const m = /^-- SET GLOBAL gtid_slave_pos='([^']*)';$/m.exec(dump);
    if (!m) throw new Error(`the snapshot of DC ${from.region.code} carries no GTID position`);
    const position = GtidPosition.parse(m[1]!);
    await target.rootQuery(`SET sql_log_bin = 0; DROP DATABASE IF EXISTS ${APP_DATABASE}`);
    await new Promise<void>((resolve, reject) => {
      const c = spawn(binary('mariadb'), ['--no-defaults', `--socket=${target.o.socket}`, '-uroot'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      c.stderr.on('data', (d) => { stderr += d; });
      c.once('error', reject);
      c.once('close', (status) => (status === 0 ? resolve() : reject(new Error(`loading the snapshot into DC ${lost.region.code} failed: ${stderr}`))));
      c.stdin.end(`SET sql_log_bin = 0;\n${dump}`);
    });
    await target.rootQuery('RESET MASTER; SET GLOBAL gtid_binlog_state = ?; SET GLOBAL gtid_slave_pos = ?', [position.toString(), position.toString()]);
    await target.createAppDatabase(); // the users' rights on it (a database started empty, after a lost disk, has none yet)
    return position;
  }

  /** The reconciliation report: every errant transaction with its rows, and what became of each order. */
  private writeReport(code: string, r: { fence: FenceState; to: string; held: string; errant: BinlogTransaction[]; recovered: RecoveredOrder[];
    epoch: number; position: string }): string {
    const file = join(this.plan.dataDir, `failback-${code}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify({ dc: code, failedOverTo: r.to, failedOverAt: r.fence.since, epoch: r.epoch, survivorsHeld: r.held,
      rebuiltAt: r.position, orders: r.recovered, errantTransactions: r.errant }, null, 2)}\n`);
    return file;
  }
}

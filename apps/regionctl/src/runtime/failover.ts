import { FenceState, readFence, writeFence } from '@meridian/health';
import { GtidPosition } from '../db/gtid-position';
import { APP_DATABASE, MariaDbNode } from '../db/mariadb-node';
import { binlogPosition, channelName, channels, retireChannel, waitForPosition } from '../db/replication';
import { urlOf } from '../health/healthchecks';
import { DcPlan, Plan } from '../topology/plan';
import { runApiCli } from './commands';
import { DcProcesses } from './dc-processes';

export interface FailoverOptions {
  /** the survivor that takes the lost DC's accounts (default: the nearest by regions/) */
  to?: string;
  /** the operator made sure the lost DC is down (two DCs cannot outvote one another) */
  confirmDown?: boolean;
  /** go ahead although the lost DC still answers: it is fenced where it can be reached */
  force?: boolean;
}

/** What commerce-api's `take-over` did at the survivor (DcFenceRepository.takeOver). */
interface TakeOverResult {
  done: boolean;
  epoch: number;
  movedTo: string;
  accountsMoved: number;
  stockRows: number;
  stockUnits: number;
  guestCartsLeft: number;
}

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
    if (answering.length && !o.force) {
      throw new Error(`DC ${code} still answers (${answering.join(', ')}): failing it over now would leave two DCs writing its accounts. `
        + `If it is only cut off, it keeps serving the shoppers who reach it: drain it (regionctl drain ${code}) or wait; if it must go, `
        + `stop it (regionctl kill ${code}) and fail over then, or --force to fence it while it runs (docs/runbooks/failover.md)`);
    }
    if (!answering.length && !o.confirmDown && !o.force) {
      throw new Error(`DC ${code} does not answer here, which does not prove it is down: a DC that is only cut off from this side would go on `
        + `writing the accounts failover moves. ${survivors.length === 1 ? 'With two DCs nobody can outvote it' : 'No lease makes a cut-off DC read-only by itself yet'}: `
        + `make sure it is down (its database stopped, or powered off, or cut off on every side) and repeat with --confirm-down (docs/runbooks/failover.md)`);
    }

    // 1. fence: its aggregators answer FAIL (failed over) from now; its database, where reachable, takes no more writes
    writeFence(lost.healthState, { movedTo: to.region.code, epoch: 0 });
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
      `DC ${code} failed over to DC ${r.movedTo} (epoch ${r.epoch})${r.done ? '' : ': it had been already, nothing was moved now'}`,
      `  fence: DC ${code}'s aggregators answer FAIL (${`failed over to ${r.movedTo}`}); its database: ${fencedThere}`,
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
}

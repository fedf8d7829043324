import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GtidPosition } from '../db/gtid-position';
import { MariaDbNode } from '../db/mariadb-node';
import { appliedPosition, binlogPosition, binlogStart, waitForPosition } from '../db/replication';
import { Plan } from '../topology/plan';

/** how long `up` lets a new DC replay the others' history */
const JOIN_TIMEOUT_SECONDS = 600;

/**
 * In a DC's data folder while it joins: written before its join starts, removed once the whole
 * topology is up. A join cut short (Ctrl-C, a crash) leaves a database that is neither empty nor
 * complete; the next `up` sees the file and waits for the join again instead of serving that.
 */
const JOIN_MARKER = 'JOINING';

/** a DC that must get what the others hold before it writes or serves (see joiningDcs) */
export interface Joining {
  dc: string;
  /** its database has nothing yet */
  empty: boolean;
  /** the last of its own writes the other DCs hold, when it had written before (it lost its data) */
  ownWrites?: GtidPosition;
  /** an earlier `up` began its join and stopped before the topology was up (its marker file is there) */
  resumed?: boolean;
}

/** What joining needs of the topology: its plan, its running databases, and where to say what it does. */
export interface JoinContext {
  plan: Plan;
  nodes: ReadonlyMap<string, MariaDbNode>;
  say: (line: string) => void;
}

const joinMarker = (plan: Plan, dc: string) => join(plan.dataDir, dc, JOIN_MARKER);

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
export async function joiningDcs({ plan, nodes }: JoinContext): Promise<Joining[]> {
  const dbs = await Promise.all([...nodes].map(async ([dc, node]) => {
    const [written, applied] = await Promise.all([binlogPosition(node), appliedPosition(node)]);
    return { dc, node, written, empty: written.empty && applied.empty };
  }));
  if (dbs.every((d) => d.empty)) return [];
  const joining: Joining[] = [];
  for (const d of dbs) {
    const domain = d.node.o.gtidDomainId;
    // the furthest any other DC holds of this DC's own writes
    const elsewhere = dbs.filter((o) => o !== d).map((o) => o.written.only(domain))
      .sort((x, y) => y.seq(domain) - x.seq(domain))[0];
    const resumed = !d.empty && existsSync(joinMarker(plan, d.dc));
    if (d.empty || resumed || (elsewhere?.seq(domain) ?? 0) > d.written.seq(domain)) {
      joining.push({ dc: d.dc, empty: d.empty, ownWrites: elsewhere && !elsewhere.empty ? elsewhere : undefined, resumed });
    }
  }
  for (const h of joining.some((j) => j.empty) ? dbs.filter((d) => !d.empty) : []) {
    const start = await binlogStart(h.node);
    if (!start.empty) {
      throw new Error(`DC ${joining.filter((j) => j.empty).map((j) => j.dc).join(', ')} has an empty database and would get everything by replaying every DC's binlog `
        + `from its start, but DC ${h.dc}'s oldest binlog file starts at ${start} (older files were purged): it would miss what they held. `
        + 'Copy a snapshot of another DC into it instead (not automated), or start the whole topology empty with --fresh');
    }
  }
  for (const j of joining) writeFileSync(joinMarker(plan, j.dc), `${new Date().toISOString()} joining: regionctl up waits for it until the topology is up\n`);
  return joining;
}

/**
 * Joining DCs replay what every other DC's binlog holds (all GTID domains, their own too) before
 * anything else is written or served: a DC that wrote its own domain's next number before getting
 * back its old ones would break replication everywhere (GTID strict mode).
 */
export async function replayHistory({ plan, nodes, say }: JoinContext, joining: Joining[]): Promise<void> {
  const codes = joining.map((j) => j.dc);
  const holding = plan.dcs.map((d) => d.region.code).filter((dc) => !codes.includes(dc));
  const positions = await Promise.all(holding.map(async (dc) => binlogPosition(nodes.get(dc)!)));
  // every domain's last sequence number held anywhere: how many transactions the joining DCs apply
  const transactions = plan.dcs.map((d) => d.region.gtidDomainId)
    .reduce((sum, domain) => sum + Math.max(0, ...positions.map((p) => p.seq(domain))), 0);
  for (const j of joining) {
    if (j.resumed) {
      say(`DC ${j.dc}: its join did not finish (an earlier up stopped before the topology was up): resuming it, until it has what `
        + `${holding.join(', ')} hold (${transactions} transactions)`);
    } else if (j.ownWrites) {
      say(`DC ${j.dc}: ${j.empty ? 'its database is empty' : 'it has not got back all its own writes yet'}, but the other DCs hold its writes `
        + `up to ${j.ownWrites}: it lost its data; rebuilding it from ${holding.join(', ')} (${transactions} transactions; what it had `
        + 'committed and not yet sent is lost)');
    } else {
      say(`DC ${j.dc}: new in a topology with data; replaying what ${holding.join(', ')} wrote (${transactions} transactions)`);
    }
  }
  const started = Date.now();
  for (const dc of codes) {
    const node = nodes.get(dc)!;
    const own = node.o.gtidDomainId;
    const wrote = (await binlogPosition(node)).seq(own);
    for (const [i, held] of positions.entries()) {
      // its own writes that it has itself (a resumed join in which it had begun to write) are not waited for: they are
      // in its binlog, not in what it applied, which is what MASTER_GTID_WAIT looks at
      const position = wrote >= held.seq(own) ? held.without(own) : held;
      if (!position.empty && !(await waitForPosition(node, position, JOIN_TIMEOUT_SECONDS))) {
        throw new Error(`DC ${dc} did not apply what DC ${holding[i]} holds (${position}) within ${JOIN_TIMEOUT_SECONDS} s: see ${plan.logDir}/mariadb-${dc}.err`);
      }
    }
  }
  say(`DC ${codes.join(', ')}: has everything the other DCs hold (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Once the whole topology is up, the joins are over: their markers go. */
export function joinsDone(plan: Plan, joining: Joining[]): void {
  for (const j of joining) rmSync(joinMarker(plan, j.dc), { force: true });
}

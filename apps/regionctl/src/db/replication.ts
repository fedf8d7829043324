import { format } from 'mysql2/promise';
import { Endpoint } from '../wan/wan-link';
import { GtidPosition } from './gtid-position';
import { MariaDbNode, REPL_USER } from './mariadb-node';

export interface ChannelStatus {
  channel: string;
  ioRunning: string;
  sqlRunning: boolean;
  secondsBehind: number | null;
  lastIoError: string;
  lastSqlError: string;
}

export const channelName = (fromDc: string) => `from_${fromDc}`;

/**
 * Makes `replica` replicate everything `source` writes, through `via` (the WAN link that reaches
 * the source DC's database), as the named channel `from_<dc>` with GTID positions (slave_pos). A channel
 * that exists already (a restart with the data kept) is stopped, re-pointed and resumes where it was.
 */
export async function connectChannel(replica: MariaDbNode, sourceDc: string, via: Endpoint): Promise<void> {
  const name = channelName(sourceDc);
  // idempotent: a channel kept from an earlier run restarts with the current address, from where it was
  if ((await channels(replica)).some((c) => c.channel === name)) await replica.rootQuery(`STOP SLAVE ${format('?', [name])}`);
  await replica.rootQuery(`CHANGE MASTER ${format('?', [name])} TO MASTER_HOST = ${format('?', [via.host])}, MASTER_PORT = ${Number(via.port)},
    MASTER_USER = ${format('?', [REPL_USER.user])}, MASTER_PASSWORD = ${format('?', [REPL_USER.password])},
    MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1, MASTER_HEARTBEAT_PERIOD = 1;
    START SLAVE ${format('?', [name])}`);
}

/** How long SHOW ALL SLAVES STATUS may take before channels() says why it does not answer. */
const SHOW_STATUS_TIMEOUT_MS = 2000;

/**
 * Every replication channel of a node, from SHOW ALL SLAVES STATUS. That statement waits while an
 * applier waits for another channel to apply the same GTID domain (gtid_ignore_duplicates, one
 * applier per channel): held by a long transaction there, it would hang as long. So it has a
 * deadline, and past it the error says what the appliers are doing (the process list answers).
 */
export async function channels(node: MariaDbNode): Promise<ChannelStatus[]> {
  let rows: Record<string, string | number | null>[];
  try {
    rows = await node.rootQuery<Record<string, string | number | null>>('SHOW ALL SLAVES STATUS', [], SHOW_STATUS_TIMEOUT_MS);
  } catch (err) {
    if ((err as { code?: string }).code !== 'PROTOCOL_SEQUENCE_TIMEOUT') throw err;
    const appliers = await node.rootQuery<{ s: string; t: number }>(
      "SELECT STATE AS s, TIME AS t FROM information_schema.PROCESSLIST WHERE COMMAND = 'Slave_SQL' ORDER BY ID", [], SHOW_STATUS_TIMEOUT_MS);
    throw new Error(`the channels' status did not answer within ${SHOW_STATUS_TIMEOUT_MS} ms; appliers: `
      + (appliers.map((a) => `"${a.s}" for ${a.t} s`).join(', ') || 'none running'), { cause: err });
  }
  return rows.map((r) => ({
    channel: String(r.Connection_name), ioRunning: String(r.Slave_IO_Running), sqlRunning: r.Slave_SQL_Running === 'Yes',
    secondsBehind: r.Seconds_Behind_Master === null ? null : Number(r.Seconds_Behind_Master),
    lastIoError: String(r.Last_IO_Error ?? ''), lastSqlError: String(r.Last_SQL_Error ?? ''),
  }));
}

/**
 * Stops a channel for good (a failover of its source): its IO thread first, then, once the applier
 * has applied everything the channel received of the source's domain (what the source may already
 * have acknowledged to a shopper: semi-sync's RPO 0 lives in this relay log), the applier; then
 * RESET SLAVE clears its relay log and the errors of its reconnection attempts (its GTID position,
 * gtid_slave_pos, stays: failback resumes from it). False, and the channel is left stopped as it is
 * (relay log kept), when the applier did not get there within `timeoutSeconds` (an error stopped it).
 */
export async function retireChannel(replica: MariaDbNode, sourceDc: string, sourceDomain: number, timeoutSeconds: number): Promise<boolean> {
  const name = format('?', [channelName(sourceDc)]);
  // its applier runs to the end of what was received, even if it had been stopped by hand (an error stops it again: false).
  // Started before the IO thread stops: a START SLAVE while both threads are stopped discards the relay log in GTID mode
  // (the next connection would fetch it again from the source, which is gone), and with it what the source acknowledged
  await replica.rootQuery(`START SLAVE ${name} SQL_THREAD; STOP SLAVE ${name} IO_THREAD`);
  const [status] = await replica.rootQuery<{ Gtid_IO_Pos: string }>(`SHOW SLAVE ${name} STATUS`);
  const received = GtidPosition.parse(String(status?.Gtid_IO_Pos ?? '')).only(sourceDomain);
  const applied = received.empty || await waitForPosition(replica, received, timeoutSeconds);
  await replica.rootQuery(`STOP SLAVE ${name}`);
  if (applied) await replica.rootQuery(`RESET SLAVE ${name}`);
  return applied;
}

/**
 * After retireChannel on a node with other channels: stopping one channel of a MariaDB 10.11 replica
 * that has semi-sync replication enabled breaks the IO thread of its other channels on their next
 * packet ("Event from master declares a length that does not match the packet", then "could not
 * queue event from master", errors 1593/1595; seen in the three-DC failover test, every time). Their
 * relay logs are intact: START SLAVE (which stops nothing) resumes each from its GTID position.
 * Waits (5 s at most) until each has connected again; the channels in `except` (retired) are left alone.
 */
export async function restartStoppedChannels(node: MariaDbNode, except: string[]): Promise<void> {
  // the break comes with the next packet: a heartbeat (MASTER_HEARTBEAT_PERIOD = 1) at the latest
  const started = Date.now();
  for (const until = started + 5000; Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 250));
    const stopped = (await channels(node)).filter((c) => !except.includes(c.channel) && c.ioRunning === 'No');
    if (!stopped.length && Date.now() - started > 1500) return;
    for (const c of stopped) await node.rootQuery(`START SLAVE ${format('?', [c.channel])}`);
  }
}

/** A channel's errors (its IO thread's, then its applier's), '' when it has none. */
export const channelError = (c: ChannelStatus): string => [c.lastIoError, c.lastSqlError].filter(Boolean).join('; ');

/** The node's own binlog position per GTID domain (@@gtid_binlog_pos: every domain it wrote or applied). */
export async function binlogPosition(node: MariaDbNode): Promise<GtidPosition> {
  return GtidPosition.parse(await oneValue(node, 'SELECT @@gtid_binlog_pos AS p'));
}

/** What the node has applied from its sources (@@gtid_slave_pos). */
export async function appliedPosition(node: MariaDbNode): Promise<GtidPosition> {
  return GtidPosition.parse(await oneValue(node, 'SELECT @@gtid_slave_pos AS p'));
}

/** The column `p` of a one-row answer, as text ('' for NULL). */
async function oneValue(node: MariaDbNode, sql: string, params?: unknown[]): Promise<string> {
  const [r] = await node.rootQuery<{ p: string | null }>(sql, params);
  if (!r) throw new Error(`no row from ${sql}`);
  return String(r.p ?? '');
}

/**
 * Where the node's oldest binlog file starts, as a GTID position: '' while its binlog still holds
 * everything since the node began (no file purged), which a new DC needs to join by replaying it.
 */
export async function binlogStart(node: MariaDbNode): Promise<GtidPosition> {
  const [oldest] = await node.rootQuery<{ Log_name: string }>('SHOW BINARY LOGS');
  if (!oldest) return GtidPosition.parse('');
  return GtidPosition.parse(await oneValue(node, 'SELECT BINLOG_GTID_POS(?, 4) AS p', [oldest.Log_name]));
}

/** Waits until the node has applied `position` (MASTER_GTID_WAIT); false on timeout. */
export async function waitForPosition(node: MariaDbNode, position: GtidPosition, timeoutSeconds: number): Promise<boolean> {
  const [r] = await node.rootQuery<{ w: number }>('SELECT MASTER_GTID_WAIT(?, ?) AS w', [position.toString(), timeoutSeconds]);
  return Number(r?.w) === 0;
}

/** The node's binlog position in its own GTID domain only: what a replica must reach to have all its writes. */
export async function ownPosition(node: MariaDbNode): Promise<GtidPosition> {
  return (await binlogPosition(node)).only(node.o.gtidDomainId);
}

export interface SemiSyncStatus {
  /** semi-sync is configured on this node (as a source) */
  enabled: boolean;
  /** a commit currently waits for a replica's ack; false when it fell back to async (RPO 0 no longer holds) */
  active: boolean;
  /** commits acknowledged by a replica / commits that went without one */
  yesTx: number;
  noTx: number;
}

/** Rpl_semi_sync_master_* of a node: whether its commits are currently acknowledged by another DC. */
export async function semiSyncStatus(node: MariaDbNode): Promise<SemiSyncStatus> {
  const vars = await node.rootQuery<{ Variable_name: string; Value: string }>("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync_master_enabled'");
  const status = await node.rootQuery<{ Variable_name: string; Value: string }>("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_%'");
  const get = (name: string) => status.find((r) => r.Variable_name === name)?.Value;
  return {
    enabled: vars[0]?.Value === 'ON', active: get('Rpl_semi_sync_master_status') === 'ON',
    yesTx: Number(get('Rpl_semi_sync_master_yes_tx') ?? 0), noTx: Number(get('Rpl_semi_sync_master_no_tx') ?? 0),
  };
}

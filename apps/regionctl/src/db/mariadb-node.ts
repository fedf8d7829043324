import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { createConnection, format } from 'mysql2/promise';
import { binary } from '../process/binaries';

/**
 * One applier per channel, applying its source's binlog in the source's order (0: no worker threads).
 * With worker threads MariaDB applies GTID domains independently ("out of order"), so a third DC or one
 * replaying history committed b's change of a's cart before a's cart (error 1452) or an older update last.
 * In order, a channel applies nothing before what it depended on: every DC's binlog holds what that DC had
 * before each write (log_slave_updates), and gtid_ignore_duplicates lets one channel at a time apply a domain.
 * See docs/architecture.md, "Replication keeps each DC's order".
 */
const APPLIER_THREADS = 0;

export type Spawner = (command: string, args: string[], options: SpawnOptions) => ChildProcess;

export interface MariaDbNodeOptions {
  dc: string;
  serverId: number;
  gtidDomainId: number;
  /** the DC's database address (in its loopback block) */
  host: string;
  port: number;
  dataDir: string;
  socket: string;
  logDir: string;
  /** three DCs or more: replicas may get the same event over two paths */
  gtidIgnoreDuplicates?: boolean;
  /**
   * semi-sync: a commit returns only once another DC has received it, or after `timeoutMs`, when
   * the node falls back to async replication (and says so in its status) until a replica acks again
   */
  semiSync?: { timeoutMs: number };
  bufferPool?: string;
  /**
   * start read-only (only root writes): a DC failed over and not failed back, whose data may have
   * diverged from the survivors'; it takes no write until failback rebuilds it
   */
  readOnly?: boolean;
  /** its replication channels wait for START SLAVE (regionctl starts each one itself, except those from a fenced DC) */
  skipReplicaStart?: boolean;
  /** more mariadbd options, for experiments (the benchmarks' MARIADB_EXTRA) */
  extraArgs?: string[];
  spawner?: Spawner;
}

/** commerce-api's user: reads and writes the shop's rows, nothing else (no DDL), over TCP from any DC. */
export const APP_USER = { user: 'meridian', password: 'meridian' };
/** Runs the migrations: the schema's DDL, unlogged (BINLOG ADMIN); over the Unix socket only. */
export const MIGRATE_USER = { user: 'meridian_migrate', password: 'meridian-migrate' };
/** the DC's aggregators (gslb-healthcheck): replication status, and their beacon rows */
export const MONITOR_USER = { user: 'meridian_monitor', password: 'meridian-monitor' };
export const APP_DATABASE = 'meridian';
/** The other DCs' replica connections: the binlog, nothing of the data otherwise. */
export const REPL_USER = { user: 'repl', password: 'meridian-repl' };

const account = (u: { user: string }, host = '%') => format('?@?', [u.user, host]);

/**
 * One DC's MariaDB, set up for bidirectional GTID replication (the options of the replication
 * study): its own server_id and gtid_domain_id, strict GTID mode, ROW binlog with
 * log_slave_updates, durable commits, fast failure detection on replica connections.
 */
export class MariaDbNode {
  private child?: ChildProcess;

  constructor(readonly o: MariaDbNodeOptions) {}

  /**
   * The server's own temporary folder, beside its data: a mariadbd that starts deletes every `#sql*`
   * file of its tmpdir (left by an earlier run, it assumes), which in a shared /tmp are the live
   * temporary tables of the other servers and bootstraps of this machine.
   */
  get tmpDir(): string {
    return `${this.o.dataDir}-tmp`;
  }

  args(): string[] {
    const o = this.o;
    return [
      '--no-defaults', `--datadir=${o.dataDir}`, `--tmpdir=${this.tmpDir}`, `--port=${o.port}`, `--bind-address=${o.host}`, `--socket=${o.socket}`,
      `--pid-file=${join(o.dataDir, 'mariadbd.pid')}`, `--log-error=${join(o.logDir, `mariadb-${o.dc}.err`)}`, `--user=${userInfo().username}`,
      '--skip-name-resolve', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--max-connections=500',
      `--innodb-buffer-pool-size=${o.bufferPool ?? '128M'}`, '--innodb-flush-log-at-trx-commit=1', '--sync-binlog=1',
      `--server-id=${o.serverId}`, `--gtid-domain-id=${o.gtidDomainId}`, '--gtid-strict-mode=ON',
      '--log-bin=binlog', '--binlog-format=ROW', '--log-slave-updates=ON', '--relay-log=relay',
      // a channel whose source is gone retries every second (MASTER_CONNECT_RETRY) for ever: 2^32 - 1 tries, 136 years
      // (MariaDB's default of 100,000 gives up after 28 hours, and the DC would stay behind until someone noticed)
      '--master-retry-count=4294967295',
      '--slave-net-timeout=4', `--slave-parallel-threads=${APPLIER_THREADS}`, ...(o.gtidIgnoreDuplicates ? ['--gtid-ignore-duplicates=ON'] : []),
      // every replica acknowledges what it receives when its source asks (a semi-sync DC); an async source never asks.
      // (Crash recovery's binlog truncation follows --init-rpl-role, MASTER by default, not this, since 10.11.8.)
      '--rpl-semi-sync-slave-enabled=ON',
      ...(o.semiSync ? ['--rpl-semi-sync-master-enabled=ON', `--rpl-semi-sync-master-timeout=${o.semiSync.timeoutMs}`,
        '--rpl-semi-sync-master-wait-point=AFTER_COMMIT'] : []),
      ...(o.readOnly ? ['--read-only=ON'] : []), ...(o.skipReplicaStart ? ['--skip-slave-start'] : []),
      ...(o.extraArgs ?? []),
    ];
  }

  /** Initialises the data folder the first time, starts mariadbd and waits until it answers. */
  async start(): Promise<void> {
    const o = this.o;
    mkdirSync(o.logDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
    if (!existsSync(join(o.dataDir, 'mysql'))) {
      mkdirSync(o.dataDir, { recursive: true });
      try {
        execFileSync(binary('mariadb-install-db'), ['--no-defaults', `--datadir=${o.dataDir}`, `--tmpdir=${this.tmpDir}`, `--user=${userInfo().username}`,
          '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'pipe' });
      } catch (err) {
        // its own words say why (they were thrown away before, which left "Command failed" and nothing to go on)
        const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
        const said = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`.trim().split('\n').slice(-15).join('\n');
        throw new Error(`mariadb-install-db failed for DC ${o.dc} (${o.dataDir}):\n${said || e.message}`, { cause: err });
      }
    }
    this.child = (o.spawner ?? spawn)(binary('mariadbd'), this.args(), { stdio: 'ignore' });
    const until = Date.now() + 30000;
    for (;;) {
      try {
        await this.rootQuery('SELECT 1');
        break;
      } catch (err) {
        if (this.child.exitCode !== null || Date.now() > until) {
          const log = join(o.logDir, `mariadb-${o.dc}.err`);
          throw new Error(`MariaDB of DC ${o.dc} did not start: ${existsSync(log) ? readFileSync(log, 'utf8').slice(-1500) : (err as Error).message}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await this.closeToStrangers();
    // users are made on every node without binlogging them: each DC owns its own accounts
    await this.rootQuery(`SET sql_log_bin = 0;
      CREATE USER IF NOT EXISTS ${account(APP_USER)} IDENTIFIED BY ${format('?', [APP_USER.password])};
      CREATE USER IF NOT EXISTS ${account(MIGRATE_USER, 'localhost')} IDENTIFIED BY ${format('?', [MIGRATE_USER.password])};
      CREATE USER IF NOT EXISTS ${account(REPL_USER)} IDENTIFIED BY ${format('?', [REPL_USER.password])};
      CREATE USER IF NOT EXISTS ${account(MONITOR_USER)} IDENTIFIED BY ${format('?', [MONITOR_USER.password])};
      GRANT SLAVE MONITOR, BINLOG MONITOR ON *.* TO ${account(MONITOR_USER)};
      GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ${account(REPL_USER)};
      GRANT BINLOG ADMIN ON *.* TO ${account(MIGRATE_USER, 'localhost')};
      SET sql_log_bin = 1`);
  }

  /**
   * mariadb-install-db leaves root without a password on 127.0.0.1, ::1 and the host name (any local
   * client over TCP to the DC's address comes from 127.0.0.1) and anonymous users, who would also
   * take precedence over the app user on the socket. Only root on the Unix socket ('localhost':
   * names are not resolved) stays.
   */
  private async closeToStrangers(): Promise<void> {
    const open = await this.rootQuery<{ u: string }>(
      `SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) AS u FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost')`);
    if (open.length > 0) await this.rootQuery(`SET sql_log_bin = 0; DROP USER ${open.map((r) => r.u).join(', ')}; SET sql_log_bin = 1`);
  }

  /**
   * The shop's database, the app user's rights on it (rows only) and the migration user's (the
   * schema), unlogged: each DC makes its own schema (replicated DDL would collide with the other DCs' own).
   */
  async createAppDatabase(): Promise<void> {
    const dml = `GRANT SELECT, INSERT, UPDATE, DELETE ON ${APP_DATABASE}.* TO ${account(APP_USER)}`;
    // a data folder made before had ALL for the app user: revoke it (REVOKE needs a grant to exist), then grant DML only
    await this.rootQuery(`SET sql_log_bin = 0;
      CREATE DATABASE IF NOT EXISTS ${APP_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
      ${dml}; REVOKE ALL PRIVILEGES ON ${APP_DATABASE}.* FROM ${account(APP_USER)}; ${dml};
      GRANT ALL ON ${APP_DATABASE}.* TO ${account(MIGRATE_USER, 'localhost')};
      GRANT SELECT, INSERT, UPDATE ON ${APP_DATABASE}.* TO ${account(MONITOR_USER)};
      SET sql_log_bin = 1`);
  }

  /** SQL as root over the node's socket (administration); past `timeoutMs` the query fails and its connection goes. */
  async rootQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = [], timeoutMs?: number): Promise<T[]> {
    const c = await createConnection({ socketPath: this.o.socket, user: 'root', multipleStatements: true });
    try {
      const [rows] = await c.query({ sql, values: params, timeout: timeoutMs });
      return rows as T[];
    } finally {
      c.destroy();
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL, as a crash would: nothing is flushed or closed; `start()` brings it back through crash recovery. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    // the child may be a watchdog (spawnTied): the server's own pid is in its pid file
    const pidFile = join(this.o.dataDir, 'mariadbd.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGKILL');
    else child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    await exited;
    clearTimeout(timer);
  }
}

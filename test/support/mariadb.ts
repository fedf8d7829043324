import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { APP_DATABASE, APP_USER, MariaDbNode } from '../../apps/regionctl/src/db/mariadb-node';
import { findBinary, freePort, spawnTied } from './processes';

export interface MariaDbServer {
  host: string;
  port: number;
  socket: string;
  dir: string;
  database: string;
  user: string;
  password: string;
  /** mariadbd's own pid (its pid file: the spawned process is the watchdog that ties it to the test) */
  serverPid: number;
  /** run SQL as root on the server (administration, assertions on what the database holds) */
  rootQuery<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** A data folder made once by mariadb-install-db and copied for every server: saves seconds per suite. */
function templateDir(): string {
  const version = execFileSync(findBinary('mariadbd'), ['--version']).toString().replace(/\W+/g, '_').slice(0, 60);
  const dir = join(tmpdir(), `meridian-mariadb-template-${version}`);
  if (existsSync(join(dir, 'mysql'))) return dir;
  const building = mkdtempSync(join(tmpdir(), 'meridian-mariadb-template-build-'));
  // its own tmpdir: a mariadbd starting elsewhere deletes the #sql* files of a shared /tmp (see MariaDbNode.tmpDir)
  const scratch = mkdtempSync(join(tmpdir(), 'meridian-mariadb-template-tmp-'));
  try {
    execFileSync(findBinary('mariadb-install-db'), [
      '--no-defaults', `--datadir=${building}`, `--tmpdir=${scratch}`, `--user=${userInfo().username}`,
      '--auth-root-authentication-method=normal', '--skip-test-db',
    ], { stdio: 'ignore' });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another worker got there first
  }
  return dir;
}

/** A data folder ready for mariadbd (the template's copy), unless it holds one already. */
export function seedDataDir(dataDir: string): void {
  if (!existsSync(join(dataDir, 'mysql'))) cpSync(templateDir(), dataDir, { recursive: true });
}

/**
 * Starts a private MariaDB in a temp folder on a free port, with the shop's database and app user:
 * a DC's database exactly as regionctl runs it (durable commits, ROW binlog, GTIDs), as DC `a`.
 */
export async function startMariaDb(): Promise<MariaDbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-db-'));
  const dataDir = join(dir, 'data');
  seedDataDir(dataDir);
  const host = '127.0.0.1';
  const node = new MariaDbNode({
    dc: 'a', serverId: 1, gtidDomainId: 1, host, port: await freePort(host),
    dataDir, socket: join(dir, 'mysqld.sock'), logDir: dir, spawner: spawnTied,
  });
  try {
    await node.start();
    await node.createAppDatabase();
  } catch (err) {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host, port: node.o.port, socket: node.o.socket, dir, database: APP_DATABASE, ...APP_USER,
    serverPid: Number(readFileSync(join(dataDir, 'mariadbd.pid'), 'utf8').trim()),
    async rootQuery<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      const c = await createConnection({ socketPath: node.o.socket, user: 'root', database: APP_DATABASE });
      try {
        const [rows] = await c.query(sql, params);
        return rows as T[];
      } finally {
        c.destroy();
      }
    },
    async stop() {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

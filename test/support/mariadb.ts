import { ChildProcess, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { findBinary, freePort, spawnTied, stopProcess, waitFor } from './processes';

export interface MariaDbServer {
  host: string;
  port: number;
  socket: string;
  dir: string;
  database: string;
  user: string;
  password: string;
  /** run SQL as root on the server (administration, assertions on what the database holds) */
  rootQuery<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface MariaDbOptions {
  /** extra mariadbd options, e.g. ['--log-bin=binlog'] */
  args?: string[];
}

/** The server options shared by tests, `make up` and the benchmark: durable InnoDB, utf8mb4. */
export const SERVER_ARGS = [
  '--skip-name-resolve', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci',
  '--innodb-flush-log-at-trx-commit=1', '--max-connections=500', '--innodb-buffer-pool-size=128M',
];

/** A data folder made once by mariadb-install-db and copied for every server: saves seconds per suite. */
function templateDir(): string {
  const version = execFileSync(findBinary('mariadbd'), ['--version']).toString().replace(/\W+/g, '_').slice(0, 60);
  const dir = join(tmpdir(), `meridian-mariadb-template-${version}`);
  if (existsSync(join(dir, 'mysql'))) return dir;
  const building = mkdtempSync(join(tmpdir(), 'meridian-mariadb-template-build-'));
  execFileSync(findBinary('mariadb-install-db'), [
    '--no-defaults', `--datadir=${building}`, `--user=${userInfo().username}`,
    '--auth-root-authentication-method=normal', '--skip-test-db',
  ], { stdio: 'ignore' });
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another worker got there first
  }
  return dir;
}

/** Starts a private mariadbd in a temp folder on a free port, with a database and a user for the app. */
export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-db-'));
  const datadir = join(dir, 'data');
  cpSync(templateDir(), datadir, { recursive: true });
  const port = await freePort();
  const socket = join(dir, 'mysqld.sock');
  const child: ChildProcess = spawnTied(findBinary('mariadbd'), [
    '--no-defaults', `--datadir=${datadir}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`, `--log-error=${join(dir, 'error.log')}`, `--user=${userInfo().username}`,
    ...SERVER_ARGS, ...(opts.args ?? []),
  ], { stdio: 'ignore' });

  const root = () => createConnection({ socketPath: socket, user: 'root' });
  try {
    await waitFor('mariadbd to accept connections', async () => {
      if (child.exitCode !== null) throw new Error('mariadbd exited');
      (await root()).destroy();
      return true;
    }, 30000, 50);
  } catch (err) {
    const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000) : '';
    await stopProcess(child, 5000);
    throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
  }

  const database = 'meridian';
  const user = 'meridian';
  const password = 'meridian-test';
  const conn = await root();
  await conn.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
  await conn.query(`GRANT ALL ON ${database}.* TO '${user}'@'%'`);
  conn.destroy();

  return {
    host: '127.0.0.1', port, socket, dir, database, user, password,
    async rootQuery<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      const c = await root();
      try {
        await c.query(`USE ${database}`);
        const [rows] = await c.query(sql, params);
        return rows as T[];
      } finally {
        c.destroy();
      }
    },
    async stop() {
      await stopProcess(child, 20000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

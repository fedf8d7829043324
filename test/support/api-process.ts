import { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MariaDbServer } from './mariadb';
import { freePort, spawnTied, stopProcess, waitFor } from './processes';

export const MAIN_JS = join(__dirname, '../../dist/apps/commerce-api/src/main.js');

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  /** sends a signal to the server itself (child is its watchdog) */
  signal(sig: NodeJS.Signals): void;
  /** every line the process wrote to stdout so far */
  lines: string[];
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** The built commerce-api (`make build`) as a real process against the given database. */
export async function startApiProcess(db: MariaDbServer, env: Record<string, string> = {}, port?: number): Promise<ApiProcess> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`make build\` first (make test does)`);
  const p = port ?? await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'meridian-api-'));
  const pidFile = join(dir, 'pid');
  const child = spawnTied(process.execPath, [MAIN_JS], {
    env: {
      PATH: process.env.PATH, DC_ID: 'a', PORT: String(p), HOST: '127.0.0.1', DB_HOST: db.host, DB_PORT: String(db.port),
      DB_USER: db.user, DB_PASSWORD: db.password, DB_NAME: db.database, JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret!!', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }, pidFile);
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${p}`;
  await waitFor('commerce-api to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`commerce-api exited: ${lines.slice(-5).join('\n')}`);
    return (await fetch(`${url}/health/ready`)).ok;
  }, 30000, 100);
  const signal = (sig: NodeJS.Signals) => process.kill(Number(readFileSync(pidFile, 'utf8')), sig);
  const stop = async () => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, child, signal, lines, exited, stop };
}

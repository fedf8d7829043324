import { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { redisArgs, redisPing } from '../../apps/regionctl/src/redis/redis-node';
import { findBinary, freePort, spawnTied, stopProcess, waitFor } from './processes';

/** A Redis of the test's own, started as regionctl starts a DC's (append-only file, no eviction). */
export interface RedisServer {
  host: string;
  port: number;
  url: string;
  /** the server's own pid (SIGKILL it to make it vanish as a crash would) */
  readonly pid: number;
  /** sends one command (inline protocol) and answers the raw reply */
  command(line: string): Promise<string>;
  /** stops the server and keeps its data folder: start() brings it back on the same port with its data */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(host = '127.0.0.1'): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-redis-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const port = await freePort(host);
  const pidFile = join(dir, 'redis.pid');
  let child: ChildProcess | undefined;
  const serverPid = () => Number(readFileSync(pidFile, 'utf8').trim());
  const start = async () => {
    child = spawnTied(findBinary('redis-server'), redisArgs({ host, port, dataDir }), { stdio: 'ignore' }, pidFile);
    await waitFor(`Redis on ${host}:${port}`, () => redisPing({ host, port }), 15000, 50);
  };
  await start();
  return {
    host, port, url: `redis://${host}:${port}`,
    get pid() { return serverPid(); },
    command: (line) => new Promise((resolve, reject) => {
      const s = createConnection({ host, port });
      let reply = '';
      s.setTimeout(5000, () => { s.destroy(); reject(new Error(`Redis did not answer ${line}`)); });
      s.once('error', reject);
      s.once('connect', () => s.write(`${line}\r\n`));
      s.on('data', (d) => {
        reply += d.toString();
        if (reply.endsWith('\r\n')) { s.destroy(); resolve(reply); }
      });
    }),
    async kill() {
      process.kill(serverPid(), 'SIGKILL');
      if (child) await new Promise((r) => (child!.exitCode !== null || child!.signalCode !== null ? r(undefined) : child!.once('exit', r)));
    },
    start,
    async stop() {
      if (child) await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

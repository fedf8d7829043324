import { createConnection } from 'node:net';
import { Endpoint } from '../wan/wan-link';

/**
 * redis-server options for one DC's Redis (job queues): bound to the DC's address, data in its
 * own folder, every write in the append-only file (fsync each second), no RDB snapshots.
 */
export function redisArgs(o: Endpoint & { dataDir: string }): string[] {
  return ['--bind', o.host, '--port', String(o.port), '--dir', o.dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec',
    '--save', '', '--daemonize', 'no', '--protected-mode', 'no', '--maxmemory-policy', 'noeviction'];
}

/** PING over the Redis protocol: true when the server answers +PONG. */
export function redisPing(at: Endpoint, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(at);
    let reply = '';
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

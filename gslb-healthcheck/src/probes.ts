import { once } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import axios, { AxiosInstance } from 'axios';
import Redis from 'ioredis';
import { createPool, Pool, RowDataPacket } from 'mysql2/promise';
import { DeepHealthReport } from '@meridian/health';

/** What a check inside the DC looks at: every one counts towards the DC's share. */
export type CheckKind = 'api' | 'lb' | 'db' | 'redis';

export interface ProbeResult {
  ok: boolean;
  error?: string;
  detail?: string;
}

export interface Probe {
  readonly name: string;
  readonly kind: CheckKind;
  /** what it checks, as an address */
  readonly target: string;
  run(timeoutMs: number): Promise<ProbeResult>;
  close(): Promise<void>;
}

/** An error as one short line: the code a socket gave (ECONNREFUSED), or the message. */
export function shortError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNABORTED' || /timeout/i.test(e.message ?? '')) return 'timed out';
  return e.code && e.code !== 'ERR_BAD_RESPONSE' ? e.code : (e.message ?? String(err)).split('\n')[0]!.slice(0, 200);
}

function http(): AxiosInstance {
  // kept-alive connections: a poll twice a second costs no new connection each time
  return axios.create({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 4 }), validateStatus: () => true, maxRedirects: 0, responseType: 'text' });
}

/** One commerce-api's deep health, asked directly (not through the load balancer). */
export class ApiProbe implements Probe {
  readonly kind = 'api';
  private readonly client = http();

  constructor(readonly name: string, readonly target: string) {}

  async run(timeoutMs: number): Promise<ProbeResult> {
    try {
      const r = await this.client.get<string>(`${this.target}/health/deep?format=json`, { timeout: timeoutMs });
      let report: Partial<DeepHealthReport> = {};
      try { report = JSON.parse(r.data) as DeepHealthReport; } catch { /* not the contract: reported below */ }
      if (r.status === 200 && report.status === 'PASS') return { ok: true, detail: `deep health PASS in ${report.ms ?? '?'} ms` };
      const failed = (report.checks ?? []).filter((c) => !c.ok).map((c) => `${c.name}: ${c.error ?? 'failed'}`);
      if (report.draining) failed.unshift('shutting down');
      return { ok: false, error: `${r.status}${failed.length ? ` (${failed.join('; ')})` : ''}` };
    } catch (err) {
      return { ok: false, error: shortError(err) };
    }
  }

  async close(): Promise<void> {
    (this.client.defaults.httpAgent as HttpAgent).destroy();
  }
}

/** A real request through the DC's entry (HAProxy) to whichever commerce-api it picks. */
export class LbProbe implements Probe {
  readonly kind = 'lb';
  readonly name = 'lb';
  private readonly client = http();

  constructor(readonly target: string) {}

  async run(timeoutMs: number): Promise<ProbeResult> {
    try {
      const r = await this.client.get<string>(`${this.target}/health/ready`, { timeout: timeoutMs });
      return r.status === 200 ? { ok: true, detail: 'ready through the entry' } : { ok: false, error: `${r.status}` };
    } catch (err) {
      return { ok: false, error: shortError(err) };
    }
  }

  async close(): Promise<void> {
    (this.client.defaults.httpAgent as HttpAgent).destroy();
  }
}

/** The DC's Redis answers PING. */
export class RedisProbe implements Probe {
  readonly kind = 'redis';
  readonly name = 'redis';
  private readonly redis: Redis;

  constructor(readonly target: string) {
    // no offline queue: while Redis is gone a PING fails at once instead of waiting for a reconnect;
    // reconnects stay quick (no growing back-off) so that a Redis that is back is seen within a round or two
    this.redis = new Redis(target, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 200, lazyConnect: false });
    this.redis.on('error', () => undefined); // each failed PING reports it
  }

  async run(timeoutMs: number): Promise<ProbeResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      });
      // not connected yet (just started, or reconnecting): wait for it within the same deadline
      if (this.redis.status !== 'ready') await Promise.race([once(this.redis, 'ready'), deadline]);
      const answer = await Promise.race([this.redis.ping(), deadline]);
      return answer === 'PONG' ? { ok: true, detail: 'PONG' } : { ok: false, error: `answered ${answer}` };
    } catch (err) {
      return { ok: false, error: shortError(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

export interface ReplicationChannel {
  channel: string;
  io: string;
  sql: string;
  secondsBehind: number | null;
  error: string;
}

export interface Beacon {
  /** the aggregator that wrote it, `<dc>-<instance>` */
  source: string;
  dc: string;
  /** how long ago it was written, as this DC's database has it: the other DC's replication lag plus at most one round */
  ageMs: number;
}

/** What the DC's database shows of replication: shown on the status and the dashboard, never counted. */
export interface ReplicationView {
  channels: ReplicationChannel[];
  beacons: Beacon[];
  semiSync: 'ON' | 'OFF' | 'unknown';
}

/**
 * The DC's database accepts a write: this aggregator's beacon row (one per aggregator, updated each
 * round). It replicates, like any row: every other DC reads from it how far behind it is (its age).
 */
export class DbProbe implements Probe {
  readonly kind = 'db';
  readonly name = 'db';
  private readonly pool: Pool;

  constructor(readonly target: string, o: { host?: string; port?: number; socketPath?: string; user: string; password: string; database: string },
    private readonly source: string, private readonly dc: string) {
    this.pool = createPool({ ...o, connectionLimit: 2, connectTimeout: 2000, enableKeepAlive: true });
    this.pool.on('connection', (c) => c.on('error', () => undefined));
  }

  async run(timeoutMs: number): Promise<ProbeResult> {
    try {
      await this.pool.query({ sql: `INSERT INTO health_beacon (source, dc, beat_at) VALUES (?, ?, UTC_TIMESTAMP(3))
        ON DUPLICATE KEY UPDATE beat_at = VALUES(beat_at), beats = beats + 1`, timeout: timeoutMs }, [this.source, this.dc]);
      return { ok: true, detail: 'beacon written' };
    } catch (err) {
      return { ok: false, error: shortError(err) };
    }
  }

  /** Channels, beacons of the other DCs and semi-sync, as the database has them now. */
  async replication(timeoutMs: number): Promise<ReplicationView> {
    const q = async (sql: string, params: unknown[] = []) => (await this.pool.query<RowDataPacket[]>({ sql, timeout: timeoutMs }, params))[0];
    const [channels, beacons, semi] = await Promise.all([
      q('SHOW ALL SLAVES STATUS'),
      q('SELECT source, dc, TIMESTAMPDIFF(MICROSECOND, beat_at, UTC_TIMESTAMP(6)) DIV 1000 AS age_ms FROM health_beacon WHERE dc <> ? ORDER BY source', [this.dc]),
      q("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'"),
    ]);
    return {
      channels: channels.map((c) => ({
        channel: String(c.Connection_name), io: String(c.Slave_IO_Running), sql: String(c.Slave_SQL_Running),
        secondsBehind: c.Seconds_Behind_Master === null ? null : Number(c.Seconds_Behind_Master),
        error: String(c.Last_IO_Error || c.Last_SQL_Error || ''),
      })),
      beacons: beacons.map((b) => ({ source: String(b.source), dc: String(b.dc), ageMs: Number(b.age_ms) })),
      semiSync: semi[0] ? (String(semi[0].Value) === 'ON' ? 'ON' : 'OFF') : 'unknown',
    };
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

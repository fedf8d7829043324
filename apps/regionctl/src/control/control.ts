import { existsSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, request, Server } from 'node:http';
import { KILL_TARGETS, KillTarget } from '../runtime/region-runtime';
import { WAN_ACTIONS, WanAction } from '../wan/wan-link';
import type { FailoverOptions } from '../runtime/failover';

/** What the running `regionctl up` does for the other regionctl commands. */
export interface ControlHandlers {
  status(): Promise<unknown>;
  wan(action: WanAction, a: string, b: string, ms?: number): Promise<string>;
  scale(dc: string, count: number): Promise<string>;
  stock(command: StockCommand): Promise<string>;
  startChannels(dc: string): Promise<string>;
  drain(dc: string, reason: string): Promise<string>;
  undrain(dc: string): Promise<string>;
  restart(process: string): Promise<string>;
  kill(dc: string, what: KillTarget): Promise<string>;
  start(dc: string): Promise<string>;
  failover(dc: string, o: FailoverOptions): Promise<string>;
  failback(dc: string, o: { rehome?: boolean }): Promise<string>;
  down(): Promise<void>;
}

export type StockCommand =
  | { action: 'transfer'; sku: string; units: number; from: string; to: string; key?: string }
  | { action: 'show'; sku: string; dc?: string };

export class ControlError extends Error {}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 10000) throw new ControlError('request too large');
  }
  try {
    const v = text ? JSON.parse(text) : {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error();
    return v;
  } catch {
    throw new ControlError('the body must be a JSON object');
  }
}

const text = (v: unknown, what: string) => {
  if (typeof v !== 'string' || !v) throw new ControlError(`${what} is missing`);
  return v;
};

/**
 * The control channel of a running topology: HTTP with JSON over a Unix socket that only its owner
 * may open. `regionctl status | wan | scale | stock | replication | drain | undrain | restart | kill | start | failover | failback | down`
 * in another shell talk to it.
 */
export async function serveControl(socket: string, h: ControlHandlers): Promise<Server> {
  if (existsSync(socket)) {
    if (await callControl(socket, 'GET', '/status').then(() => true, () => false)) {
      throw new ControlError(`a topology is already up on this data folder (control socket ${socket}); use regionctl status or down`);
    }
    rmSync(socket, { force: true }); // left by a regionctl that was killed
  }
  const server = createServer((req, res) => {
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    (async () => {
      const route = `${req.method} ${req.url}`;
      if (route === 'GET /status') return send(200, await h.status());
      if (req.method !== 'POST') return send(404, { error: `no such command: ${route}` });
      const b = await body(req);
      if (req.url === '/wan') {
        if (!WAN_ACTIONS.includes(b.action as WanAction)) throw new ControlError('action must be "cut", "blackhole", "heal" or "slow"');
        const ms = b.ms === undefined || b.ms === null ? undefined : Number(b.ms);
        if (ms !== undefined && (b.action !== 'slow' || !Number.isInteger(ms) || ms < 0 || ms > 10000)) throw new ControlError('ms goes with slow: a whole number from 0 to 10000');
        return send(200, { message: await h.wan(b.action as WanAction, text(b.a, 'the first DC'), text(b.b, 'the second DC'), ms) });
      }
      if (req.url === '/scale') return send(200, { message: await h.scale(text(b.dc, 'the DC'), Number(b.count)) });
      if (req.url === '/drain') {
        if (b.reason !== undefined && typeof b.reason !== 'string') throw new ControlError('the reason is text');
        return send(200, { message: await h.drain(text(b.dc, 'the DC'), b.reason ?? '') });
      }
      if (req.url === '/undrain') return send(200, { message: await h.undrain(text(b.dc, 'the DC')) });
      if (req.url === '/restart') return send(200, { message: await h.restart(text(b.process, 'the process')) });
      if (req.url === '/kill') {
        const what = b.what ?? 'all';
        if (!KILL_TARGETS.includes(what as KillTarget)) throw new ControlError(`what is one of ${KILL_TARGETS.join(', ')}`);
        return send(200, { message: await h.kill(text(b.dc, 'the DC'), what as KillTarget) });
      }
      if (req.url === '/start') return send(200, { message: await h.start(text(b.dc, 'the DC')) });
      if (req.url === '/failback') return send(200, { message: await h.failback(text(b.dc, 'the DC'), { rehome: b.rehome === true }) });
      if (req.url === '/failover') {
        if (b.to !== undefined && typeof b.to !== 'string') throw new ControlError('to is a DC code');
        return send(200, { message: await h.failover(text(b.dc, 'the DC'), { to: b.to as string | undefined, confirmDown: b.confirmDown === true, force: b.force === true }) });
      }
      if (req.url === '/replication/start') return send(200, { message: await h.startChannels(text(b.dc, 'the DC')) });
      if (req.url === '/stock') {
        const sku = text(b.sku, 'the SKU');
        if (b.action === 'show') return send(200, { message: await h.stock({ action: 'show', sku, dc: b.dc === undefined ? undefined : text(b.dc, 'the DC') }) });
        if (b.action !== 'transfer') throw new ControlError('action must be "transfer" or "show"');
        const units = Number(b.units);
        if (!Number.isInteger(units) || units < 1 || units > 1_000_000_000) throw new ControlError('units must be a whole number from 1 to 1000000000');
        return send(200, { message: await h.stock({ action: 'transfer', sku, units, from: text(b.from, 'the DC to move from'), to: text(b.to, 'the DC to move to'),
          key: b.key === undefined ? undefined : text(b.key, 'the key') }) });
      }
      if (req.url === '/down') {
        send(202, { message: 'stopping' });
        return void h.down();
      }
      return send(404, { error: `no such command: ${route}` });
    })().catch((err: Error) => send(err instanceof ControlError ? 400 : 409, { error: err.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return server;
}

/** Calls the running topology; rejects with ControlError for an answered refusal, or a plain Error when none runs. */
export function callControl<T = Record<string, unknown>>(socket: string, method: 'GET' | 'POST', path: string, payload?: unknown, timeoutMs = 120000): Promise<T> {
  return new Promise((resolve, reject) => {
    // a connection per call (no keep-alive): a kept-alive one would hold the server's close open while `down` polls it
    const req = request({ socketPath: socket, method, path, agent: false, headers: { 'content-type': 'application/json' }, timeout: timeoutMs }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(data);
        } catch {
          return reject(new Error(`regionctl answered something that is not JSON: ${data.slice(0, 200)}`));
        }
        if ((res.statusCode ?? 500) >= 300) reject(new ControlError(String(parsed.error ?? `status ${res.statusCode}`)));
        else resolve(parsed as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error('regionctl did not answer in time')));
    req.on('error', reject);
    req.end(payload === undefined ? undefined : JSON.stringify(payload));
  });
}

import { createConnection, createServer, Server, Socket } from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export interface WanLinkOptions {
  /** where the link listens (an address in the client DC's block) */
  listen: Endpoint;
  /** the server on the far side (e.g. the other DC's database) */
  target: Endpoint;
  /** one-way latency added to every byte, each way */
  latencyMs: number;
}

/**
 * A simulated WAN link between two DCs: a TCP proxy that delivers every chunk `latencyMs` after it
 * arrived, in both directions and in order. `cut()` resets every connection and refuses new ones
 * (the far side becomes unreachable at once, as a failed link looks to TCP); `heal()` listens again.
 */
export class WanLink {
  private server?: Server;
  private readonly connections = new Set<Socket>();
  private cutState = false;
  private bytes = { forward: 0, backward: 0 };

  constructor(readonly options: WanLinkOptions) {}

  get isCut(): boolean {
    return this.cutState;
  }

  get stats() {
    return { connections: this.connections.size / 2, ...this.bytes, cut: this.cutState, latencyMs: this.options.latencyMs };
  }

  async start(): Promise<void> {
    this.cutState = false;
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listen.port, this.options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** Resets every open connection and stops listening until `heal()`. */
  async cut(): Promise<void> {
    this.cutState = true;
    for (const s of this.connections) s.resetAndDestroy();
    this.connections.clear();
    await this.stopListening();
  }

  async heal(): Promise<void> {
    if (this.server) return;
    await this.start();
  }

  async close(): Promise<void> {
    for (const s of this.connections) s.destroy();
    this.connections.clear();
    await this.stopListening();
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = createConnection(this.options.target);
    this.track(client);
    this.track(upstream);
    this.pipe(client, upstream, 'forward');
    this.pipe(upstream, client, 'backward');
    const end = (other: Socket) => () => other.destroy();
    client.once('close', end(upstream));
    upstream.once('close', end(client));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }

  private track(s: Socket): void {
    s.setNoDelay(true);
    this.connections.add(s);
    s.once('close', () => this.connections.delete(s));
  }

  /** Delivers each chunk `latencyMs` after it arrived; equal delays keep the order. */
  private pipe(from: Socket, to: Socket, direction: 'forward' | 'backward'): void {
    const delay = this.options.latencyMs;
    let inFlight = 0;
    from.on('data', (chunk: Buffer) => {
      this.bytes[direction] += chunk.length;
      inFlight += chunk.length;
      // back-pressure: stop reading while a lot is on its way or the far side is slow
      if (inFlight > 4 * 1024 * 1024) from.pause();
      const deliver = () => {
        inFlight -= chunk.length;
        if (to.destroyed) return;
        const ok = to.write(chunk);
        if (!ok) { from.pause(); to.once('drain', () => from.resume()); } else if (inFlight <= 4 * 1024 * 1024) from.resume();
      };
      if (delay > 0) setTimeout(deliver, delay); else deliver();
    });
    from.on('end', () => {
      const finish = () => { if (!to.destroyed) to.end(); };
      if (delay > 0) setTimeout(finish, delay); else finish();
    });
  }
}

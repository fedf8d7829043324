import { createConnection, createServer, Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** bytes a direction holds on their way before it stops reading from the sender */
const MAX_IN_FLIGHT = 4 * 1024 * 1024;

export const WAN_ACTIONS = ['cut', 'blackhole', 'heal', 'slow'] as const;
export type WanAction = typeof WAN_ACTIONS[number];

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
 * (the far side becomes unreachable at once, as a failed link looks to TCP); `blackhole()` is a
 * partition that loses packets instead: connections stay open and new ones are accepted, nothing
 * arrives either way and nobody is told (only timeouts reveal it), and what was sent meanwhile is
 * delivered when it heals, as TCP's retransmissions would (also what a sender closed its
 * connection after: its kernel still sends it). `heal()` ends both.
 */
export class WanLink {
  private server?: Server;
  private readonly connections = new Set<Socket>();
  private cutState = false;
  private blackholed = false;
  /** what a blackhole holds back, in order: deliveries and closes, run when it heals */
  private held: (() => void)[] = [];
  private trigger?: { match: (chunk: Buffer) => boolean; fired: () => void };
  private bytes = { forward: 0, backward: 0 };
  private readonly late = new LateHistogram();
  /** one-way latency now: the configured one, unless slow() changed it */
  private latency: number;

  constructor(readonly options: WanLinkOptions) {
    this.latency = options.latencyMs;
  }

  get latencyMs(): number {
    return this.latency;
  }

  /** The one-way latency from now on, for new and open connections alike (what is on its way keeps its order); undefined: the configured one. */
  slow(ms?: number): void {
    this.latency = ms ?? this.options.latencyMs;
  }

  get isCut(): boolean {
    return this.cutState;
  }

  get isBlackholed(): boolean {
    return this.blackholed;
  }

  get stats() {
    return { connections: this.connections.size / 2, ...this.bytes, cut: this.cutState, blackhole: this.blackholed,
      latencyMs: this.latency, late: this.late.summary() };
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
    this.blackholed = false;
    this.held = [];
    for (const s of this.connections) s.resetAndDestroy();
    this.connections.clear();
    await this.stopListening();
  }

  /** From now on every byte is held back, each way, without a word to either side, until `heal()`. */
  blackhole(): void {
    this.blackholed = true;
    this.trigger = undefined;
  }

  /**
   * Blackholes the link right after delivering the first chunk towards the target that `match`
   * accepts: the far side gets that request and runs it, its answer does not come back (fault
   * injection for an unknown outcome; a `cut()` then loses it for good). Resolves once it has happened.
   */
  blackholeAfter(match: (chunk: Buffer) => boolean): Promise<void> {
    return new Promise((fired) => { this.trigger = { match, fired }; });
  }

  async heal(): Promise<void> {
    this.trigger = undefined;
    this.blackholed = false;
    const held = this.held;
    this.held = [];
    for (const release of held) release();
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
    this.track(client);
    client.on('error', () => undefined);
    // while blackholed the connection attempt reaches the far side only when the link heals
    if (this.blackholed) {
      client.pause();
      this.held.push(() => { if (!client.destroyed) this.connect(client); });
      return;
    }
    this.connect(client);
  }

  private connect(client: Socket): void {
    const upstream = createConnection(this.options.target);
    this.track(upstream);
    this.pipe(client, upstream, 'forward');
    this.pipe(upstream, client, 'backward');
    client.resume();
    // one side gone: the other goes too, after what a blackhole still holds for it
    const end = (other: Socket) => () => (this.blackholed ? this.held.push(() => other.end()) : other.destroy());
    client.once('close', end(upstream));
    upstream.once('close', end(client));
    upstream.on('error', () => undefined);
  }

  private track(s: Socket): void {
    s.setNoDelay(true);
    this.connections.add(s);
    s.once('close', () => this.connections.delete(s));
  }

  /**
   * Delivers each chunk the link's latency after it arrived, never before the chunk before it: when the
   * latency drops, what was sent earlier still arrives first. One queue per direction with one timer for
   * its head: timers of different durations that come due together fire in no promised order (a first
   * version with a timer per chunk reordered a replication stream when `slow` lowered the latency).
   */
  private pipe(from: Socket, to: Socket, direction: 'forward' | 'backward'): void {
    let lastDue = 0;
    const dueFromNow = () => {
      const due = Math.max(performance.now() + this.latency, lastDue);
      lastDue = due;
      return due;
    };
    const queue: { due: number; run: () => void }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      while (queue.length && queue[0]!.due <= performance.now() + 0.5) queue.shift()!.run();
      if (queue.length) timer = setTimeout(flush, Math.max(1, queue[0]!.due - performance.now()));
    };
    const later = (due: number, run: () => void) => {
      if (!queue.length && due <= performance.now()) return run();
      queue.push({ due, run });
      if (!timer) timer = setTimeout(flush, Math.max(1, queue[0]!.due - performance.now()));
    };
    let inFlight = 0;
    let draining = false;
    from.on('data', (chunk: Buffer) => {
      this.bytes[direction] += chunk.length;
      inFlight += chunk.length;
      const due = dueFromNow();
      const wait = due - performance.now();
      // back-pressure: stop reading while a lot is on its way or the far side is slow
      if (inFlight > MAX_IN_FLIGHT) from.pause();
      const deliver = (wasHeld = false) => {
        if (this.blackholed) {
          this.held.push(() => deliver(true)); // still in flight: a long hold fills the window and stops the sender
          return;
        }
        inFlight -= chunk.length;
        if (wait > 0 && !wasHeld) this.late.add(performance.now() - due);
        if (to.destroyed) return;
        const trigger = direction === 'forward' ? this.trigger : undefined;
        if (trigger?.match(chunk)) {
          this.blackhole();
          to.write(chunk);
          trigger.fired();
          return;
        }
        if (to.write(chunk)) {
          if (!draining && inFlight <= MAX_IN_FLIGHT) from.resume();
        } else if (!draining) {
          // one listener per episode of back-pressure, however many chunks come due meanwhile
          draining = true;
          from.pause();
          to.once('drain', () => { draining = false; if (inFlight <= MAX_IN_FLIGHT) from.resume(); });
        }
      };
      later(due, deliver);
    });
    from.on('end', () => {
      const finish = () => {
        if (this.blackholed) this.held.push(finish);
        else if (!to.destroyed) to.end();
      };
      later(dueFromNow(), finish);
    });
  }
}

export interface LinkLateness {
  chunks: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * How much later than due the link delivered its chunks, since it started: a link whose timers fire
 * late (a machine short of CPU) adds more than its configured latency, and every figure measured
 * across it includes that. Buckets of 0.1 ms up to 100 ms, then one bucket for anything later.
 */
export class LateHistogram {
  private static readonly BUCKETS = 1000;
  private readonly counts = new Uint32Array(LateHistogram.BUCKETS + 1);
  private n = 0;
  private maxMs = 0;

  add(ms: number): void {
    const late = Math.max(0, ms);
    const bucket = Math.min(LateHistogram.BUCKETS, Math.floor(late * 10));
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.n++;
    if (late > this.maxMs) this.maxMs = late;
  }

  /** chunks delivered and their lateness in ms (upper bucket edges; max exact) */
  summary(): LinkLateness {
    return { chunks: this.n, p50: this.quantile(0.5), p99: this.quantile(0.99), max: Math.round(this.maxMs * 10) / 10 };
  }

  private quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.ceil(q * this.n);
    let seen = 0;
    for (let i = 0; i <= LateHistogram.BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return i === LateHistogram.BUCKETS ? Math.round(this.maxMs * 10) / 10 : (i + 1) / 10;
    }
    return Math.round(this.maxMs * 10) / 10;
  }
}

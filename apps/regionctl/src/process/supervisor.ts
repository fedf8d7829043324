import type { ProcessInfo, Role } from './process-table';

/** What `regionctl up --supervise` restarts when it dies: commerce-api (the default), all our apps (the aggregators and geo-DNS servers too), or nothing. */
export const SUPERVISE_MODES = ['api', 'apps', 'none'] as const;
export type SuperviseMode = typeof SUPERVISE_MODES[number];
const SUPERVISED: Record<SuperviseMode, readonly Role[]> = { api: ['api'], apps: ['api', 'healthcheck', 'dns'], none: [] };

/** the first restart waits 1 s, each next one twice as long, up to this */
const MAX_DELAY_SECONDS = 30;
/** a process that ran this long before it died starts over at 1 s */
const STABLE_MS = 60000;

/**
 * Decides whether a process that died is started again, and when: with exponential back-off (1, 2,
 * 4 … 30 s) while it keeps dying soon after its start, from 1 s again once it had run a minute. A
 * process the operator killed (`regionctl kill`: a drill) stays down until `start` or `restart`.
 */
export class Supervisor {
  private readonly attempts = new Map<string, { n: number; startedAt: number }>();
  private readonly held = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly mode: SuperviseMode, private readonly now: () => number = Date.now) {}

  supervises(role: Role): boolean {
    return SUPERVISED[this.mode].includes(role);
  }

  /** Killed by the operator: not restarted until released. */
  hold(name: string): void {
    this.held.add(name);
  }

  release(name: string): void {
    this.held.delete(name);
  }

  isHeld(name: string): boolean {
    return this.held.has(name);
  }

  /** The supervisor starts it again now. */
  restarting(name: string): void {
    const a = this.attempts.get(name);
    this.attempts.set(name, { n: a?.n ?? 1, startedAt: this.now() });
  }

  /** Seconds to wait before starting `p` again; undefined when it stays down. */
  onDeath(p: Pick<ProcessInfo, 'name' | 'role'>): number | undefined {
    if (!this.supervises(p.role) || this.held.has(p.name)) return undefined;
    const a = this.attempts.get(p.name);
    const n = a && this.now() - a.startedAt < STABLE_MS ? a.n + 1 : 1;
    this.attempts.set(p.name, { n, startedAt: a?.startedAt ?? 0 });
    return Math.min(MAX_DELAY_SECONDS, 2 ** (n - 1));
  }

  /** Runs `restart` in `seconds` unless stopped first; the timer keeps nothing alive. */
  schedule(seconds: number, restart: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void restart();
    }, seconds * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

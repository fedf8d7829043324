import { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { spawnTied } from './tied';

export type Role = 'mariadb' | 'redis' | 'api' | 'haproxy' | 'healthcheck' | 'dns' | 'edge';
const ROLE_ORDER: Role[] = ['mariadb', 'redis', 'api', 'haproxy', 'healthcheck', 'dns', 'edge'];

/** The watchdog exits with 128 + n when the server was killed by signal n, as a shell reports it. */
function howItEnded(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal ${signal}`;
  const killedBy = code !== null && code > 128 ? Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] : undefined;
  return killedBy ? `signal ${killedBy}` : `code ${code}`;
}

export interface ProcessInfo {
  name: string;
  dc: string;
  role: Role;
  /** what it listens on */
  address: string;
  pid?: number;
  state: 'running' | 'exited' | 'stopped';
  /** how it ended, when it did */
  exit?: string;
  logFile: string;
  /** how many times the supervisor started it again after it died */
  restarts: number;
}

interface Entry {
  info: ProcessInfo;
  child: ChildProcess;
  expected: boolean;
  exited: Promise<void>;
}

/**
 * Every server process of the topology. Each runs under a watchdog that kills it when regionctl
 * itself dies, writes its output to its own log file, and is reported when it exits on its own
 * (`onDeath`: RegionRuntime's supervisor decides whether it is started again).
 */
export class ProcessTable {
  private readonly entries = new Map<string, Entry>();
  private readonly restarts = new Map<string, number>();

  constructor(private readonly runDir: string, private readonly onDeath: (p: ProcessInfo) => void) {}

  spawn(meta: Omit<ProcessInfo, 'state' | 'pid' | 'exit' | 'restarts'>, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const old = this.entries.get(meta.name);
    if (old && old.info.state === 'running') throw new Error(`${meta.name} is already running`);
    const pidFile = join(this.runDir, `${meta.name}.pid`);
    rmSync(pidFile, { force: true });
    const log = openSync(meta.logFile, 'a');
    const child = spawnTied(command, args, { ...options, stdio: ['ignore', log, log] }, pidFile);
    closeSync(log);
    const info: ProcessInfo = { ...meta, state: 'running', restarts: this.restarts.get(meta.name) ?? 0 };
    const entry: Entry = {
      info, child, expected: false,
      exited: new Promise((resolve) => child.once('exit', (code, signal) => {
        info.state = entry.expected ? 'stopped' : 'exited';
        info.exit = howItEnded(code, signal);
        if (!entry.expected) this.onDeath(info);
        resolve();
      })),
    };
    this.entries.set(meta.name, entry);
    return child;
  }

  list(): ProcessInfo[] {
    for (const e of this.entries.values()) {
      if (e.info.pid === undefined) e.info.pid = this.serverPid(e.info.name);
    }
    return [...this.entries.values()].map((e) => ({ ...e.info })).sort((x, y) => x.dc.localeCompare(y.dc)
      || ROLE_ORDER.indexOf(x.role) - ROLE_ORDER.indexOf(y.role) || x.name.localeCompare(y.name, 'en', { numeric: true }));
  }

  /** The supervisor is starting it again: counted in its `restarts` from now on. */
  countRestart(name: string): void {
    this.restarts.set(name, (this.restarts.get(name) ?? 0) + 1);
  }

  get(name: string): ProcessInfo | undefined {
    return this.entries.get(name)?.info;
  }

  /** Ends one process (TERM, then KILL after `graceMs`); it is reported as stopped, not as dead. */
  async stop(name: string, graceMs = 30000): Promise<void> {
    const e = this.entries.get(name);
    if (!e) return;
    e.expected = true;
    if (e.child.exitCode === null && e.child.signalCode === null) {
      e.child.kill('SIGTERM');
      const timer = setTimeout(() => e.child.kill('SIGKILL'), graceMs);
      await e.exited;
      clearTimeout(timer);
    }
  }

  /** Resolves once the process has ended (at once if it has, or was never started). */
  ended(name: string): Promise<void> {
    return this.entries.get(name)?.exited ?? Promise.resolve();
  }

  /** Forgets a process that has ended (scaled away). */
  remove(name: string): void {
    if (this.entries.get(name)?.info.state !== 'running') this.entries.delete(name);
  }

  private serverPid(name: string): number | undefined {
    const file = join(this.runDir, `${name}.pid`);
    return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) || undefined : undefined;
  }
}

import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusReport } from '../../apps/regionctl/src/runtime/status-report';
import { spawnTied, waitFor } from './processes';

export const REGIONCTL = join(__dirname, '../../dist/apps/regionctl/src/main.js');
/** the admin `regionctl up` makes in the first DC (what it prints) */
export const REGIONCTL_ADMIN = { email: 'admin@meridian.local', password: 'meridian-admin-password' };

/** Region files for a test topology: DC i gets the loopback block 127.0.(block+i).0/24. */
export function writeRegions(dir: string, dcs: { code: string; apiProcesses?: number; durability?: string; env?: Record<string, string | number> }[],
  block: number, latencyMs = 10): void {
  mkdirSync(dir, { recursive: true });
  dcs.forEach((d, i) => {
    const others = dcs.filter((o) => o.code !== d.code).map((o) => `  ${o.code}: ${latencyMs}`).join('\n');
    writeFileSync(join(dir, `${d.code}.yaml`), `code: ${d.code}\nname: Test DC ${d.code}\nserverId: ${i + 1}\ngtidDomainId: ${i + 1}\n`
      + `addressBlock: 127.0.${block + i}.0/24\napiProcesses: ${d.apiProcesses ?? 1}\ndurability: ${d.durability ?? 'async'}\n`
      + `wanLatencyMs:\n${others}\ngeography:\n  countries: []\n  subnets: [10.${block + i}.0.0/16]\n`
      + (d.env ? `env:\n${Object.entries(d.env).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n` : ''));
  });
}

/** A running `regionctl up` (the built CLI), tied to the test process. */
export interface Topology {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** another regionctl command on the same data folder; resolves with its exit status and output */
  run(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }>;
}

export function regionctl(common: string[], ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [REGIONCTL, ...args, ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => { stderr += d; });
    c.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Starts `regionctl up` and waits until it says the topology is up (or fails with its output). */
export function regionctlUp(regionsDir: string, dataDir: string, portBase: number, ...extra: string[]): Promise<Topology> {
  return regionctlUpUntil(/^topology is up/, regionsDir, dataDir, portBase, ...extra);
}

/** Starts `regionctl up` and waits until a line of its output matches `until` (or it exits, which fails with its output). */
export async function regionctlUpUntil(until: RegExp, regionsDir: string, dataDir: string, portBase: number, ...extra: string[]): Promise<Topology> {
  if (!existsSync(REGIONCTL)) throw new Error(`${REGIONCTL} is missing: run \`make build\` first (make test does)`);
  const common = ['--regions', regionsDir, '--data', dataDir, '--port-base', String(portBase)];
  const child = spawnTied(process.execPath, [REGIONCTL, 'up', ...common, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  const take = (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const up = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      const t = setInterval(() => {
        if (lines.some((l) => until.test(l))) { clearInterval(t); resolve(true); }
      }, 100);
      void exited.then(() => clearInterval(t));
    }),
  ]);
  if (!up) throw new Error(`regionctl up exited before printing ${until}:\n${lines.slice(-20).join('\n')}`);
  return { child, lines, exited, run: (...args: string[]) => regionctl(common, ...args) };
}

/** `regionctl status --json` of a running topology. */
export async function statusOf(t: Topology): Promise<StatusReport> {
  const r = await t.run('status', '--json');
  if (r.status !== 0) throw new Error(`regionctl status exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusReport;
}

/**
 * Until every channel of every DC runs and has applied everything its source DC has committed; a
 * timeout says what each channel looked like last (a stopped applier names its error).
 */
export async function caughtUpEverywhere(t: Topology): Promise<void> {
  let last = '';
  try {
    await waitFor('replication to catch up everywhere', async () => {
      const { dcs } = await statusOf(t);
      last = JSON.stringify(dcs.map((d) => ({ dc: d.dc, channels: d.channels })));
      return dcs.every((d) => Array.isArray(d.channels) && d.channels.every((c) => c.io === 'Yes' && c.sql && c.transactionsBehind === 0));
    }, 60000, 250);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the channels last: ${last}`, { cause: err });
  }
}

/** For afterAll: `regionctl down` if the topology is still up, then the test's folder. */
export async function tearDown(t: Topology | undefined, dir: string): Promise<void> {
  if (t && t.child.exitCode === null) {
    await t.run('down');
    await t.exited;
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Every table's rows compared between DCs: the drill's checker and these tests use the same comparison. */
export { differingTables } from '../../apps/regionctl/src/db/table-digest';

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { differingTables } from '../db/table-digest';
import type { StatusReport } from '../runtime/status-report';
import { check, stockCensus } from './checker';
import { Crowd } from './crowd';
import { DrillEvent, figures, Sample } from './figures';
import { HistoryWriter, readHistory } from './history';
import { headline, writeReport } from './report';
import { describeStep, FaultStep, ScenarioName, timeline, TimedStep, TimelineOptions } from './scenario';
import { ShopperMix } from './shopper';
import { DrillTarget } from './target';
import { DrillError } from './drill-error';

export interface DrillOptions {
  scenario: ScenarioName;
  args: string[];
  timing: Omit<TimelineOptions, 'dcs'>;
  /** seconds of shopping after the last step */
  settle: number;
  perRegion: number;
  mix: ShopperMix;
  seed: number;
  /** the drill's folder is made in it */
  outDir: string;
  /** how to run it again (the report prints it) */
  command: string;
  say: (line: string) => void;
}

export interface DrillResult {
  dir: string;
  violations: number;
  /** steps regionctl refused: the drill did not run as planned */
  refused: number;
  summary: string;
}

/** The drill folder's census of the stock before the shoppers began (check-drill reads it). */
const STOCK_FILE = 'stock-at-start.json';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The sample of one status report: each DC's verdict and channels, each client region's DNS answer. */
export function sampleOf(status: StatusReport, t: number): Sample {
  const dns = status.dns.find((d) => d.answers)?.answers ?? [];
  return {
    t,
    dcs: status.dcs.map((d) => ({
      dc: d.dc, state: d.gslb.some((g) => g.state === 'PASS') ? 'PASS' as const : 'FAIL' as const, ...(d.failedOver ? { failedOver: true } : {}),
      channels: Array.isArray(d.channels) ? d.channels.map((c) => ({ from: c.from, behind: c.transactionsBehind, seconds: c.secondsBehind,
        ok: c.io === 'Yes' && c.sql && !c.error })) : [],
    })),
    dns: dns.map((a) => ({ region: a.region, dcs: a.dcs })),
  };
}

/** Every channel runs without error and has applied everything its source has. */
const caughtUp = (s: StatusReport) => s.dcs.every((d) => Array.isArray(d.channels) && d.channels.every((c) => c.io === 'Yes' && c.sql && !c.error && c.transactionsBehind === 0));

/**
 * A DC-outage drill against the running topology: shoppers from every client region shop through the
 * geo-DNS while the scenario's steps run through the running regionctl (kill, failover, start, failback,
 * WAN faults, drains) on their schedule; status is sampled all along. Then the shoppers stop, the
 * topology is let settle, and the checker judges the history against every DC's database; the
 * report, its charts and the history go into a folder of their own.
 */
export async function runDrill(target: DrillTarget, o: DrillOptions): Promise<DrillResult> {
  const steps = timeline(o.scenario, o.args, { ...o.timing, dcs: target.dcs });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(o.outDir, `${stamp}-${[o.scenario, ...o.args].join('-')}`);
  mkdirSync(dir, { recursive: true });
  o.say(`drill ${[o.scenario, ...o.args].join(' ')}: ${steps.length} steps, ${o.perRegion} shoppers per client region; writing to ${dir}`);
  for (const s of steps) o.say(`  at ${s.at} s: ${s.mark}: ${describeStep(s.step)}`);

  await waitUntil('replication to catch up before the drill', 120000, async () => caughtUp(await target.status()));
  const stockAtStart = await stockCensus(target, target.dcs[0]!);
  writeFileSync(join(dir, STOCK_FILE), JSON.stringify([...stockAtStart]));

  const history = new HistoryWriter(join(dir, 'history.jsonl'));
  const crowd = new Crowd({ plan: target.plan, perRegion: o.perRegion, mix: o.mix, seed: o.seed, history });
  const startedAt = Date.now();
  const samples: Sample[] = [];
  const events: DrillEvent[] = [];
  let phase = 'warm-up';
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const t = Date.now();
      try {
        samples.push(sampleOf(await target.status(), t));
      } catch {
        // a status that times out leaves a gap in the charts, nothing else
      }
      await sleep(Math.max(0, 500 - (Date.now() - t)));
    }
  })();
  const planned = (steps[steps.length - 1]?.at ?? 0) + o.settle;
  const bar = new SingleBar({
    format: 'drill {bar} {percentage}% | {phase} | {elapsed} s | {rate} ops/s | errors {errors} %', noTTYOutput: true, notTTYSchedule: 5000,
    hideCursor: true, clearOnComplete: false, stream: process.stdout,
  });
  bar.start(100, 0, { phase, elapsed: 0, rate: 0, errors: 0 });
  const ticker = setInterval(() => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const recent = crowd.recent(5);
    bar.update(Math.min(100, Math.round((100 * elapsed) / Math.max(planned, 1))), {
      phase, elapsed: Math.round(elapsed), rate: Math.round(recent.ops / 5), errors: recent.ops ? Math.round((100 * recent.errors) / recent.ops) : 0,
    });
  }, 1000);

  crowd.start();
  let recovered = 0;
  try {
    const run = async (s: TimedStep) => {
      phase = `${s.mark}: ${describeStep(s.step)}`;
      const e = await runStep(target, s);
      events.push(e);
      recovered += Number(/orders recovered[^:]*: (\d+)/.exec(e.message)?.[1] ?? 0);
      o.say(`${((e.begun - startedAt) / 1000).toFixed(1)} s ${e.mark}: ${e.description}: ${e.ok ? 'done' : 'REFUSED'} in ${((e.ended - e.begun) / 1000).toFixed(1)} s`
        + (e.ok ? '' : `: ${e.message}`));
    };
    for (const [i, s] of steps.entries()) {
      await sleep(startedAt + s.at * 1000 - Date.now());
      await run(s);
      // a DC the automatic policy failed over meanwhile comes back fenced: the drill fails it back, as an operator would
      const dc = s.step.kind === 'start' ? s.step.dc : undefined;
      if (dc && steps[i + 1]?.step.kind !== 'failback' && (await target.status()).dcs.find((d) => d.dc === dc)?.failedOver) {
        await run({ at: s.at, step: { kind: 'failback', dc }, mark: 'failback' });
      }
    }
    phase = 'settling';
    await sleep(o.settle * 1000);
    phase = 'shoppers finishing';
    await crowd.stop();
  } finally {
    clearInterval(ticker);
    bar.update(100, { phase: 'shoppers stopped' });
    bar.stop();
    await history.close();
  }
  const endedAt = Date.now();
  o.say('waiting for replication to catch up and every DC to hold the same rows');
  const quiet = await waitUntil('the topology to settle', 120000, async () => caughtUp(await target.status())
    && (await differingTables(target.dcs, (dc, sql) => target.query(dc, sql))).length === 0).then(() => true, () => false);
  sampling = false;
  await sampler;
  if (!quiet) o.say('!! the topology did not settle in 120 s: the checker runs on what is there');
  const all = readHistory(history.file);
  const verdict = await check(all, target, stockAtStart, await target.status());
  const f = figures(all, samples.filter((s) => s.t <= endedAt), events);
  const regions = target.plan.dcs.filter((d) => d.region.geography.subnets[0]).map((d) => d.region.code);
  writeReport(dir, { title: `${o.scenario} ${o.args.join(' ')}`.trim(), command: o.command, startedAt, endedAt, dcs: target.dcs, regions,
    history: all, samples: samples.filter((s) => s.t <= endedAt), events, figures: f, verdict, recovered });
  const h = headline(f);
  const s1 = (n: number | undefined) => (n === undefined ? 'n/a' : `${n} s`);
  const summary = [
    `drill ${[o.scenario, ...o.args].join(' ')}: ${verdict.violations.length ? `${verdict.violations.length} VIOLATIONS` : 'no violations'}`
      + ` (${verdict.ordersConfirmed} orders confirmed, ${verdict.ordersPresent} present on every DC as confirmed)`,
    ...(h ? [`  ${h.description}: detection ${s1(h.detectSeconds)}, DNS reroute ${s1(h.rerouteSeconds)}; shopping again (max): guests ${s1(h.rto.guests.max)},`
      + ` accounts homed elsewhere ${s1(h.rto.homedElsewhere.max)}, homed in the lost DC ${s1(h.rto.homedInLost.max)}`
      + (h.rto.homedInLost.sinceFailover ? ` (${h.rto.homedInLost.sinceFailover.max} s after the failover)` : '')] : []),
    `  sessions kept ${f.sessionsKeptPercent} %, carts kept ${f.cartsKeptPercent} % (${f.cartViewsMissingLines} stale looks at a cart), ${f.operations} operations, errors: `
      + (Object.entries(f.errorsByKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'),
    ...verdict.violations.slice(0, 20).map((v) => `  !! ${v.check}: ${v.message}`),
    ...events.filter((e) => !e.ok).map((e) => `  !! refused: ${e.description}: ${e.message}`),
    `  report: ${join(dir, 'report.md')}`,
  ].join('\n');
  return { dir, violations: verdict.violations.length, refused: events.filter((e) => !e.ok).length, summary };
}

/**
 * The checker again, over an earlier drill's folder and the databases as they are now (after a repair,
 * or to see what a change since did): its violations, one line each.
 */
export async function checkDrill(target: DrillTarget, dir: string): Promise<{ violations: number; summary: string }> {
  const historyFile = join(dir, 'history.jsonl');
  if (!existsSync(historyFile) || !existsSync(join(dir, STOCK_FILE))) throw new DrillError(`${dir} is not a drill's folder (no history.jsonl and ${STOCK_FILE})`);
  const stock = new Map(JSON.parse(readFileSync(join(dir, STOCK_FILE), 'utf8')) as [string, number][]);
  const v = await check(readHistory(historyFile), target, stock, await target.status());
  return { violations: v.violations.length, summary: [
    `check-drill ${dir}: ${v.violations.length ? `${v.violations.length} VIOLATIONS` : 'no violations'}`
      + ` (${v.ordersConfirmed} orders confirmed, ${v.ordersPresent} present on every DC as confirmed)`,
    ...v.violations.map((x) => `  !! ${x.check}: ${x.message}`),
  ].join('\n') };
}

async function waitUntil(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** The running regionctl's command for a step. */
function commandOf(s: FaultStep): [string, Record<string, unknown>] {
  switch (s.kind) {
    case 'kill': return ['/kill', { dc: s.dc, what: s.what }];
    case 'start': return ['/start', { dc: s.dc }];
    // the drill killed it: it knows the DC is down, as the operator's --confirm-down says
    case 'failover': return ['/failover', { dc: s.dc, confirmDown: true }];
    case 'failback': return ['/failback', { dc: s.dc }];
    case 'wan': return ['/wan', { action: s.action, a: s.a, b: s.b }];
    case 'slow': return ['/wan', { action: 'slow', a: s.a, b: s.b, ...(s.ms === undefined ? {} : { ms: s.ms }) }];
    case 'drain': return ['/drain', { dc: s.dc, reason: 'a drill' }];
    case 'undrain': return ['/undrain', { dc: s.dc }];
  }
}

/** One step; a failback refused while replication catches up after the start is asked again, for up to a minute. */
async function runStep(target: DrillTarget, s: TimedStep): Promise<DrillEvent> {
  const begun = Date.now();
  const [path, payload] = commandOf(s.step);
  let message: string;
  let ok = false;
  for (;;) {
    try {
      message = await target.command(path, payload);
      ok = true;
    } catch (err) {
      message = (err as Error).message;
    }
    if (ok || s.step.kind !== 'failback' || Date.now() - begun > 60000) break;
    await sleep(2000);
  }
  return { mark: s.mark, step: s.step, description: describeStep(s.step), begun, ended: Date.now(), ok, message };
}

import { OperationRecord } from './history';
import { FaultStep, Mark } from './scenario';

/** What the drill saw of the topology at one moment (regionctl status, sampled twice a second or so). */
export interface Sample {
  t: number;
  /** per DC: PASS when any of its aggregators says PASS (what the geo-DNS goes by), FAIL when they all fail or cannot be asked */
  dcs: { dc: string; state: 'PASS' | 'FAIL'; failedOver?: boolean; channels: { from: string; behind: number | null; seconds: number | null; ok: boolean }[] }[];
  /** per client region: the DCs the first geo-DNS server that answered names */
  dns: { region: string; dcs: string[] }[];
}

/** A step of the timeline as it went: when it began and ended, and what regionctl answered. */
export interface DrillEvent {
  mark: Mark;
  step: FaultStep;
  description: string;
  begun: number;
  ended: number;
  ok: boolean;
  message: string;
}

export interface ClassRto {
  shoppers: number;
  /** shoppers who saw an error after the fault */
  affected: number;
  /** s from the fault until an affected shopper's first successful add or checkout after its first error: median and worst */
  p50?: number;
  max?: number;
  /** affected shoppers who never shopped again before the drill ended */
  never: number;
  /** the same, from the end of the failover (accounts homed in the lost DC wait for it) */
  sinceFailover?: { p50: number; max: number };
}

/** One fault's figures, over the time from it to the next fault (or the end). */
export interface FaultFigures {
  description: string;
  /** ms since the epoch */
  at: number;
  /** the DC it took away from shoppers (a kill of its servers, a drain), if it did */
  lostDc?: string;
  detectSeconds?: number;
  rerouteSeconds?: number;
  /** s from the fault until the DC was failed over (by the drill's step, or by the automatic policy as status showed it) */
  failoverSeconds?: number;
  automaticFailover?: boolean;
  rto: { guests: ClassRto; homedElsewhere: ClassRto; homedInLost: ClassRto };
  errors: number;
}

export interface Figures {
  /** every fault, in order; the first is the headline of a named scenario */
  faults: FaultFigures[];
  operations: number;
  errorsByKind: Record<string, number>;
  sessionsKeptPercent: number;
  cartsKeptPercent: number;
  /** looks at a cart that lacked a line the shopper was told was added (a stale replica, an owner out of reach), and by how many shoppers */
  cartViewsMissingLines: number;
  shoppersMissingLines: number;
  ordersConfirmed: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The DC a step takes away from shoppers (a kill of any of its servers fails its checks; a drain), if it is one that does. */
export function downedDc(s: FaultStep): string | undefined {
  return s.kind === 'kill' || s.kind === 'drain' ? s.dc : undefined;
}

/** Each fault's detection, DNS reroute and RTO per class of shopper; and for the whole drill errors by kind and what was kept. */
export function figures(history: OperationRecord[], samples: Sample[], events: DrillEvent[]): Figures {
  const byShopper = new Map<string, OperationRecord[]>();
  for (const r of history) {
    const ops = byShopper.get(r.shopper);
    if (ops) ops.push(r);
    else byShopper.set(r.shopper, [r]);
  }
  const faults = events.filter((e) => e.mark === 'fault');
  const errorsByKind: Record<string, number> = {};
  for (const r of history.filter((h) => h.outcome !== 'ok')) errorsByKind[r.outcome] = (errorsByKind[r.outcome] ?? 0) + 1;
  const accounts = [...byShopper.values()].filter((ops) => ops[0]!.kind === 'account');
  const withCart = [...byShopper.values()].filter((ops) => ops.some((r) => r.op === 'add' && r.outcome === 'ok'));
  const percent = (kept: number, of: number) => (of ? round1((100 * kept) / of) : 100);
  return {
    faults: faults.map((f, i) => faultFigures([...byShopper.values()], samples, events, f, faults[i + 1]?.begun ?? Infinity)),
    operations: history.length, errorsByKind,
    sessionsKeptPercent: percent(accounts.filter((ops) => !ops.some((r) => r.outcome === 'logged-out')).length, accounts.length),
    cartsKeptPercent: percent(withCart.filter((ops) => !ops.some((r) => r.outcome === 'line-lost')).length, withCart.length),
    cartViewsMissingLines: history.filter((r) => r.outcome === 'line-missing').length,
    shoppersMissingLines: new Set(history.filter((r) => r.outcome === 'line-missing').map((r) => r.shopper)).size,
    ordersConfirmed: history.filter((r) => r.op === 'checkout' && r.order).length,
  };
}

/**
 * One fault, over [its start, `until`): when its DC's aggregators failed and the DNS stopped naming it, and per
 * class of shopper (guests, accounts homed elsewhere, accounts homed in that DC when it struck) how long until
 * those who saw an error added to a cart or checked out again (from the fault, and from the end of its failover).
 */
function faultFigures(shoppers: OperationRecord[][], samples: Sample[], events: DrillEvent[], fault: DrillEvent, until: number): FaultFigures {
  const lostDc = downedDc(fault.step);
  const faultAt = fault.begun;
  const ordered = events.find((e) => e.mark === 'failover' && e.ok && e.begun >= faultAt && e.begun < until);
  const seen = lostDc && !ordered ? samples.find((s) => s.t >= faultAt && s.t < until && s.dcs.find((d) => d.dc === lostDc)?.failedOver) : undefined;
  const failedOverAt = ordered?.ended ?? seen?.t;
  let detectSeconds: number | undefined;
  let rerouteSeconds: number | undefined;
  if (lostDc) {
    const after = samples.filter((s) => s.t >= faultAt && s.t < until);
    const detected = after.find((s) => s.dcs.find((d) => d.dc === lostDc)?.state === 'FAIL');
    const rerouted = after.find((s) => s.dns.length > 0 && s.dns.every((r) => !r.dcs.includes(lostDc)));
    if (detected) detectSeconds = round1((detected.t - faultAt) / 1000);
    if (rerouted) rerouteSeconds = round1((rerouted.t - faultAt) / 1000);
  }
  type Cls = 'guests' | 'homedElsewhere' | 'homedInLost';
  const fromFault: Record<Cls, number[]> = { guests: [], homedElsewhere: [], homedInLost: [] };
  const sinceFailover: Record<Cls, number[]> = { guests: [], homedElsewhere: [], homedInLost: [] };
  const counts: Record<Cls, { n: number; affected: number; never: number }> = {
    guests: { n: 0, affected: 0, never: 0 }, homedElsewhere: { n: 0, affected: 0, never: 0 }, homedInLost: { n: 0, affected: 0, never: 0 } };
  let errors = 0;
  for (const ops of shoppers) {
    const home = [...ops].reverse().find((r) => r.home && r.t <= faultAt)?.home?.dc;
    const cls: Cls = ops[0]!.kind === 'guest' ? 'guests' : lostDc && home === lostDc ? 'homedInLost' : 'homedElsewhere';
    counts[cls].n++;
    const window = ops.filter((r) => r.t >= faultAt && r.t < until);
    errors += window.filter((r) => r.outcome !== 'ok').length;
    const failed = window.find((r) => r.outcome !== 'ok');
    if (!failed) continue;
    counts[cls].affected++;
    const back = ops.find((r) => r.t > failed.t && r.outcome === 'ok' && (r.op === 'add' || r.op === 'checkout'));
    if (!back) {
      counts[cls].never++;
      continue;
    }
    fromFault[cls].push((back.t + back.latencyMs - faultAt) / 1000);
    if (failedOverAt !== undefined) sinceFailover[cls].push(Math.max(0, back.t + back.latencyMs - failedOverAt) / 1000);
  }
  const summary = (xs: number[]) => ({ p50: round1(quantile(xs, 0.5)!), max: round1(Math.max(...xs)) });
  const rto = (k: Cls): ClassRto => ({
    shoppers: counts[k].n, affected: counts[k].affected, never: counts[k].never,
    ...(fromFault[k].length ? summary(fromFault[k]) : {}),
    ...(sinceFailover[k].length ? { sinceFailover: summary(sinceFailover[k]) } : {}),
  });
  return { description: fault.description, at: faultAt, lostDc, detectSeconds, rerouteSeconds, errors,
    ...(failedOverAt !== undefined ? { failoverSeconds: round1((failedOverAt - faultAt) / 1000), automaticFailover: !ordered } : {}),
    rto: { guests: rto('guests'), homedElsewhere: rto('homedElsewhere'), homedInLost: rto('homedInLost') } };
}

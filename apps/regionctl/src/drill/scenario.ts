import { seededRandom } from './random';

/** What a drill does to the topology, as the running regionctl's commands do it. */
export type FaultStep =
  | { kind: 'kill'; dc: string; what: 'all' | 'api' | 'db' }
  | { kind: 'start'; dc: string }
  | { kind: 'failover'; dc: string }
  | { kind: 'failback'; dc: string }
  | { kind: 'wan'; action: 'cut' | 'blackhole' | 'heal'; a: string; b: string }
  /** ms absent: the latency of regions/ again */
  | { kind: 'slow'; a: string; b: string; ms?: number }
  | { kind: 'drain' | 'undrain'; dc: string };

/** The report's marks: what a step is in the story of the drill. */
export type Mark = 'fault' | 'failover' | 'heal' | 'failback';

export interface TimedStep {
  /** seconds from the start of the drill; a step never begins before the one before it has ended */
  at: number;
  step: FaultStep;
  mark: Mark;
}

export const SCENARIOS = ['kill-dc', 'kill-api', 'kill-db', 'partition', 'slow-wan', 'drain', 'random'] as const;
export type ScenarioName = typeof SCENARIOS[number];

export interface TimelineOptions {
  dcs: string[];
  /** seconds of shopping before the fault */
  warmup: number;
  /** seconds from the fault to the failover; undefined: no failover by the drill (none, or the automatic policy's) */
  failoverAfter?: number;
  /** seconds from the fault to the heal (start, wan heal, undrain, the latency back) */
  healAfter: number;
  /** partition: drop packets silently instead of refusing connections */
  blackhole?: boolean;
  /** random: the seed and how long the schedule runs, s */
  seed?: number;
  duration?: number;
}

export class ScenarioError extends Error {}

const describe = (s: FaultStep): string => {
  switch (s.kind) {
    case 'kill': return s.what === 'all' ? `kill every process of DC ${s.dc}` : `kill the ${s.what === 'api' ? 'commerce-api processes' : 'database'} of DC ${s.dc}`;
    case 'start': return `start DC ${s.dc} again`;
    case 'failover': return `fail DC ${s.dc} over`;
    case 'failback': return `fail DC ${s.dc} back`;
    case 'wan': return `${s.action} the WAN between ${s.a} and ${s.b}`;
    case 'slow': return s.ms === undefined ? `WAN between ${s.a} and ${s.b}: its configured latency again` : `WAN between ${s.a} and ${s.b}: ${s.ms} ms one way`;
    case 'drain': return `drain DC ${s.dc}`;
    case 'undrain': return `undrain DC ${s.dc}`;
  }
};
export { describe as describeStep };

/**
 * The steps of a scenario, in order. The named ones inject one fault after the warm-up, fail over
 * when asked, heal after `healAfter` and fail back when they failed over. `random` draws a schedule from
 * its seed (Jepsen's nemesis: kills, restarts, partitions, heals, latency changes, drains), never more than
 * one fault at a time, every fault healed before the end: the same seed gives the same schedule.
 */
export function timeline(name: ScenarioName, args: string[], o: TimelineOptions): TimedStep[] {
  const dc = (i: number) => {
    const v = args[i];
    if (!v) throw new ScenarioError(`${name} needs a DC (one of ${o.dcs.join(', ')})`);
    if (!o.dcs.includes(v)) throw new ScenarioError(`no DC "${v}" in this topology (DCs: ${o.dcs.join(', ')})`);
    return v;
  };
  const expect = (n: number) => {
    if (args.length !== n) throw new ScenarioError(`${name} takes ${n} argument${n === 1 ? '' : 's'}, not ${args.length}`);
  };
  const fault = o.warmup;
  const heal = fault + o.healAfter;
  if (o.failoverAfter !== undefined && o.failoverAfter >= o.healAfter) throw new ScenarioError('the failover comes before the heal (--failover-after < --heal-after)');
  const withFailover = (down: string, steps: TimedStep[]): TimedStep[] => o.failoverAfter === undefined ? steps
    : [steps[0]!, { at: fault + o.failoverAfter, step: { kind: 'failover', dc: down }, mark: 'failover' }, ...steps.slice(1),
      { at: heal, step: { kind: 'failback', dc: down }, mark: 'failback' }];
  switch (name) {
    case 'kill-dc':
    case 'kill-api':
    case 'kill-db': {
      expect(1);
      const d = dc(0);
      const what = name === 'kill-dc' ? 'all' : name === 'kill-api' ? 'api' : 'db';
      return withFailover(d, [{ at: fault, step: { kind: 'kill', dc: d, what }, mark: 'fault' }, { at: heal, step: { kind: 'start', dc: d }, mark: 'heal' }]);
    }
    case 'partition': {
      expect(2);
      const [a, b] = [dc(0), dc(1)];
      if (a === b) throw new ScenarioError('a partition is between two different DCs');
      return withFailover(a, [{ at: fault, step: { kind: 'wan', action: o.blackhole ? 'blackhole' : 'cut', a, b }, mark: 'fault' },
        { at: heal, step: { kind: 'wan', action: 'heal', a, b }, mark: 'heal' }]);
    }
    case 'slow-wan': {
      expect(3);
      const [a, b] = [dc(0), dc(1)];
      const ms = Number(args[2]);
      if (a === b) throw new ScenarioError('slow-wan is between two different DCs');
      if (!Number.isInteger(ms) || ms < 0 || ms > 10000) throw new ScenarioError('slow-wan takes a one-way latency in ms from 0 to 10000');
      return [{ at: fault, step: { kind: 'slow', a, b, ms }, mark: 'fault' }, { at: heal, step: { kind: 'slow', a, b }, mark: 'heal' }];
    }
    case 'drain': {
      expect(1);
      const d = dc(0);
      return [{ at: fault, step: { kind: 'drain', dc: d }, mark: 'fault' }, { at: heal, step: { kind: 'undrain', dc: d }, mark: 'heal' }];
    }
    case 'random':
      expect(0);
      if (o.seed === undefined || o.duration === undefined) throw new ScenarioError('random needs --seed N and --duration D');
      return randomSchedule(o.dcs, o.seed, o.warmup, o.duration);
  }
}

/**
 * A seeded schedule over `duration` s after the warm-up: one fault at a time, each healed 4 to 12 s later
 * (a killed DC is failed over first half of the time, then started and failed back), 2 to 6 s of calm between.
 */
export function randomSchedule(dcs: string[], seed: number, warmup: number, duration: number): TimedStep[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const steps: TimedStep[] = [];
  const end = warmup + duration;
  let t = warmup;
  while (t + 4 < end) {
    const d = pick(dcs);
    const other = pick(dcs.filter((x) => x !== d));
    const hold = Math.min(4 + Math.round(r() * 8), Math.max(1, end - t - 1));
    const kind = pick(['kill-dc', 'kill-dc-failover', 'kill-api', 'kill-db', 'partition', 'blackhole', 'slow-wan', 'drain'] as const);
    const at = (dt: number) => Math.round((t + dt) * 10) / 10;
    if (kind === 'kill-dc' || kind === 'kill-dc-failover' || kind === 'kill-api' || kind === 'kill-db') {
      steps.push({ at: at(0), step: { kind: 'kill', dc: d, what: kind === 'kill-api' ? 'api' : kind === 'kill-db' ? 'db' : 'all' }, mark: 'fault' });
      const failover = kind === 'kill-dc-failover';
      if (failover) steps.push({ at: at(Math.min(2, hold / 2)), step: { kind: 'failover', dc: d }, mark: 'failover' });
      steps.push({ at: at(hold), step: { kind: 'start', dc: d }, mark: 'heal' });
      if (failover) steps.push({ at: at(hold), step: { kind: 'failback', dc: d }, mark: 'failback' });
    } else if (kind === 'partition' || kind === 'blackhole') {
      if (!other) continue;
      steps.push({ at: at(0), step: { kind: 'wan', action: kind === 'partition' ? 'cut' : 'blackhole', a: d, b: other }, mark: 'fault' });
      steps.push({ at: at(hold), step: { kind: 'wan', action: 'heal', a: d, b: other }, mark: 'heal' });
    } else if (kind === 'slow-wan') {
      if (!other) continue;
      steps.push({ at: at(0), step: { kind: 'slow', a: d, b: other, ms: pick([50, 150, 400]) }, mark: 'fault' });
      steps.push({ at: at(hold), step: { kind: 'slow', a: d, b: other }, mark: 'heal' });
    } else {
      steps.push({ at: at(0), step: { kind: 'drain', dc: d }, mark: 'fault' });
      steps.push({ at: at(hold), step: { kind: 'undrain', dc: d }, mark: 'heal' });
    }
    t += hold + 2 + Math.round(r() * 4);
  }
  return steps;
}

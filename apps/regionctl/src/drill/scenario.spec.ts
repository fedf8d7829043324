import { randomSchedule, ScenarioError, timeline, TimedStep } from './scenario';

const base = { dcs: ['a', 'b', 'c'], warmup: 10, healAfter: 20 };

/** Each fault is healed (and failed back when failed over) before the next one begins. */
function oneFaultAtATime(steps: TimedStep[]): boolean {
  let open = 0;
  for (const s of steps) {
    if (s.mark === 'fault') {
      if (open) return false;
      open++;
    } else if (s.mark === 'heal') {
      open--;
    }
  }
  return open === 0;
}

describe('drill scenarios: the timeline of each', () => {
  it('kill-dc kills, fails over after the delay, starts and fails back at the heal', () => {
    expect(timeline('kill-dc', ['b'], { ...base, failoverAfter: 5 })).toEqual([
      { at: 10, step: { kind: 'kill', dc: 'b', what: 'all' }, mark: 'fault' },
      { at: 15, step: { kind: 'failover', dc: 'b' }, mark: 'failover' },
      { at: 30, step: { kind: 'start', dc: 'b' }, mark: 'heal' },
      { at: 30, step: { kind: 'failback', dc: 'b' }, mark: 'failback' },
    ]);
    expect(timeline('kill-api', ['a'], base).map((s) => s.step)).toEqual([{ kind: 'kill', dc: 'a', what: 'api' }, { kind: 'start', dc: 'a' }]);
  });

  it('partition cuts or blackholes and heals; slow-wan sets and restores the latency; drain undrains', () => {
    expect(timeline('partition', ['a', 'c'], { ...base, blackhole: true }).map((s) => s.step)).toEqual([
      { kind: 'wan', action: 'blackhole', a: 'a', b: 'c' }, { kind: 'wan', action: 'heal', a: 'a', b: 'c' }]);
    expect(timeline('slow-wan', ['a', 'b', '300'], base).map((s) => s.step)).toEqual([{ kind: 'slow', a: 'a', b: 'b', ms: 300 }, { kind: 'slow', a: 'a', b: 'b' }]);
    expect(timeline('drain', ['c'], base).map((s) => s.step.kind)).toEqual(['drain', 'undrain']);
  });

  it('refuses a DC the topology lacks, missing or extra arguments, and a failover after the heal', () => {
    expect(() => timeline('kill-dc', ['x'], base)).toThrow(new ScenarioError('no DC "x" in this topology (DCs: a, b, c)'));
    expect(() => timeline('kill-dc', [], base)).toThrow(ScenarioError);
    expect(() => timeline('partition', ['a', 'a'], base)).toThrow(/two different DCs/);
    expect(() => timeline('slow-wan', ['a', 'b', 'fast'], base)).toThrow(/latency in ms/);
    expect(() => timeline('drain', ['a', 'b'], base)).toThrow(/takes 1 argument/);
    expect(() => timeline('kill-dc', ['a'], { ...base, failoverAfter: 20 })).toThrow(/before the heal/);
    expect(() => timeline('random', [], base)).toThrow(/--seed/);
  });

  it('random: the same seed gives the same schedule; another seed another; one fault at a time, all healed, within the duration', () => {
    const one = randomSchedule(['a', 'b'], 42, 10, 300);
    expect(randomSchedule(['a', 'b'], 42, 10, 300)).toEqual(one);
    expect(randomSchedule(['a', 'b'], 43, 10, 300)).not.toEqual(one);
    expect(one.length).toBeGreaterThan(20);
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const s = randomSchedule(['a', 'b', 'c'], seed, 10, 120);
      expect(oneFaultAtATime(s)).toBe(true);
      expect(s.every((x) => x.at >= 10 && x.at <= 130)).toBe(true);
      expect(s.every((x, i) => i === 0 || x.at >= s[i - 1]!.at)).toBe(true);
      // a failover only ever follows the kill of the same whole DC, and its failback comes with the start
      for (const [i, x] of s.entries()) {
        if (x.step.kind === 'failover') expect(s[i - 1]!.step).toEqual({ kind: 'kill', dc: x.step.dc, what: 'all' });
        if (x.step.kind === 'failback') expect(s[i - 1]!.step).toEqual({ kind: 'start', dc: x.step.dc });
      }
    }
    const kinds = new Set(one.map((x) => (x.step.kind === 'wan' ? `wan ${x.step.action}` : x.step.kind)));
    expect([...kinds].sort()).toEqual(['drain', 'failback', 'failover', 'kill', 'slow', 'start', 'undrain', 'wan blackhole', 'wan cut', 'wan heal']);
  });
});

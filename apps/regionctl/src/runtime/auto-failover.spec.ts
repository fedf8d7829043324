import { AutoFailover, AutoFailoverContext } from './auto-failover';
import type { DcPlan, Plan } from '../topology/plan';
import type { AggregatorReport } from '../health/healthchecks';

/** A three-DC topology over plain fakes: what each DC's aggregators say, who reaches whom, the failovers asked for. */
function newPolicy(seconds = 5) {
  let now = 0;
  const dcs = ['a', 'b', 'c'].map((code) => ({ region: { code } }) as unknown as DcPlan);
  const state = { failing: new Set<string>(), unreachable: new Set<string>(), fenced: new Set<string>(), failovers: [] as string[] };
  const c: AutoFailoverContext = {
    plan: { dcs } as unknown as Plan,
    fenced: () => state.fenced,
    aggregators: async (d) => [1, 2].map((instance) => ({ instance, state: state.failing.has(d.region.code) ? 'FAIL' : 'PASS' }) as unknown as AggregatorReport),
    reachedBy: async (d, others) => (state.unreachable.has(d.region.code) ? [] : others.map((o) => o.region.code)),
    failover: async (dc) => { state.failovers.push(dc); state.fenced.add(dc); return `DC ${dc} failed over to DC b (epoch 1)`; },
    say: () => undefined,
  };
  return { sut: new AutoFailover(c, seconds, () => now), state, tick: (ms: number) => { now += ms; } };
}

describe('AutoFailover: a DC is failed over by itself only when it failed long enough and the others cannot reach it', () => {
  it('fails over a DC failing for the configured time and out of reach of the others, once', async () => {
    const { sut, state, tick } = newPolicy(5);
    state.failing.add('a');
    state.unreachable.add('a');
    await sut.round();
    tick(4000);
    await sut.round();
    expect(state.failovers).toEqual([]);
    tick(1000);
    await sut.round();
    await sut.round();
    expect(state.failovers).toEqual(['a']);
  });

  it('leaves a DC the others still reach (it fails its checks, it is not lost), and one that passed again', async () => {
    const { sut, state, tick } = newPolicy(5);
    state.failing.add('a');
    await sut.round();
    tick(10000);
    await sut.round();
    expect(state.failovers).toEqual([]);
    state.unreachable.add('a');
    state.failing.delete('a');
    await sut.round(); // passed: its clock starts again
    state.failing.add('a');
    await sut.round();
    tick(4000);
    await sut.round();
    expect(state.failovers).toEqual([]);
  });

  it('never fails over so far that the DCs left are no majority of the topology', async () => {
    const { sut, state, tick } = newPolicy(1);
    state.fenced.add('a');
    state.failing.add('b');
    state.unreachable.add('b');
    await sut.round();
    tick(5000);
    await sut.round();
    expect(state.failovers).toEqual([]);
  });
});

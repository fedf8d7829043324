import { DrillEvent, figures, Sample } from './figures';
import { OperationRecord } from './history';

const T0 = 1_000_000;
const at = (s: number) => T0 + s * 1000;
const op = (shopper: string, s: number, o: Partial<OperationRecord>): OperationRecord =>
  ({ t: at(s), shopper, region: 'a', kind: 'account', op: 'add', outcome: 'ok', latencyMs: 0, ...o });
const sample = (s: number, aState: 'PASS' | 'FAIL', aDns: string): Sample => ({
  t: at(s), dcs: [{ dc: 'a', state: aState, channels: [] }, { dc: 'b', state: 'PASS', channels: [] }],
  dns: [{ region: 'a', dcs: [aDns] }, { region: 'b', dcs: ['b'] }] });
const event = (mark: DrillEvent['mark'], s: number, took: number, step: DrillEvent['step']): DrillEvent =>
  ({ mark, step, description: mark, begun: at(s), ended: at(s + took), ok: true, message: '' });

describe('drill figures', () => {
  it('detection and DNS reroute from the samples; RTO per class from the history, from the fault and from the failover', () => {
    const events = [event('fault', 10, 0.5, { kind: 'kill', dc: 'a', what: 'all' }), event('failover', 15, 2, { kind: 'failover', dc: 'a' }),
      event('heal', 30, 4, { kind: 'start', dc: 'a' })];
    const samples = [sample(9.5, 'PASS', 'a'), sample(10.5, 'PASS', 'a'), sample(11, 'FAIL', 'a'), sample(12.5, 'FAIL', 'b')];
    const history = [
      // homed in a: refused until the failover, shops again 1 s after it ended
      op('h', 1, { op: 'register', home: { dc: 'a', epoch: 1 } }), op('h', 11, { outcome: 'http-503 UNAVAILABLE' }), op('h', 18, {}),
      // homed in b, never affected
      op('e', 1, { op: 'register', home: { dc: 'b', epoch: 1 } }), op('e', 12, {}),
      // a guest of region a: refused until its cached answer expires, then reads first, then adds
      op('g', 10.2, { kind: 'guest', op: 'browse', outcome: 'refused' }), op('g', 15.5, { kind: 'guest', op: 'browse' }), op('g', 16, { kind: 'guest' }),
      op('g', 40, { kind: 'guest', op: 'cart', outcome: 'line-lost' }),
    ];
    const f = figures(history, samples, events);
    expect(f.faults).toHaveLength(1);
    expect(f.faults[0]).toMatchObject({ lostDc: 'a', detectSeconds: 1, rerouteSeconds: 2.5, errors: 3 });
    expect(f.faults[0]!.rto.homedInLost).toEqual({ shoppers: 1, affected: 1, never: 0, p50: 8, max: 8, sinceFailover: { p50: 1, max: 1 } });
    expect(f.faults[0]!.rto.homedElsewhere).toEqual({ shoppers: 1, affected: 0, never: 0 });
    expect(f.faults[0]!.rto.guests).toMatchObject({ shoppers: 1, affected: 1, p50: 6, max: 6 });
    expect(f).toMatchObject({ operations: 9, sessionsKeptPercent: 100, cartsKeptPercent: 66.7, ordersConfirmed: 0, cartViewsMissingLines: 0,
      errorsByKind: { 'http-503 UNAVAILABLE': 1, refused: 1, 'line-lost': 1 } });
  });

  it('a failover by the automatic policy is found in the samples: its time, and shopping again since then', () => {
    const fenced = { ...sample(20, 'FAIL', 'b'), dcs: [{ dc: 'a', state: 'FAIL' as const, failedOver: true, channels: [] }, { dc: 'b', state: 'PASS' as const, channels: [] }] };
    const history = [op('h', 1, { op: 'register', home: { dc: 'a', epoch: 1 } }), op('h', 11, { outcome: 'http-503 UNAVAILABLE' }), op('h', 22, {})];
    const f = figures(history, [sample(11, 'FAIL', 'b'), fenced], [event('fault', 10, 0.5, { kind: 'kill', dc: 'a', what: 'all' })]);
    expect(f.faults[0]).toMatchObject({ failoverSeconds: 10, automaticFailover: true });
    expect(f.faults[0]!.rto.homedInLost).toMatchObject({ max: 12, sinceFailover: { p50: 2, max: 2 } });
  });

  it('a fault that takes no DC away (a slow or cut link) claims no detection or reroute, even when a DC fails meanwhile', () => {
    for (const step of [{ kind: 'slow', a: 'a', b: 'b', ms: 200 }, { kind: 'wan', action: 'cut', a: 'a', b: 'b' }] as const) {
      const f = figures([], [sample(11, 'FAIL', 'b')], [event('fault', 10, 0.1, step)]);
      expect(f.faults[0]).toMatchObject({ lostDc: undefined, detectSeconds: undefined, rerouteSeconds: undefined });
    }
    const db = figures([], [sample(11, 'FAIL', 'b')], [event('fault', 10, 0.1, { kind: 'kill', dc: 'a', what: 'db' })]);
    expect(db.faults[0]).toMatchObject({ lostDc: 'a', detectSeconds: 1, rerouteSeconds: 1 }); // its checks fail without its database
  });
});

import { DcStateMachine, DcVerdict } from './dc-state';

const PASS: DcVerdict = { kind: 'PASS', reason: 'ok' };
const FAIL: DcVerdict = { kind: 'FAIL', reason: 'no commerce-api passed' };
const GONE: DcVerdict = { kind: 'unreachable', reason: 'ECONNREFUSED' };

describe('DcStateMachine', () => {
  const run = (m: DcStateMachine, verdicts: DcVerdict[]) => verdicts.map((v, i) => (m.take(v, i), m.current?.state));

  it('takes what the aggregators say at once, both ways (they apply their own hysteresis)', () => {
    expect(run(new DcStateMachine(undefined, 2, 3), [PASS, FAIL, PASS, FAIL])).toEqual(['PASS', 'FAIL', 'PASS', 'FAIL']);
  });

  it('fails a DC whose aggregators do not answer only after 2 such polls in a row; back after 3 passes in a row', () => {
    const m = new DcStateMachine(undefined, 2, 3);
    expect(run(m, [PASS, GONE, PASS, GONE, GONE, PASS, PASS, GONE, PASS, PASS, PASS]))
      .toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'PASS']);
    expect(m.current).toMatchObject({ state: 'PASS', since: 10 });
  });

  it('knowing nothing, a first poll that reaches no aggregator fails the DC at once', () => {
    const m = new DcStateMachine(undefined, 2, 3);
    expect(m.take(GONE, 5)).toBe(true);
    expect(m.current).toMatchObject({ state: 'FAIL', cause: 'unreachable', reason: 'no aggregator answers (ECONNREFUSED)' });
  });

  it('a state kept from before a restart stands until the polls say otherwise; since stays while the state does', () => {
    const m = new DcStateMachine({ state: 'FAIL', since: 1, reason: 'drained', cause: 'aggregators' }, 2, 3);
    expect(m.take(FAIL, 7)).toBe(false);
    expect(m.current).toMatchObject({ state: 'FAIL', since: 1, reason: 'no commerce-api passed' });
    expect(m.take(PASS, 8)).toBe(true);
    expect(m.current).toMatchObject({ state: 'PASS', since: 8 });
    expect(m.take(PASS, 9)).toBe(false);
    expect(m.current?.since).toBe(8);
  });
});

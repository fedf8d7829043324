import { Hysteresis } from './hysteresis';

const rounds = (h: Hysteresis, outcomes: boolean[]) => outcomes.map((ok, i) => h.round(ok, i).state);

describe('Hysteresis', () => {
  it('the first round decides at once', () => {
    expect(new Hysteresis(2, 3).round(false, 0)).toEqual({ state: 'FAIL', since: 0 });
    expect(new Hysteresis(2, 3).round(true, 0)).toEqual({ state: 'PASS', since: 0 });
  });

  it('FAIL after K failed rounds in a row; a passed round in between starts the count again', () => {
    const h = new Hysteresis(2, 3);
    expect(rounds(h, [true, false, true, false, false, false])).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'FAIL', 'FAIL']);
    expect(h.state).toEqual({ state: 'FAIL', since: 4 });
  });

  it('PASS again only after M passed rounds in a row', () => {
    const h = new Hysteresis(2, 3);
    expect(rounds(h, [false, true, true, false, true, true, true])).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'PASS']);
    expect(h.state?.since).toBe(6);
  });

  it('K = M = 1 follows every round', () => {
    expect(rounds(new Hysteresis(1, 1), [true, false, true])).toEqual(['PASS', 'FAIL', 'PASS']);
  });
});

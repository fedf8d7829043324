import { every } from './periodic';

describe('every', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs one round at a time: a round still running when the next is due skips that one', async () => {
    let started = 0;
    let finish: () => void = () => undefined;
    const stop = every(1, () => { started++; return new Promise<void>((r) => { finish = r; }); }, () => undefined);
    await jest.advanceTimersByTimeAsync(3500);
    expect(started).toBe(1);
    finish();
    await jest.advanceTimersByTimeAsync(1000);
    expect(started).toBe(2);
    stop();
    finish();
    await jest.advanceTimersByTimeAsync(5000);
    expect(started).toBe(2);
  });

  it('hands a failed round to the failure handler and tries again next time', async () => {
    const failures: string[] = [];
    let n = 0;
    const stop = every(2, async () => { n++; if (n === 1) throw new Error('database away'); }, (err) => failures.push(err.message));
    await jest.advanceTimersByTimeAsync(4100);
    expect([n, failures]).toEqual([2, ['database away']]);
    stop();
  });

  it('never runs with 0 seconds', async () => {
    const round = jest.fn(async () => undefined);
    every(0, round, () => undefined)();
    await jest.advanceTimersByTimeAsync(60000);
    expect(round).not.toHaveBeenCalled();
  });
});

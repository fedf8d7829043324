import { AppLogger } from '../observability/logger';
import { every, PeriodicJobs } from './periodic';

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

  it('PeriodicJobs logs a failed round under the job\'s name and stops every job when the app closes', async () => {
    const warnings: [string, unknown][] = [];
    const jobs = new PeriodicJobs({ warn: (m: string, meta: unknown) => warnings.push([m, meta]) } as unknown as AppLogger);
    let a = 0;
    let b = 0;
    jobs.add('job a', 1, async () => { a++; throw new Error('away'); });
    jobs.add('job b', 2, async () => { b++; });
    await jest.advanceTimersByTimeAsync(2100);
    expect([a, b]).toEqual([2, 1]);
    expect(warnings).toEqual([['job a failed; next round will try again', { error: 'away' }], ['job a failed; next round will try again', { error: 'away' }]]);
    jobs.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(10000);
    expect([a, b]).toEqual([2, 1]);
  });
});

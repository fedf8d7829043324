import { LateHistogram } from './wan-link';

describe('LateHistogram', () => {
  it('is all zeros before anything was delivered', () => {
    expect(new LateHistogram().summary()).toEqual({ chunks: 0, p50: 0, p99: 0, max: 0 });
  });

  it('reports p50 and p99 as the upper edge of their 0.1 ms bucket, and the exact max', () => {
    const h = new LateHistogram();
    for (let i = 0; i < 98; i++) h.add(0.04);
    h.add(2.53);
    h.add(7.26);
    expect(h.summary()).toEqual({ chunks: 100, p50: 0.1, p99: 2.6, max: 7.3 });
  });

  it('counts early timers as on time and keeps anything beyond 100 ms in the top bucket', () => {
    const h = new LateHistogram();
    h.add(-0.3);
    h.add(250);
    expect(h.summary()).toEqual({ chunks: 2, p50: 0.1, p99: 250, max: 250 });
  });
});

import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('computes once per key while fresh and again after expiry', async () => {
    const cache = new TtlCache<number>(1000);
    let calls = 0;
    const compute = async () => ++calls;
    expect(await cache.get('k', compute, 0)).toBe(1);
    expect(await cache.get('k', compute, 999)).toBe(1);
    expect(await cache.get('k', compute, 1000)).toBe(2);
  });

  it('shares one computation between concurrent misses', async () => {
    const cache = new TtlCache<string>(1000);
    let calls = 0;
    const compute = () => new Promise<string>((r) => setTimeout(() => r(`v${++calls}`), 5));
    const [a, b] = await Promise.all([cache.get('k', compute), cache.get('k', compute)]);
    expect([a, b, calls]).toEqual(['v1', 'v1', 1]);
  });

  it('does not keep failures and evicts the oldest entry when full', async () => {
    const cache = new TtlCache<number>(1000, 2);
    await expect(cache.get('bad', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await cache.get('bad', async () => 7)).toBe(7);
    await cache.get('b', async () => 1);
    await cache.get('c', async () => 1);
    let recomputed = false;
    await cache.get('bad', async () => { recomputed = true; return 8; });
    expect(recomputed).toBe(true);
  });

  it('caches nothing with a zero TTL', async () => {
    const cache = new TtlCache<number>(0);
    let calls = 0;
    await cache.get('k', async () => ++calls);
    await cache.get('k', async () => ++calls);
    expect(calls).toBe(2);
  });
});

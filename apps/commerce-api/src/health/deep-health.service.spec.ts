import { AppEnv } from '../config/app-config';
import { CartService } from '../cart/cart.service';
import { CatalogService } from '../catalog/catalog.service';
import { OrdersService } from '../orders/orders.service';
import { StockAvailabilityQueue } from '../stock/stock-availability.queue';
import { StockRepository } from '../stock/stock.repository';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppMetrics } from '../observability/metrics';
import { DeepHealthService } from './deep-health.service';
import { HealthService } from './health.service';
import { DcFenceService } from '../fencing/dc-fence.service';

/** The service over plain fakes: each check's outcome is set per test. */
function newDeepHealth(o: { timeoutMs?: number; draining?: boolean; fenced?: string } = {}) {
  const calls = { cart: 0, order: 0 };
  const behave = {
    cart: (): Promise<number> => Promise.resolve(1),
    order: (): Promise<void> => Promise.resolve(),
    queue: (): Promise<{ sku: string; available: number; dc: string; variantId: string }> => Promise.resolve({ sku: 'SKU-1', available: 7, dc: 'a', variantId: 'a_1' }),
  };
  const fakes = {
    catalog: { readThroughCache: async () => 1, searchNow: async () => 0 } as unknown as CatalogService,
    cart: { probe: () => { calls.cart++; return behave.cart(); } } as unknown as CartService,
    orders: { probe: () => { calls.order++; return behave.order(); } } as unknown as OrdersService,
    availability: { ask: () => behave.queue() } as unknown as StockAvailabilityQueue,
    stock: { anySku: async () => 'SKU-1' } as unknown as StockRepository,
    router: { dc: 'a', local: {} } as unknown as OrderDataSourceRouter,
    health: { isDraining: o.draining ?? false } as unknown as HealthService,
    fences: { refuseWritesIfFenced: () => { if (o.fenced) throw new Error(o.fenced); } } as unknown as DcFenceService,
  };
  const env = Object.assign(new AppEnv(), { DEEP_HEALTH_TIMEOUT_MS: o.timeoutMs ?? 100 });
  const sut = new DeepHealthService(fakes.catalog, fakes.cart, fakes.orders, fakes.availability, fakes.stock, fakes.router, fakes.health,
    new AppMetrics('a'), env, fakes.fences);
  return { sut, behave, calls };
}

const never = () => new Promise<never>(() => undefined);

describe('DeepHealthService', () => {
  it('PASS when every check passes, with what each saw', async () => {
    const { sut } = newDeepHealth();
    const r = await sut.check();
    expect(r.status).toBe('PASS');
    expect(r.checks.map((c) => [c.name, c.ok, c.detail])).toEqual([
      ['catalog', true, '1 product(s) read'], ['cart', true, '1 line(s) read back'], ['order', true, 'written and read back'],
      ['queue', true, 'SKU-1: 7 unit(s), answered by DC a'], ['search', true, '0 match(es)']]);
  });

  it('a failing check fails the round with its error; the others still pass', async () => {
    const { sut, behave } = newDeepHealth();
    behave.order = () => Promise.reject(new Error('Lock wait timeout exceeded'));
    const r = await sut.check();
    expect(r.status).toBe('FAIL');
    expect(r.checks.filter((c) => !c.ok)).toEqual([expect.objectContaining({ name: 'order', error: 'Lock wait timeout exceeded' })]);
  });

  it('a hung check fails at the deadline, and the next round reports it still running instead of starting it again', async () => {
    const { sut, behave, calls } = newDeepHealth({ timeoutMs: 50 });
    behave.cart = never;
    const started = Date.now();
    const first = await sut.check();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(first.checks.find((c) => c.name === 'cart')).toMatchObject({ ok: false, error: 'did not finish within 50 ms' });
    const second = await sut.check();
    expect(second.checks.find((c) => c.name === 'cart')?.error).toMatch(/^still running from an earlier round/);
    expect(calls.cart).toBe(1);
    expect(second.checks.find((c) => c.name === 'order')?.ok).toBe(true);
  });

  it('callers during a round share it; the next caller gets a new round', async () => {
    const { sut, calls } = newDeepHealth();
    const [a, b, c] = await Promise.all([sut.check(), sut.check(), sut.check()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(calls.order).toBe(1);
    await sut.check();
    expect(calls.order).toBe(2);
  });

  it('a fenced DC (failed over, or cut off past its lease) fails the order check without writing anything', async () => {
    const { sut, calls } = newDeepHealth({ fenced: 'DC a cannot reach a majority of the other DCs' });
    const r = await sut.check();
    expect(r.status).toBe('FAIL');
    expect(r.checks.find((c) => c.name === 'order')).toMatchObject({ ok: false, error: expect.stringMatching(/cannot reach a majority/) });
    expect(calls.order).toBe(0);
  });

  it('FAIL while the process shuts down, whatever the checks say', async () => {
    const { sut } = newDeepHealth({ draining: true });
    const r = await sut.check();
    expect([r.status, r.draining, r.checks.every((c) => c.ok)]).toEqual(['FAIL', true, true]);
  });
});

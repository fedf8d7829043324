import { Inject, Injectable } from '@nestjs/common';
import { DEEP_HEALTH_CHECKS, DeepHealthCheck, DeepHealthCheckName, DeepHealthReport } from '@meridian/health';
import { AppEnv } from '../config/app-config';
import { CartService } from '../cart/cart.service';
import { CatalogService } from '../catalog/catalog.service';
import { OrdersService } from '../orders/orders.service';
import { StockAvailabilityQueue } from '../stock/stock-availability.queue';
import { StockRepository } from '../stock/stock.repository';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AppMetrics } from '../observability/metrics';
import { HealthService } from './health.service';
import { DcFenceService } from '../fencing/dc-fence.service';

/** The text a search looks for: any word does (an empty result is a search that worked). */
const SEARCH_TEXT = 'health';
/** How long the SKU the queue check asks about is kept before it is looked up again. */
const PROBE_SKU_TTL_MS = 60000;

/**
 * Deep health: the five representative operations of the shop, run in parallel against this DC's
 * own database, cache and job queue, each timed, within DEEP_HEALTH_TIMEOUT_MS. Writes happen in
 * transactions that are rolled back (nothing is kept or replicated); the queue's job is removed
 * once answered. Callers that arrive while a round runs share it, and a check still running from
 * an earlier round (hung) is not started again but reported failed: polling cannot pile work up.
 */
@Injectable()
export class DeepHealthService {
  private round?: Promise<DeepHealthReport>;
  private readonly running = new Map<DeepHealthCheckName, number>();
  private probeSku?: { sku: string | undefined; until: number };

  constructor(
    @Inject(CatalogService) private readonly catalog: CatalogService,
    @Inject(CartService) private readonly cart: CartService,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(StockAvailabilityQueue) private readonly availability: StockAvailabilityQueue,
    @Inject(StockRepository) private readonly stock: StockRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(HealthService) private readonly health: HealthService,
    @Inject(AppMetrics) private readonly metrics: AppMetrics,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(DcFenceService) private readonly fences: DcFenceService,
  ) {}

  check(): Promise<DeepHealthReport> {
    this.round ??= this.runRound().finally(() => { this.round = undefined; });
    return this.round;
  }

  private async runRound(): Promise<DeepHealthReport> {
    const started = Date.now();
    const timeoutMs = this.env.DEEP_HEALTH_TIMEOUT_MS;
    const ctx = { dc: this.router.dc, ip: '127.0.0.1' };
    const work: Record<DeepHealthCheckName, () => Promise<string>> = {
      catalog: async () => `${await this.catalog.readThroughCache(ctx)} product(s) read`,
      cart: async () => `${await this.cart.probe()} line(s) read back`,
      // a fenced DC (failed over, or its lease expired) takes no order: it must not pass as one that does
      order: async () => { this.fences.refuseWritesIfFenced(); await this.orders.probe(); return 'written and read back'; },
      queue: async () => {
        const sku = await this.skuToAsk();
        const a = await this.availability.ask(sku ?? 'deep-health', timeoutMs);
        return `${a.sku}: ${a.available} unit(s), answered by DC ${a.dc}`;
      },
      search: async () => `${await this.catalog.searchNow(SEARCH_TEXT)} match(es)`,
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => { timer = setTimeout(() => resolve('deadline'), timeoutMs); });
    const checks = await Promise.all(DEEP_HEALTH_CHECKS.map((name) => this.timed(name, work[name], deadline, timeoutMs)));
    clearTimeout(timer);
    const draining = this.health.isDraining;
    const status = !draining && checks.every((c) => c.ok) ? 'PASS' : 'FAIL';
    this.metrics.deepHealth.inc({ status });
    for (const c of checks) this.metrics.deepHealthCheck.observe({ check: c.name, ok: String(c.ok) }, c.ms / 1000);
    return { status, dc: this.router.dc, at: new Date(started).toISOString(), ms: Date.now() - started, timeoutMs, checks,
      ...(draining ? { draining } : {}) };
  }

  private async timed(name: DeepHealthCheckName, run: () => Promise<string>, deadline: Promise<'deadline'>, timeoutMs: number): Promise<DeepHealthCheck> {
    const started = Date.now();
    const earlier = this.running.get(name);
    if (earlier !== undefined) {
      return { name, ok: false, ms: 0, error: `still running from an earlier round, started ${started - earlier} ms ago (hung?)` };
    }
    this.running.set(name, started);
    const work = run().finally(() => this.running.delete(name));
    try {
      const outcome = await Promise.race([work, deadline]);
      const ms = Date.now() - started;
      if (outcome === 'deadline') return { name, ok: false, ms, error: `did not finish within ${timeoutMs} ms` };
      return { name, ok: true, ms, detail: outcome };
    } catch (err) {
      return { name, ok: false, ms: Date.now() - started, error: (err as Error).message || String(err) };
    } finally {
      work.catch(() => undefined); // a check that failed after its deadline has been reported already
    }
  }

  private async skuToAsk(): Promise<string | undefined> {
    const now = Date.now();
    if (!this.probeSku || this.probeSku.until < now) {
      this.probeSku = { sku: await this.stock.anySku(this.router.local), until: now + PROBE_SKU_TTL_MS };
    }
    return this.probeSku.sku;
  }
}

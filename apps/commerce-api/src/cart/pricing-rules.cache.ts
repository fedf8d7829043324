import { Inject, Injectable } from '@nestjs/common';
import { AppEnv } from '../config/app-config';
import { TtlCache } from '../common/ttl-cache';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { DiscountRow, PricingRulesRepository, ShippingMethodRow } from './pricing-rules.repository';

/**
 * Discounts and shipping methods, read by every cart answer: cached in this process for
 * CATALOG_CACHE_MS, like the catalog; admin writes through this process clear it at once.
 */
@Injectable()
export class PricingRules {
  private readonly discounts: TtlCache<DiscountRow[]>;
  private readonly shipping: TtlCache<ShippingMethodRow[]>;

  constructor(
    @Inject(PricingRulesRepository) private readonly repo: PricingRulesRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(AppEnv) env: AppEnv,
  ) {
    this.discounts = new TtlCache(env.CATALOG_CACHE_MS);
    this.shipping = new TtlCache(env.CATALOG_CACHE_MS);
  }

  /** Discounts in force at `now` that apply to a cart with this code (automatic ones have no code). */
  async discountsFor(code: string | null, currency: string, now: Date): Promise<DiscountRow[]> {
    const all = await this.discounts.get('all', () => this.repo.findActiveDiscounts(this.router.local));
    return all.filter((d) =>
      (d.code === null || (code !== null && d.code.toLowerCase() === code.toLowerCase()))
      && (d.starts_at === null || d.starts_at <= now) && (d.ends_at === null || d.ends_at > now)
      && (d.kind === 'percentage' || d.currency === currency));
  }

  async findDiscountCode(code: string, currency: string, now: Date): Promise<DiscountRow | undefined> {
    return (await this.discountsFor(code, currency, now)).find((d) => d.code !== null);
  }

  shippingMethods(): Promise<ShippingMethodRow[]> {
    return this.shipping.get('all', () => this.repo.findActiveShippingMethods(this.router.local));
  }

  async shippingMethod(code: string): Promise<ShippingMethodRow | undefined> {
    return (await this.shippingMethods()).find((m) => m.code === code);
  }

  invalidate(): void {
    this.discounts.clear();
    this.shipping.clear();
  }
}

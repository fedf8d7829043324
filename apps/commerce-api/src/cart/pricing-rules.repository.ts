import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql';
import { earliestPer } from '../database/earliest';

export interface DiscountRow {
  id: string;
  code: string | null;
  name: string;
  kind: 'percentage' | 'amount';
  value: number;
  currency: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
}

export interface ShippingMethodRow {
  id: string;
  code: string;
  name: string;
  price_minor: number;
  currency: string;
}

@Injectable()
export class PricingRulesRepository {
  /** Active discounts; of two with one code (made at two DCs at once), the earliest. */
  async findActiveDiscounts(db: Sql): Promise<DiscountRow[]> {
    const rows = await db.query<DiscountRow>(
      `SELECT id, code, name, kind, value, currency, starts_at, ends_at FROM discount
       WHERE active = 1 AND (ends_at IS NULL OR ends_at > UTC_TIMESTAMP(3))`);
    return earliestPer(rows, (d) => (d.code === null ? d.id : d.code.toLowerCase()), (d) => d.id);
  }

  /** Active shipping methods, cheapest first; of two with one code, the earliest. */
  async findActiveShippingMethods(db: Sql): Promise<ShippingMethodRow[]> {
    const rows = await db.query<ShippingMethodRow>(
      'SELECT id, code, name, price_minor, currency FROM shipping_method WHERE active = 1 ORDER BY price_minor, code');
    return earliestPer(rows, (m) => m.code, (m) => m.id);
  }
}

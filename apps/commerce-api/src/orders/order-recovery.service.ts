import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@meridian/dc';
import { Batch, Handle, write } from '../database/batch';
import { OrderDataSource, Sql } from '../database/sql';
import { IdempotencyKeysRepository } from '../idempotency/idempotency-keys.repository';
import { OrdersRepository } from './orders.repository';
import { CartRepository } from '../cart/cart.repository';

export type RecoveryOutcome = 'recovered' | 'already there' | 'placed again' | 'not at the lost DC';

export interface RecoveredOrder {
  orderId: string;
  number?: string;
  outcome: RecoveryOutcome;
  /** placed again: the order the survivor made for the same Idempotency-Key */
  placedAgainAs?: string;
  /** SKUs of the order the survivor's allocation had too few units for: oversold, for an operator */
  oversold: string[];
  /** the order's account was not at the survivor (registered at the lost DC and never replicated) */
  accountMissing?: boolean;
  /**
   * the cart it was placed from, as the survivor has it: closed as checkout closes it when it held
   * just the order's lines; left open when the shopper changed it there since (nothing of theirs is dropped)
   */
  cart?: 'closed' | 'changed since: left open' | 'not at the survivor';
}

/**
 * Failback's recovery of orders the lost DC acknowledged and no survivor received (its errant
 * transactions): each is written at the survivor that took its accounts with its original id and
 * number, its checkout's Idempotency-Key (a retry finds it) and a `recovered` event, in one
 * transaction; its units come off the survivor's allocation, or, where that has too few, the order
 * is kept all the same (it was acknowledged) and the SKU is reported oversold. An order whose key the
 * survivor has already used for another order (the shopper checked out again there after the
 * failover) is not made twice: it is reported.
 */
@Injectable()
export class OrderRecoveryService {
  constructor(
    @Inject(OrdersRepository) private readonly orders: OrdersRepository,
    @Inject(IdempotencyKeysRepository) private readonly keys: IdempotencyKeysRepository,
    @Inject(CartRepository) private readonly carts: CartRepository,
  ) {}

  async recover(lost: Sql, lostDc: string, at: OrderDataSource, orderId: string): Promise<RecoveredOrder> {
    const o = await this.orders.findOrder(lost, orderId);
    if (!o) return { orderId, outcome: 'not at the lost DC', oversold: [] };
    if (await this.orders.findOrder(at, orderId)) return { orderId, number: o.number, outcome: 'already there', oversold: [] };
    const key = await this.keys.findByOrder(lost, orderId);
    const taken = key && await this.keys.find(at, key.scope, key.idem_key);
    if (taken && taken.order_id !== orderId) return { orderId, number: o.number, outcome: 'placed again', placedAgainAs: taken.order_id ?? undefined, oversold: [] };
    const lines = await this.orders.findLines(lost, [orderId]);
    const [account] = o.account_id ? await at.query<{ id: string }>('SELECT id FROM account WHERE id = ?', [o.account_id]) : [{ id: '' }];
    const cartLines = await at.query<{ variant_id: string; quantity: number }>('SELECT variant_id, quantity FROM cart_line WHERE cart_id = ? ORDER BY variant_id',
      [o.cart_id]);
    const [cartRow] = await at.query<{ status: string }>('SELECT status FROM cart WHERE id = ?', [o.cart_id]);
    const same = (x: { variant_id: string; quantity: number }[]) => x.map((l) => `${l.variant_id}:${Number(l.quantity)}`).sort().join();
    const cart = !cartRow ? 'not at the survivor' as const : cartRow.status !== 'active' || same(cartLines) === same(lines) ? 'closed' as const
      : 'changed since: left open' as const;
    const shippingAddress = typeof o.shipping_address === 'string' ? JSON.parse(o.shipping_address) as Record<string, string> : o.shipping_address;
    const b = new Batch();
    b.add(this.orders.insertOrder({ ...o, shipping_address: shippingAddress }, lines, newId(at.dc),
      `recovered at the failback of DC ${lostDc}`));
    if (cart === 'closed') b.add(this.carts.closeOrdered(o.cart_id));
    if (key) b.add(this.keys.claim({ id: key.id, scope: key.scope, key: key.idem_key, requestHash: key.request_hash, orderId }));
    const units: { sku: string; taken: Handle<number> }[] = lines.map((l) => ({ sku: l.sku, taken: b.add(write(
      'UPDATE stock_allocation SET available = available - ? WHERE variant_id = ? AND dc = ? AND available >= ?',
      [l.quantity, l.variant_id, at.dc, l.quantity])) }));
    await at.transaction((tx) => tx.batchAndCommit(b));
    const oversold = units.filter((u) => u.taken.value === 0).map((u) => u.sku);
    if (oversold.length) {
      await at.transaction((tx) => tx.batchAndCommit(Batch.of(this.orders.event(newId(at.dc), orderId, o.status, o.status,
        `failback: oversold ${oversold.join(' ')}`))));
    }
    return { orderId, number: o.number, outcome: 'recovered', oversold, cart, ...(account ? {} : { accountMissing: true }) };
  }
}

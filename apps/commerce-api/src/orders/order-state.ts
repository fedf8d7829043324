import { DomainError, ErrorCode } from '../common/domain-error';

export const ORDER_STATUSES = ['placed', 'payment_pending', 'paid', 'confirmed', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** placed → payment_pending → paid → confirmed → shipped → delivered; cancelled until shipped. */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  placed: ['payment_pending', 'cancelled'],
  payment_pending: ['paid', 'placed', 'cancelled'],
  paid: ['confirmed', 'cancelled'],
  confirmed: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

export const FINISHED: readonly OrderStatus[] = ['delivered', 'cancelled'];

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError(ErrorCode.IllegalTransition, `an order that is ${from} cannot become ${to}`,
      { from, to, allowed: NEXT[from] });
  }
}

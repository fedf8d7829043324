import { DomainError, ErrorCode } from '../common/domain-error';
import { assertTransition, canTransition, ORDER_STATUSES } from './order-state';

describe('order state machine', () => {
  it('walks the happy path', () => {
    const path = ['placed', 'payment_pending', 'paid', 'confirmed', 'shipped', 'delivered'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('cancels until shipped and never after', () => {
    for (const s of ['placed', 'payment_pending', 'paid', 'confirmed'] as const) expect(canTransition(s, 'cancelled')).toBe(true);
    for (const s of ['shipped', 'delivered', 'cancelled'] as const) expect(canTransition(s, 'cancelled')).toBe(false);
  });

  it('never skips a step or leaves a final state', () => {
    expect(canTransition('placed', 'paid')).toBe(false);
    expect(canTransition('paid', 'shipped')).toBe(false);
    for (const to of ORDER_STATUSES) {
      expect(canTransition('delivered', to)).toBe(false);
      expect(canTransition('cancelled', to)).toBe(false);
    }
  });

  it('names the allowed steps when refusing', () => {
    try {
      assertTransition('shipped', 'cancelled');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe(ErrorCode.IllegalTransition);
      expect((e as DomainError).details).toEqual({ from: 'shipped', to: 'cancelled', allowed: ['delivered'] });
    }
  });
});

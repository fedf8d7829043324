import { priceCart } from './cart-pricing';

describe('priceCart', () => {
  it('adds tax per line and shipping', () => {
    const t = priceCart([{ quantity: 2, unitPrice: 1000, taxRateBp: 2000 }, { quantity: 1, unitPrice: 500, taxRateBp: 1000 }], [], 500);
    expect(t).toEqual({ subtotal: 2500, discount: 0, shipping: 500, tax: 450, total: 3450 });
  });

  it('applies percentage and amount discounts, taxing what is left', () => {
    const t = priceCart([{ quantity: 1, unitPrice: 10000, taxRateBp: 2000 }], [{ kind: 'percentage', value: 10 }, { kind: 'amount', value: 1000 }], 0);
    expect(t.discount).toBe(2000);
    expect(t.tax).toBe(1600);
    expect(t.total).toBe(9600);
  });

  it('never discounts below zero', () => {
    const t = priceCart([{ quantity: 1, unitPrice: 500, taxRateBp: 2000 }], [{ kind: 'amount', value: 10000 }], 300);
    expect(t).toEqual({ subtotal: 500, discount: 500, shipping: 300, tax: 0, total: 300 });
  });

  it('charges nothing for an empty cart', () => {
    expect(priceCart([], [{ kind: 'amount', value: 100 }], 500)).toEqual({ subtotal: 0, discount: 0, shipping: 0, tax: 0, total: 0 });
  });
});

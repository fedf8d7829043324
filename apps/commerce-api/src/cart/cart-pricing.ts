/** Cart arithmetic, in integer minor units. Prices are net; tax is added per line's rate. */

export interface PricedLine {
  quantity: number;
  unitPrice: number;
  taxRateBp: number;
}

export interface Discount {
  kind: 'percentage' | 'amount';
  /** percent (1..100) or minor units */
  value: number;
}

export interface Totals {
  subtotal: number;
  discount: number;
  shipping: number;
  tax: number;
  total: number;
}

export function priceCart(lines: PricedLine[], discounts: Discount[], shipping: number): Totals {
  const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
  const wanted = discounts.reduce((s, d) => s + (d.kind === 'percentage' ? Math.round((subtotal * d.value) / 100) : d.value), 0);
  const discount = Math.min(subtotal, wanted);
  // the discount lowers every line in proportion, so the tax is charged on what is actually paid
  const share = subtotal === 0 ? 0 : (subtotal - discount) / subtotal;
  const tax = Math.round(lines.reduce((s, l) => s + (l.unitPrice * l.quantity * l.taxRateBp) / 10000, 0) * share);
  const ship = lines.length === 0 ? 0 : shipping;
  return { subtotal, discount, shipping: ship, tax, total: subtotal - discount + tax + ship };
}

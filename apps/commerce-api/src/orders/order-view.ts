import { parseJsonColumn } from '../catalog/catalog.service';
import { OrderView } from './orders.dto';
import { OrderLineRow, OrderRow } from './orders.repository';

export function orderView(o: OrderRow, lines: OrderLineRow[]): OrderView {
  return {
    id: o.id, number: o.number, status: o.status, email: o.email, currency: o.currency,
    lines: lines.map((l) => ({
      variantId: l.variant_id, sku: l.sku, productName: l.product_name, variantName: l.variant_name,
      quantity: l.quantity, unitPrice: l.unit_price, lineTotal: Number(l.line_total),
    })),
    totals: {
      subtotal: Number(o.subtotal), discount: Number(o.discount_total), shipping: Number(o.shipping_total),
      tax: Number(o.tax_total), total: Number(o.total),
    },
    discountCode: o.discount_code, shippingMethod: o.shipping_method_code,
    shippingAddress: parseJsonColumn(o.shipping_address), placedDc: o.placed_dc,
    createdAt: new Date(o.created_at).toISOString(), updatedAt: new Date(o.updated_at).toISOString(),
  };
}

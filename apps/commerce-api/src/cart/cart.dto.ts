import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN } from '@meridian/dc';
import { MAX_LINE_QUANTITY } from './cart.repository';

export class AddItemDto {
  @ApiProperty({ example: 'a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T' })
  @IsString() @Matches(ID_PATTERN, { message: 'variantId must be an id' })
  variantId: string;

  @ApiProperty({ minimum: 1, maximum: MAX_LINE_QUANTITY })
  @IsInt() @Min(1) @Max(MAX_LINE_QUANTITY)
  quantity: number;
}

export class SetQuantityDto {
  @ApiProperty({ minimum: 1, maximum: MAX_LINE_QUANTITY })
  @IsInt() @Min(1) @Max(MAX_LINE_QUANTITY)
  quantity: number;
}

export class DiscountCodeDto {
  @ApiProperty({ example: 'WELCOME10' })
  @IsString() @Length(1, 64) @Matches(/^[A-Za-z0-9_-]+$/, { message: 'code must be letters, digits, _ or -' })
  code: string;
}

export class CartLineView {
  @ApiProperty() variantId: string;
  @ApiProperty() sku: string;
  @ApiProperty() productName: string;
  @ApiProperty() productSlug: string;
  @ApiProperty() variantName: string;
  @ApiProperty() quantity: number;
  @ApiProperty() unitPrice: number;
  @ApiProperty() unitPriceWithTax: number;
  @ApiProperty() lineTotal: number;
  @ApiProperty({ enum: ['in_stock', 'low_stock', 'out_of_stock'] }) stockStatus: string;
}

export class TotalsView {
  @ApiProperty() subtotal: number;
  @ApiProperty() discount: number;
  @ApiProperty() shipping: number;
  @ApiProperty() tax: number;
  @ApiProperty() total: number;
}

export class CartView {
  @ApiPropertyOptional({ nullable: true, description: 'null until the first item is added' }) id: string | null;
  @ApiProperty() currency: string;
  @ApiProperty({ type: [CartLineView] }) lines: CartLineView[];
  @ApiProperty() totalQuantity: number;
  @ApiPropertyOptional({ nullable: true }) discountCode: string | null;
  @ApiProperty({ description: 'shipping priced with the cheapest active method until checkout picks one' })
  shippingMethod: string | null;
  @ApiProperty({ type: TotalsView }) totals: TotalsView;
}

export class ShippingMethodView {
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty() price: number;
  @ApiProperty() currency: string;
}

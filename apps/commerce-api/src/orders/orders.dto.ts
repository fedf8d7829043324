import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { ORDER_STATUSES, OrderStatus } from './order-state';

export class AddressDto {
  @ApiProperty() @IsString() @Length(1, 200) fullName: string;
  @ApiProperty() @IsString() @Length(1, 200) line1: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 200) line2?: string;
  @ApiProperty() @IsString() @Length(1, 100) city: string;
  @ApiProperty() @IsString() @Length(1, 20) @Matches(/^[A-Za-z0-9 -]+$/, { message: 'postalCode must be letters, digits, spaces or -' })
  postalCode: string;
  @ApiProperty({ example: 'US' }) @IsString() @Matches(/^[A-Z]{2}$/, { message: 'countryCode must be an ISO 3166 alpha-2 code' })
  countryCode: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(3, 30) phone?: string;
}

export class CheckoutDto {
  @ApiPropertyOptional({ description: "required for guests; an account's own e-mail otherwise" })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail({}, { message: 'email must be an e-mail address' }) @MaxLength(254)
  email?: string;

  @ApiProperty({ type: AddressDto })
  @IsObject() @ValidateNested() @Type(() => AddressDto)
  shippingAddress: AddressDto;

  @ApiPropertyOptional({ description: "a shipping method code; the cart's choice when absent" })
  @IsOptional() @IsString() @Length(1, 64)
  shippingMethod?: string;
}

export class ListOrdersQuery {
  @ApiPropertyOptional({ default: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10000) page = 1;
  @ApiPropertyOptional({ default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) pageSize = 20;
}

export class TransitionDto {
  @ApiProperty({ enum: ORDER_STATUSES })
  @IsIn(ORDER_STATUSES)
  status: OrderStatus;
}

export class EmptyDto {}

export class OrderLineView {
  @ApiProperty() variantId: string;
  @ApiProperty() sku: string;
  @ApiProperty() productName: string;
  @ApiProperty() variantName: string;
  @ApiProperty() quantity: number;
  @ApiProperty() unitPrice: number;
  @ApiProperty() lineTotal: number;
}

export class OrderTotalsView {
  @ApiProperty() subtotal: number;
  @ApiProperty() discount: number;
  @ApiProperty() shipping: number;
  @ApiProperty() tax: number;
  @ApiProperty() total: number;
}

export class OrderView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'the number shown to the customer' }) number: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status: OrderStatus;
  @ApiProperty() email: string;
  @ApiProperty() currency: string;
  @ApiProperty({ type: [OrderLineView] }) lines: OrderLineView[];
  @ApiProperty({ type: OrderTotalsView }) totals: OrderTotalsView;
  @ApiPropertyOptional({ nullable: true }) discountCode: string | null;
  @ApiProperty() shippingMethod: string;
  @ApiProperty({ type: AddressDto }) shippingAddress: Record<string, string>;
  @ApiProperty() placedDc: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class OrderPageView {
  @ApiProperty({ type: [OrderView] }) items: OrderView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDateString, IsIn, IsInt, IsObject, IsOptional, IsString, Length,
  Matches, Max, Min, ValidateIf, ValidateNested,
} from 'class-validator';
import { ID_PATTERN } from '@meridian/dc';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SKU = /^[A-Za-z0-9._-]{1,64}$/;
const CODE = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_PRICE = 100_000_000;

export class CategoryDto {
  @ApiProperty() @IsString() @Length(1, 120) @Matches(SLUG, { message: 'slug must be lower-case words joined by -' }) slug: string;
  @ApiProperty() @IsString() @Length(1, 200) name: string;
}

export class UpdateCategoryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 120) @Matches(SLUG, { message: 'slug must be lower-case words joined by -' }) slug?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
}

export class VariantDto {
  @ApiProperty() @IsString() @Matches(SKU, { message: 'sku must be 1-64 letters, digits, . _ or -' }) sku: string;
  @ApiProperty() @IsString() @Length(1, 200) name: string;
  @ApiProperty({ description: 'net price, minor units' }) @IsInt() @Min(0) @Max(MAX_PRICE) price: number;
  @ApiPropertyOptional({ description: 'basis points: 2000 = 20 %' }) @IsOptional() @IsInt() @Min(0) @Max(10000) taxRateBp?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) @IsOptional() @IsObject() attributes?: Record<string, string>;
  @ApiPropertyOptional({ description: "initial stock in this DC's allocation" }) @IsOptional() @IsInt() @Min(0) @Max(1_000_000_000) stock?: number;
}

export class ProductDto {
  @ApiProperty() @IsString() @Length(1, 160) @Matches(SLUG, { message: 'slug must be lower-case words joined by -' }) slug: string;
  @ApiProperty() @IsString() @Length(1, 200) name: string;
  @ApiProperty() @IsString() @Length(0, 10000) description: string;
  @ApiProperty() @IsString() @Matches(ID_PATTERN, { message: 'categoryId must be an id' }) categoryId: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) @IsOptional() @IsObject() attributes?: Record<string, string>;
  @ApiProperty({ type: [VariantDto] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => VariantDto)
  variants: VariantDto[];
}

export class UpdateProductDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 160) @Matches(SLUG, { message: 'slug must be lower-case words joined by -' }) slug?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 10000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(ID_PATTERN, { message: 'categoryId must be an id' }) categoryId?: string;
  @ApiPropertyOptional() @IsOptional() @IsObject() attributes?: Record<string, string>;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}

export class UpdateVariantDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_PRICE) price?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(10000) taxRateBp?: number;
  @ApiPropertyOptional() @IsOptional() @IsObject() attributes?: Record<string, string>;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}

const MAX_UNITS = 1_000_000_000;

/**
 * A change of this DC's allocation of a variant that cannot race with the sales made meanwhile:
 * units to add or remove (`delta`), or a compare-and-set (`available` with `expected`, the units as
 * last read). An absolute value alone would overwrite what checkouts took since it was read.
 */
export class StockDto {
  @ApiPropertyOptional({ description: "units to add to this DC's allocation (negative: to remove); refused below 0", example: 25 })
  @ValidateIf((o: StockDto) => o.available === undefined) @IsInt() @Min(-MAX_UNITS) @Max(MAX_UNITS) delta?: number;

  @ApiPropertyOptional({ description: 'the units to set, with `expected`' })
  @ValidateIf((o: StockDto) => o.delta === undefined) @IsInt() @Min(0) @Max(MAX_UNITS) available?: number;

  @ApiPropertyOptional({ description: 'with `available`: the units the allocation holds now, as last read; 409 with the current units when it holds other' })
  @ValidateIf((o: StockDto) => o.available !== undefined) @IsInt() @Min(0) @Max(MAX_UNITS) expected?: number;
}

export class StockChangedView {
  @ApiProperty() variantId: string;
  @ApiProperty() dc: string;
  @ApiProperty({ description: "units in this DC's allocation after the change" }) available: number;
}

export class DiscountDto {
  @ApiPropertyOptional({ description: 'absent: applies to every cart automatically' })
  @IsOptional() @IsString() @Matches(CODE, { message: 'code must be letters, digits, _ or -' }) code?: string;
  @ApiProperty() @IsString() @Length(1, 200) name: string;
  @ApiProperty({ enum: ['percentage', 'amount'] }) @IsIn(['percentage', 'amount']) kind: 'percentage' | 'amount';
  @ApiProperty({ description: 'percent 1-100, or minor units' }) @IsInt() @Min(1) @Max(MAX_PRICE) value: number;
  @ApiPropertyOptional() @IsOptional() @IsDateString() startsAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString() endsAt?: string;
}

export class UpdateDiscountDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(MAX_PRICE) value?: number;
  @ApiPropertyOptional() @IsOptional() @IsDateString() startsAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString() endsAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}

export class ShippingMethodDto {
  @ApiProperty() @IsString() @Matches(CODE, { message: 'code must be letters, digits, _ or -' }) code: string;
  @ApiProperty() @IsString() @Length(1, 200) name: string;
  @ApiProperty() @IsInt() @Min(0) @Max(MAX_PRICE) price: number;
}

export class UpdateShippingMethodDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_PRICE) price?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}

export class CreatedView {
  @ApiProperty() id: string;
}

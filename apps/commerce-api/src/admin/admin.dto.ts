import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDateString, IsIn, IsInt, IsObject, IsOptional, IsString, Length,
  Matches, Max, Min, ValidateNested,
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

export class StockDto {
  @ApiProperty({ description: "units available in this DC's allocation" }) @IsInt() @Min(0) @Max(1_000_000_000) available: number;
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

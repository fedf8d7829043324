import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SORTS = ['catalog', 'newest', 'name', 'price', '-price', 'relevance'] as const;
export type ProductSort = (typeof SORTS)[number];

export class ListProductsQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10000)
  page = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  pageSize = 20;

  @ApiPropertyOptional({ description: 'category slug' })
  @IsOptional() @IsString() @Length(1, 120) @Matches(SLUG, { message: 'category must be a slug' })
  category?: string;

  @ApiPropertyOptional({ description: 'lowest variant price, minor units' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  minPrice?: number;

  @ApiPropertyOptional({ description: 'highest variant price, minor units' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  maxPrice?: number;

  @ApiPropertyOptional({ description: 'full-text search in name and description' })
  @IsOptional() @IsString() @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ enum: SORTS, default: 'catalog' })
  @IsOptional() @IsIn(SORTS)
  sort?: ProductSort;
}

export type StockStatus = 'in_stock' | 'low_stock' | 'out_of_stock';

export class VariantView {
  @ApiProperty() id: string;
  @ApiProperty() sku: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) attributes: Record<string, string>;
  @ApiProperty({ description: 'net price, minor units' }) price: number;
  @ApiProperty({ description: 'price with tax, minor units' }) priceWithTax: number;
  @ApiProperty() currency: string;
  @ApiProperty({ enum: ['in_stock', 'low_stock', 'out_of_stock'], description: "in this DC's allocation" })
  stockStatus: StockStatus;
}

export class CategoryView {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
}

export class ProductSummaryView {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: CategoryView }) category: CategoryView;
  @ApiProperty({ type: [VariantView] }) variants: VariantView[];
}

export class ProductPageView {
  @ApiProperty({ type: [ProductSummaryView] }) items: ProductSummaryView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class ProductOptionView {
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) values: string[];
}

export class ProductDetailView extends ProductSummaryView {
  @ApiProperty() description: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) attributes: Record<string, string>;
  @ApiProperty({ type: [ProductOptionView] }) options: ProductOptionView[];
}

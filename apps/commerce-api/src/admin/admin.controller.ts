import { Body, Controller, HttpCode, Inject, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Ctx, RequestContext } from '../common/request-context';
import { IdPipe } from '../common/path-param.pipes';
import { Auth } from '../accounts/session.guard';
import {
  CategoryDto, CreatedView, DiscountDto, ProductDto, ShippingMethodDto, StockDto, StockChangedView, UpdateCategoryDto, UpdateDiscountDto,
  UpdateProductDto, UpdateShippingMethodDto, UpdateVariantDto, VariantDto,
} from './admin.dto';
import { AdminService } from './admin.service';

@ApiTags('admin')
@Controller('admin')
@Auth('admin')
export class AdminController {
  constructor(@Inject(AdminService) private readonly admin: AdminService) {}

  @Post('categories') @ApiCreatedResponse({ type: CreatedView })
  createCategory(@Ctx() ctx: RequestContext, @Body() dto: CategoryDto) { return this.admin.createCategory(ctx, dto); }

  @Patch('categories/:id') @HttpCode(204) @ApiNoContentResponse()
  updateCategory(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: UpdateCategoryDto) { return this.admin.updateCategory(ctx, id, dto); }

  @Post('products') @ApiCreatedResponse({ type: CreatedView })
  createProduct(@Ctx() ctx: RequestContext, @Body() dto: ProductDto) { return this.admin.createProduct(ctx, dto); }

  @Patch('products/:id') @HttpCode(204) @ApiNoContentResponse()
  updateProduct(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: UpdateProductDto) { return this.admin.updateProduct(ctx, id, dto); }

  @Post('products/:id/variants') @ApiCreatedResponse({ type: CreatedView })
  addVariant(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: VariantDto) { return this.admin.addVariant(ctx, id, dto); }

  @Patch('variants/:id') @HttpCode(204) @ApiNoContentResponse({ description: 'name, price, tax rate, attributes, active' })
  updateVariant(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: UpdateVariantDto) { return this.admin.updateVariant(ctx, id, dto); }

  @Put('variants/:id/stock') @HttpCode(200)
  @ApiOkResponse({ type: StockChangedView, description: "changes this DC's allocation by a delta, or to a value if it still holds `expected` (409 otherwise)" })
  setStock(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: StockDto): Promise<StockChangedView> { return this.admin.setStock(ctx, id, dto); }

  @Post('discounts') @ApiCreatedResponse({ type: CreatedView })
  createDiscount(@Ctx() ctx: RequestContext, @Body() dto: DiscountDto) { return this.admin.createDiscount(ctx, dto); }

  @Patch('discounts/:id') @HttpCode(204) @ApiNoContentResponse()
  updateDiscount(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: UpdateDiscountDto) { return this.admin.updateDiscount(ctx, id, dto); }

  @Post('shipping-methods') @ApiCreatedResponse({ type: CreatedView })
  createShippingMethod(@Ctx() ctx: RequestContext, @Body() dto: ShippingMethodDto) { return this.admin.createShippingMethod(ctx, dto); }

  @Patch('shipping-methods/:id') @HttpCode(204) @ApiNoContentResponse()
  updateShippingMethod(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: UpdateShippingMethodDto) { return this.admin.updateShippingMethod(ctx, id, dto); }
}

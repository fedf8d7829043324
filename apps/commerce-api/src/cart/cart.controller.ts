import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Ctx, RequestContext } from '../common/request-context';
import { IdPipe } from '../common/path-param.pipes';
import { Auth } from '../accounts/session.guard';
import { AddItemDto, CartView, DiscountCodeDto, SetQuantityDto, ShippingMethodView } from './cart.dto';
import { CartService } from './cart.service';

/** The shipping method a shopper chooses for the cart (not the admin's ShippingMethodDto, which makes one). */
class ChooseShippingMethodDto extends DiscountCodeDto {}

@ApiTags('cart')
@Controller()
@Auth('optional')
export class CartController {
  constructor(@Inject(CartService) private readonly carts: CartService) {}

  @Get('cart')
  @ApiOkResponse({ type: CartView })
  get(@Ctx() ctx: RequestContext): Promise<CartView> {
    return this.carts.getCart(ctx);
  }

  @Post('cart/items')
  @HttpCode(200)
  @ApiOkResponse({ type: CartView, description: 'the first item of a guest sets the cart cookie (so does a guest cart adopted from a DC that cannot be reached)' })
  add(@Ctx() ctx: RequestContext, @Body() dto: AddItemDto): Promise<CartView> {
    return this.carts.addItem(ctx, dto);
  }

  @Patch('cart/items/:variantId')
  @ApiOkResponse({ type: CartView })
  setQuantity(@Ctx() ctx: RequestContext, @Param('variantId', IdPipe) variantId: string, @Body() dto: SetQuantityDto): Promise<CartView> {
    return this.carts.setQuantity(ctx, variantId, dto.quantity);
  }

  @Delete('cart/items/:variantId')
  @ApiOkResponse({ type: CartView })
  remove(@Ctx() ctx: RequestContext, @Param('variantId', IdPipe) variantId: string): Promise<CartView> {
    return this.carts.removeLine(ctx, variantId);
  }

  @Put('cart/discount')
  @ApiOkResponse({ type: CartView })
  applyDiscount(@Ctx() ctx: RequestContext, @Body() dto: DiscountCodeDto): Promise<CartView> {
    return this.carts.applyDiscountCode(ctx, dto.code);
  }

  @Delete('cart/discount')
  @ApiOkResponse({ type: CartView })
  removeDiscount(@Ctx() ctx: RequestContext): Promise<CartView> {
    return this.carts.removeDiscountCode(ctx);
  }

  @Put('cart/shipping-method')
  @ApiOkResponse({ type: CartView })
  setShipping(@Ctx() ctx: RequestContext, @Body() dto: ChooseShippingMethodDto): Promise<CartView> {
    return this.carts.setShippingMethod(ctx, dto.code);
  }

  @Get('shipping-methods')
  @ApiOkResponse({ type: [ShippingMethodView] })
  shippingMethods(@Ctx() ctx: RequestContext): Promise<ShippingMethodView[]> {
    return this.carts.shippingMethods(ctx);
  }
}

import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Ctx, RequestContext } from '../common/request-context';
import { IdPipe } from '../common/path-param.pipes';
import { Auth } from '../accounts/session.guard';
import { CheckoutService } from './checkout.service';
import { CheckoutDto, EmptyDto, ListOrdersQuery, OrderPageView, OrderView, TransitionDto } from './orders.dto';
import { OrdersService } from './orders.service';

@ApiTags('checkout & orders')
@Controller()
export class OrdersController {
  constructor(
    @Inject(CheckoutService) private readonly checkout: CheckoutService,
    @Inject(OrdersService) private readonly orders: OrdersService,
  ) {}

  @Post('checkout')
  @Auth('optional')
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'the same key returns the same order' })
  @ApiCreatedResponse({ type: OrderView, description: '201 for a new order, 200 with Idempotent-Replayed: true for a repeat' })
  async placeOrder(@Ctx() ctx: RequestContext, @Headers('idempotency-key') key: string | undefined,
    @Body() dto: CheckoutDto, @Res({ passthrough: true }) res: FastifyReply): Promise<OrderView> {
    const { order, replayed } = await this.checkout.placeOrder(ctx, key, dto);
    res.status(replayed ? 200 : 201);
    if (replayed) res.header('idempotent-replayed', 'true');
    return order;
  }

  @Get('orders')
  @Auth('required')
  @ApiOkResponse({ type: OrderPageView, description: 'orders under way first, newest first' })
  mine(@Ctx() ctx: RequestContext, @Query() q: ListOrdersQuery): Promise<OrderPageView> {
    return this.orders.listMine(ctx, q.page, q.pageSize);
  }

  @Get('orders/:id')
  @Auth('optional')
  @ApiOkResponse({ type: OrderView })
  one(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string) {
    return this.orders.getOrder(ctx, id);
  }

  @Post('orders/:id/payment')
  @HttpCode(200)
  @Auth('optional')
  @ApiOkResponse({ type: OrderView, description: 'placeholder payment: settles at once' })
  pay(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() _body: EmptyDto): Promise<OrderView> {
    return this.orders.pay(ctx, id);
  }

  @Post('orders/:id/cancel')
  @HttpCode(200)
  @Auth('optional')
  @ApiOkResponse({ type: OrderView })
  cancel(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() _body: EmptyDto): Promise<OrderView> {
    return this.orders.cancel(ctx, id);
  }

  @Post('admin/orders/:id/status')
  @HttpCode(200)
  @Auth('admin')
  @ApiOkResponse({ type: OrderView })
  transition(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: TransitionDto): Promise<OrderView> {
    return this.orders.transition(ctx, id, dto.status);
  }
}

import { Module } from '@nestjs/common';
import { HomeDcModule } from '../accounts/home-dc.module';
import { CartModule } from '../cart/cart.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { StockModule } from '../stock/stock.module';
import { CheckoutService } from './checkout.service';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

@Module({
  imports: [CartModule, HomeDcModule, IdempotencyModule, StockModule],
  controllers: [OrdersController],
  providers: [CheckoutService, OrdersService, OrdersRepository],
  exports: [OrdersService],
})
export class OrdersModule {}

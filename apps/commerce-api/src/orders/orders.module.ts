import { Module } from '@nestjs/common';
import { CartModule } from '../cart/cart.module';
import { CheckoutService } from './checkout.service';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import { ReservationSweeper } from './reservation-sweeper';

@Module({
  imports: [CartModule],
  controllers: [OrdersController],
  providers: [CheckoutService, OrdersService, OrdersRepository, ReservationSweeper],
})
export class OrdersModule {}

import { Module } from '@nestjs/common';
import { CartModule } from '../cart/cart.module';
import { CatalogModule } from '../catalog/catalog.module';
import { OrdersModule } from '../orders/orders.module';
import { StockModule } from '../stock/stock.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { DeepHealthService } from './deep-health.service';

@Module({
  imports: [CatalogModule, CartModule, OrdersModule, StockModule],
  controllers: [HealthController],
  providers: [HealthService, DeepHealthService],
  exports: [HealthService],
})
export class HealthModule {}

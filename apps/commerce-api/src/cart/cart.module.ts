import { Module } from '@nestjs/common';
import { HomeDcModule } from '../accounts/home-dc.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { StockModule } from '../stock/stock.module';
import { CartController } from './cart.controller';
import { CartRepository } from './cart.repository';
import { CartService } from './cart.service';
import { PricingRules } from './pricing-rules.cache';
import { PricingRulesRepository } from './pricing-rules.repository';

@Module({
  imports: [HomeDcModule, IdempotencyModule, StockModule],
  controllers: [CartController],
  providers: [CartService, CartRepository, PricingRules, PricingRulesRepository],
  exports: [CartService, CartRepository, PricingRules],
})
export class CartModule {}

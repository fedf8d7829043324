import { Module } from '@nestjs/common';
import { CartController } from './cart.controller';
import { CartRepository } from './cart.repository';
import { CartService } from './cart.service';
import { PricingRules, PricingRulesRepository } from './pricing-rules';

@Module({
  controllers: [CartController],
  providers: [CartService, CartRepository, PricingRules, PricingRulesRepository],
  exports: [CartService, PricingRules],
})
export class CartModule {}

import { Module } from '@nestjs/common';
import { CartController } from './cart.controller';
import { CartRepository } from './cart.repository';
import { CartService } from './cart.service';
import { PricingRules } from './pricing-rules.cache';
import { PricingRulesRepository } from './pricing-rules.repository';

@Module({
  controllers: [CartController],
  providers: [CartService, CartRepository, PricingRules, PricingRulesRepository],
  exports: [CartService, PricingRules],
})
export class CartModule {}

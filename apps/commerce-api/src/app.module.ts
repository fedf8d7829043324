import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppEnv } from './config/app-config';
import { InfraModule } from './config/infra.module';
import { AppLogger } from './observability/logger';
import { DatabaseModule } from './database/database.module';
import { AccountsModule } from './accounts/accounts.module';
import { SessionGuard } from './accounts/session.guard';
import { AdminModule } from './admin/admin.module';
import { CartModule } from './cart/cart.module';
import { CatalogModule } from './catalog/catalog.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { OrdersModule } from './orders/orders.module';
import { RetentionModule } from './retention/retention.module';
import { StockModule } from './stock/stock.module';
import { FencingModule } from './fencing/fencing.module';
import { FenceGuard } from './fencing/fence.guard';

@Module({})
export class AppModule {
  static forRoot(env: AppEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfraModule.forRoot(env, logger), DatabaseModule, FencingModule, JobsModule, AccountsModule, CatalogModule, CartModule, OrdersModule,
        AdminModule, StockModule, RetentionModule, HealthModule,
      ],
      providers: [
        { provide: APP_GUARD, useExisting: FenceGuard },
        { provide: APP_GUARD, useExisting: SessionGuard },
      ],
    };
  }
}

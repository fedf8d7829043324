import { DynamicModule, Module } from '@nestjs/common';
import { HealthcheckEnv } from './config';
import { DashboardController } from './dashboard/dashboard.controller';
import { DashboardService } from './dashboard/dashboard.service';
import { DcController } from './dc.controller';
import { DcHealthService } from './dc-health.service';
import { HealthcheckLogger } from './logger';

@Module({})
export class HealthcheckModule {
  static forRoot(env: HealthcheckEnv, logger: HealthcheckLogger): DynamicModule {
    return {
      module: HealthcheckModule,
      controllers: [DcController, DashboardController],
      providers: [{ provide: HealthcheckEnv, useValue: env }, { provide: HealthcheckLogger, useValue: logger }, DcHealthService, DashboardService],
    };
  }
}

import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppEnv } from './app-config';
import { AppLogger } from '../observability/logger';
import { AppMetrics } from '../observability/metrics';
import { Clock } from '../common/clock';
import { PeriodicJobs } from '../common/periodic';

/** Process-wide singletons built from the validated environment. */
@Global()
@Module({})
export class InfraModule {
  static forRoot(env: AppEnv, logger: AppLogger): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: AppEnv, useValue: env },
        { provide: AppLogger, useValue: logger },
        { provide: AppMetrics, useValue: new AppMetrics(env.DC_ID) },
        Clock,
        PeriodicJobs,
      ],
      exports: [AppEnv, AppLogger, AppMetrics, Clock, PeriodicJobs],
    };
  }
}

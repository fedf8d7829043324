import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppEnv } from '../config/app-config';
import { createTypeOrmDataSource, mysqlPoolOf } from './data-source';
import { OrderDataSourceRouter } from './order-data-source.router';
import { PoolDataSource } from './sql';

export const LOCAL_TYPEORM = Symbol('LOCAL_TYPEORM');

@Global()
@Module({
  providers: [
    {
      provide: LOCAL_TYPEORM,
      inject: [AppEnv],
      useFactory: async (env: AppEnv) => {
        const ds = createTypeOrmDataSource({
          host: env.DB_HOST, port: env.DB_PORT, socketPath: env.DB_SOCKET, user: env.DB_USER,
          password: env.DB_PASSWORD, database: env.DB_NAME, poolSize: env.DB_POOL_SIZE,
        });
        return ds.initialize();
      },
    },
    {
      provide: OrderDataSourceRouter,
      inject: [AppEnv, LOCAL_TYPEORM],
      useFactory: (env: AppEnv, ds: DataSource) =>
        new OrderDataSourceRouter(new PoolDataSource(env.DC_ID, 'local', mysqlPoolOf(ds))),
    },
  ],
  exports: [OrderDataSourceRouter, LOCAL_TYPEORM],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(LOCAL_TYPEORM) private readonly ds: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

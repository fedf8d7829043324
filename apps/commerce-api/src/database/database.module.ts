import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppEnv } from '../config/app-config';
import { AppLogger } from '../observability/logger';
import { createTypeOrmDataSource, mysqlPoolOf, remoteDataSources } from './data-source';
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
      inject: [AppEnv, LOCAL_TYPEORM, AppLogger],
      useFactory: (env: AppEnv, ds: DataSource, logger: AppLogger) => {
        const router = new OrderDataSourceRouter(new PoolDataSource(env.DC_ID, 'local', mysqlPoolOf(ds)));
        for (const remote of remoteDataSources(env, env.REMOTE_DB_POOL_SIZE)) {
          router.addRemote(remote);
          // open the WAN connections now, not on a shopper's request (a new one costs ~3 round trips);
          // a DC that is down does not stop this one from starting
          void remote.warm(env.REMOTE_DB_POOL_SIZE).catch((err: Error) =>
            logger.warn('remote database not reachable at start', { remoteDc: remote.dc, error: err.message }));
        }
        return router;
      },
    },
  ],
  exports: [OrderDataSourceRouter, LOCAL_TYPEORM],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(LOCAL_TYPEORM) private readonly ds: DataSource,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.router.closeRemotes();
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

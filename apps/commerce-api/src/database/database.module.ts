import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppEnv } from '../config/app-config';
import { AppLogger } from '../observability/logger';
import { mysqlPoolOf, remoteDataSources, typeOrmOptions } from './data-source';
import { OrderDataSourceRouter } from './order-data-source.router';
import { PoolDataSource } from './pool-data-source';

/** The name of this DC's own data source (Order_DS_Local): `@InjectDataSource(LOCAL_DB)`. */
export const LOCAL_DB = 'local';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      name: LOCAL_DB,
      inject: [AppEnv],
      // the name again in the options: TypeOrmModule finds the data source by it at shutdown
      useFactory: (env: AppEnv) => ({
        name: LOCAL_DB,
        ...typeOrmOptions({
          host: env.DB_HOST, port: env.DB_PORT, socketPath: env.DB_SOCKET, user: env.DB_USER,
          password: env.DB_PASSWORD, database: env.DB_NAME, poolSize: env.DB_POOL_SIZE,
        }),
        // a database that does not answer fails the boot at once with its error (TypeOrmModule would retry 9 × 3 s)
        toRetry: () => false,
      }),
    }),
  ],
  providers: [
    {
      provide: OrderDataSourceRouter,
      inject: [AppEnv, getDataSourceToken(LOCAL_DB), AppLogger],
      useFactory: (env: AppEnv, ds: DataSource, logger: AppLogger) => {
        const router = new OrderDataSourceRouter(new PoolDataSource(env.DC_ID, 'local', mysqlPoolOf(ds)));
        // Order_DS_Remote pools stay lazy: a DC that is down does not stop this one from starting
        for (const remote of remoteDataSources(env, env.REMOTE_DB_POOL_SIZE)) {
          router.addRemote(remote);
          // open the WAN connections now, not on a shopper's request (a new one costs ~3 round trips)
          void remote.warm(env.REMOTE_DB_POOL_SIZE).catch((err: Error) =>
            logger.warn('remote database not reachable at start', { remoteDc: remote.dc, error: err.message }));
        }
        return router;
      },
    },
  ],
  exports: [OrderDataSourceRouter],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter) {}

  /** The local data source is TypeORM's to close (TypeOrmModule); the remote pools are ours. */
  async onApplicationShutdown(): Promise<void> {
    await this.router.closeRemotes();
  }
}

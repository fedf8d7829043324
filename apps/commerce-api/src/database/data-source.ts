import { DataSource } from 'typeorm';
import type { Pool as CallbackPool } from 'mysql2';
import { migrations } from './migrations';

export interface DbSettings {
  host: string;
  port: number;
  socketPath?: string;
  user: string;
  password: string;
  database: string;
  poolSize: number;
}

/** A TypeORM DataSource for one DC's MariaDB: it owns the connection pool and runs the migrations. */
export function createTypeOrmDataSource(db: DbSettings): DataSource {
  return new DataSource({
    type: 'mariadb',
    host: db.host,
    port: db.port,
    socketPath: db.socketPath,
    username: db.user,
    password: db.password,
    database: db.database,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    poolSize: db.poolSize,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // statements of one request travel in one round trip (Sql.batch); parameters are still escaped
    multipleStatements: true,
    logging: ['error', 'migration'],
    extra: { enableKeepAlive: true, dateStrings: false, decimalNumbers: true, supportBigNumbers: true, bigNumberStrings: false },
  });
}

/** The mysql2 pool TypeORM opened: repositories run their SQL on it directly. */
export function mysqlPoolOf(ds: DataSource): CallbackPool {
  return (ds.driver as unknown as { pool: CallbackPool }).pool;
}

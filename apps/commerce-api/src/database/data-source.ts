import { DataSource, type DataSourceOptions } from 'typeorm';
import { createPool, type Pool as CallbackPool } from 'mysql2';
import { type DbEnv, parseRemoteDbs } from '../config/app-config';
import { migrations } from './migrations';
import { PoolDataSource } from './pool-data-source';

export interface DbSettings {
  host: string;
  port: number;
  socketPath?: string;
  user: string;
  password: string;
  database: string;
  poolSize: number;
}

/** TypeORM's options for one DC's MariaDB: the data source owns the connection pool and runs the migrations. */
export function typeOrmOptions(db: DbSettings): DataSourceOptions {
  return {
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
    extra: RESULT_TYPES,
  };
}

/** A TypeORM DataSource for one DC's MariaDB, not initialised yet (the CLI and tests; the app's comes from DatabaseModule). */
export function createTypeOrmDataSource(db: DbSettings): DataSource {
  return new DataSource(typeOrmOptions(db));
}

/** How rows come back, the same for the local pool (through TypeORM) and the remote ones. */
const RESULT_TYPES = { enableKeepAlive: true, dateStrings: false, decimalNumbers: true, supportBigNumbers: true, bigNumberStrings: false };

/**
 * A pool to another DC's database (Order_DS_Remote), through the WAN link to it. Plain mysql2:
 * it runs no migrations, and creating it never connects, so a DC that is down cannot stop a boot.
 */
export function createRemotePool(db: DbSettings, connectTimeoutMs: number): CallbackPool {
  return createPool({
    host: db.host, port: db.port, user: db.user, password: db.password, database: db.database,
    charset: 'utf8mb4_unicode_ci', timezone: 'Z', multipleStatements: true, connectionLimit: db.poolSize,
    connectTimeout: connectTimeoutMs, ...RESULT_TYPES,
  });
}

/** The mysql2 pool TypeORM opened: repositories run their SQL on it directly. */
export function mysqlPoolOf(ds: DataSource): CallbackPool {
  return (ds.driver as unknown as { pool: CallbackPool }).pool;
}

/**
 * Order_DS_Remote: a pool per other DC of REMOTE_DBS (through the WAN links), `poolSize` connections
 * each, none opened yet; every connection attempt and every round trip bounded by REMOTE_STATEMENT_TIMEOUT_MS.
 */
export function remoteDataSources(env: DbEnv, poolSize: number): PoolDataSource[] {
  const deadline = env.REMOTE_STATEMENT_TIMEOUT_MS;
  return parseRemoteDbs(env.REMOTE_DBS).map((r) => new PoolDataSource(r.dc, 'remote', createRemotePool({
    host: r.host, port: r.port, user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_NAME, poolSize }, deadline), deadline));
}

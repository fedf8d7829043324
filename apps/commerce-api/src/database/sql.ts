import type { Pool as PromisePool, PoolConnection, ResultSetHeader } from 'mysql2/promise';

export type SqlParams = readonly unknown[];

export interface WriteResult {
  affectedRows: number;
}

/** Something that runs SQL: a pool, or one connection inside a transaction. */
export interface Sql {
  query<T>(sql: string, params?: SqlParams): Promise<T[]>;
  execute(sql: string, params?: SqlParams): Promise<WriteResult>;
}

/**
 * The database a request writes to: Order_DS_Local (this DC's) or, once there are several DCs,
 * Order_DS_Remote (the account's home DC's). Repositories take one of these and never choose.
 */
export interface OrderDataSource extends Sql {
  readonly dc: string;
  readonly kind: 'local' | 'remote';
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

const DEADLOCK = 1213;
const LOCK_WAIT_TIMEOUT = 1205;
const MAX_ATTEMPTS = 3;

class ConnectionSql implements Sql {
  constructor(private readonly conn: PoolConnection) {}

  async query<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    const [rows] = await this.conn.query(sql, params as unknown[]);
    return rows as T[];
  }

  async execute(sql: string, params: SqlParams = []): Promise<WriteResult> {
    const [res] = await this.conn.query<ResultSetHeader>(sql, params as unknown[]);
    return { affectedRows: res.affectedRows };
  }
}

/** An OrderDataSource on a mysql2 pool (the one TypeORM opened for this DC). */
export class PoolDataSource implements OrderDataSource {
  constructor(
    readonly dc: string,
    readonly kind: 'local' | 'remote',
    private readonly pool: PromisePool,
  ) {}

  async query<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    const [rows] = await this.pool.query(sql, params as unknown[]);
    return rows as T[];
  }

  async execute(sql: string, params: SqlParams = []): Promise<WriteResult> {
    const [res] = await this.pool.query<ResultSetHeader>(sql, params as unknown[]);
    return { affectedRows: res.affectedRows };
  }

  /** Runs `work` in one InnoDB transaction; a deadlock victim is retried from the start. */
  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.pool.getConnection();
      try {
        await conn.query('START TRANSACTION');
        const result = await work(new ConnectionSql(conn));
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        const errno = (err as { errno?: number }).errno;
        if ((errno === DEADLOCK || errno === LOCK_WAIT_TIMEOUT) && attempt < MAX_ATTEMPTS) continue;
        throw err;
      } finally {
        conn.release();
      }
    }
  }
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as { errno?: number }).errno === 1062;
}

import { format, type Pool, type PoolConnection, type QueryError, type ResultSetHeader } from 'mysql2';
import { DomainError, ErrorCode } from '../common/domain-error';

export type SqlParams = readonly unknown[];

export interface WriteResult {
  affectedRows: number;
}

/** One statement of a batch: its rows for a SELECT, its header for a write. */
export type BatchResult = unknown[] | ResultSetHeader;

export interface Statement {
  sql: string;
  params?: SqlParams;
}

/** Something that runs SQL: a pool, or one connection inside a transaction. */
export interface Sql {
  query<T>(sql: string, params?: SqlParams): Promise<T[]>;
  execute(sql: string, params?: SqlParams): Promise<WriteResult>;
  /**
   * Several statements in one round trip (parameters escaped client-side by mysql2). The server
   * stops at the first failing statement and the batch rejects with its error.
   */
  batch(statements: Statement[]): Promise<BatchResult[]>;
}

/** A transaction's connection: its last batch may end it, saving the round trip of a separate COMMIT. */
export interface TxSql extends Sql {
  /** `batch`, then COMMIT in the same round trip; nothing of it is kept if a statement fails */
  batchAndCommit(statements: Statement[]): Promise<BatchResult[]>;
  /**
   * `batchAndCommit`, and the GTID the commit was given (`@@last_gtid`), still one round trip: what
   * another DC's database must have applied before it can read what this transaction wrote.
   */
  batchCommitGtid(statements: Statement[]): Promise<{ results: BatchResult[]; gtid: string }>;
}

/**
 * The database a request writes to: Order_DS_Local (this DC's) or, once there are several DCs,
 * Order_DS_Remote (the account's home DC's). Repositories take one of these and never choose.
 */
export interface OrderDataSource extends Sql {
  readonly dc: string;
  readonly kind: 'local' | 'remote';
  transaction<T>(work: (tx: TxSql) => Promise<T>): Promise<T>;
  /** opens `connections` connections now, so that requests find them open */
  warm(connections: number): Promise<void>;
  close(): Promise<void>;
}

const DEADLOCK = 1213;
const LOCK_WAIT_TIMEOUT = 1205;
const MAX_ATTEMPTS = 5;

const errnoOf = (err: unknown) => (err as { errno?: number }).errno;

/** InnoDB chose this statement's transaction as a deadlock victim, or its lock wait timed out. */
export function isLockConflict(err: unknown): boolean {
  return errnoOf(err) === DEADLOCK || errnoOf(err) === LOCK_WAIT_TIMEOUT;
}

/**
 * A deadlock victim was rolled back at once and runs again; a lock wait that timed out has already
 * waited innodb_lock_wait_timeout, so it answers busy instead of waiting that long again.
 */
const retryable = (err: unknown, attempt: number) => errnoOf(err) === DEADLOCK && attempt < MAX_ATTEMPTS;

/** Returns when `err` is a deadlock worth another attempt; any other lock conflict answers 503 (busy); the rest is thrown as it is. */
function throwUnlessRetried(dc: string, err: unknown, attempt: number): void {
  if (!isLockConflict(err)) throw err;
  if (!retryable(err, attempt)) throw busy(dc, err);
}

/** A few ms, growing with the attempt and jittered, so that the transactions that collided do not collide again. */
const backOff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** attempt));

/** Conflicts that outlasted every attempt: a 503 the client may repeat (nothing was kept), never a 500. */
function busy(dc: string, err: unknown): DomainError {
  return new DomainError(ErrorCode.Unavailable, `the database of DC ${dc} is too busy to take this write now (${(err as Error).message}); try again`, undefined, 1);
}

type Runner = Pick<Pool, 'query'> | Pick<PoolConnection, 'query'>;

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'ENOENT',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);

/** No connection could be opened: nothing of the statements reached the server. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'ENOENT']);

/** mysql2's code for a statement that got no answer within its deadline. */
const DEADLINE_PASSED = 'PROTOCOL_SEQUENCE_TIMEOUT';

/** The SIGNAL of a transaction that reached its COMMIT after the sender's deadline (see commitGuard). */
export const TOO_LATE_SIGNAL = 'meridian:too_late';

function unreachableMessage(dc: string, networkCode: string, outcomeUnknown: boolean): string {
  if (!outcomeUnknown) return `the database of DC ${dc} cannot be reached (${networkCode}); try again shortly`;
  const what = networkCode === DEADLINE_PASSED ? 'did not answer in time' : `cannot be reached (${networkCode})`;
  return `the database of DC ${dc} ${what}: a write on its way may have been done; `
    + 'repeating it is safe (a checkout with the same Idempotency-Key answers the order if it was placed)';
}

/** A database that cannot be reached: answered 503 naming its DC, never 500, so the shopper may retry. */
export class UnreachableError extends DomainError {
  /** the connection broke while statements were on their way: the server may have run (and committed) them */
  readonly outcomeUnknown: boolean;

  constructor(readonly dc: string, readonly networkCode: string, whileSending = true) {
    const outcomeUnknown = whileSending && !NEVER_SENT.has(networkCode);
    super(ErrorCode.Unavailable, unreachableMessage(dc, networkCode, outcomeUnknown), undefined, 5);
    this.outcomeUnknown = outcomeUnknown;
  }
}

const isConnectionError = (err: unknown) => CONNECTION_ERRORS.has((err as { code?: string }).code ?? '') || Boolean((err as { fatal?: boolean }).fatal);

/** `whileSending` false: the error came while opening a connection, before any statement was sent */
function unreachable(dc: string, err: unknown, whileSending = true): unknown {
  if (isSignal(err, TOO_LATE_SIGNAL)) {
    return new DomainError(ErrorCode.Unavailable, `the database of DC ${dc} got this write after its deadline and did not do it; try again`, undefined, 1);
  }
  if (!isConnectionError(err)) return err;
  return new UnreachableError(dc, (err as { code?: string }).code ?? 'connection lost', whileSending);
}

async function reachable<T>(dc: string, work: Promise<T>, whileSending = true): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw unreachable(dc, err, whileSending);
  }
}

// mysql2's callback API: its promise wrapper captures a stack trace for every query (3 % of CPU).
// `timeoutMs`: no answer by then rejects with PROTOCOL_SEQUENCE_TIMEOUT (the connection must then go: the answer may still come).
function run<T>(target: Runner, sql: string, params?: SqlParams, timeoutMs?: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (err: QueryError | null, result: unknown) => (err ? reject(err) : resolve(result as T));
    if (timeoutMs) target.query({ sql, values: params as unknown[] | undefined, timeout: timeoutMs }, done);
    else target.query(sql, params as unknown[] | undefined, done);
  });
}

/** Every result of a multi-statement text: `before`, the statements, `after` (plain SQL around them). */
function runAll(target: Runner, statements: Statement[], before: string[] = [], after: string[] = [], timeoutMs?: number): Promise<BatchResult[]> {
  const text = [...before, ...statements.map((s) => format(s.sql, (s.params ?? []) as Parameters<typeof format>[1])), ...after].join(';\n');
  const total = before.length + statements.length + after.length;
  return run<BatchResult | BatchResult[]>(target, text, undefined, timeoutMs).then((r) => (total === 1 ? [r as BatchResult] : r as BatchResult[]));
}

/** The results of the statements only. */
function runBatch(target: Runner, statements: Statement[], before: string[] = [], after: string[] = [], timeoutMs?: number): Promise<BatchResult[]> {
  return runAll(target, statements, before, after, timeoutMs).then((r) => r.slice(before.length, before.length + statements.length));
}

/**
 * The last statement before a COMMIT on another DC's database: refuses (TOO_LATE_SIGNAL, nothing is
 * committed) once the sender's deadline for the batch has passed. A batch held up in the network
 * (a partition that drops packets: TCP delivers it when it heals, minutes later) must not commit
 * after its sender answered "unknown outcome" and the reservation sweeper may have given its stock
 * back. The deadline is the sender's clock, checked on the owner's: DC clocks must agree to well
 * within RESERVATION_GRACE_SECONDS - REMOTE_STATEMENT_TIMEOUT_MS.
 */
function commitGuard(deadlineMs: number): string {
  return `BEGIN NOT ATOMIC IF UNIX_TIMESTAMP(NOW(3)) > ${(deadlineMs / 1000).toFixed(3)} THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${TOO_LATE_SIGNAL}'; END IF; END`;
}

const START = 'START TRANSACTION';

/**
 * One connection inside a transaction. START TRANSACTION goes out with the first statements,
 * and the last batch may carry the COMMIT: a transaction costs one round trip per batch.
 */
class ConnectionSql implements TxSql {
  started = false;
  committed = false;

  /** `timeoutMs`: the deadline of each round trip (another DC's database), which its COMMIT also honours */
  constructor(private readonly conn: PoolConnection, private readonly dc: string, private readonly timeoutMs?: number) {}

  /** COMMIT, behind the deadline guard when there is a deadline */
  private commit(): string[] {
    return this.timeoutMs ? [commitGuard(Date.now() + this.timeoutMs), 'COMMIT'] : ['COMMIT'];
  }

  private begin(): string[] {
    if (this.started) return [];
    this.started = true;
    return [START];
  }

  query<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return reachable(this.dc, runBatch(this.conn, [{ sql, params }], this.begin(), [], this.timeoutMs)).then((r) => r[0] as T[]);
  }

  async execute(sql: string, params: SqlParams = []): Promise<WriteResult> {
    const [r] = await reachable(this.dc, runBatch(this.conn, [{ sql, params }], this.begin(), [], this.timeoutMs));
    return { affectedRows: (r as ResultSetHeader).affectedRows };
  }

  batch(statements: Statement[]): Promise<BatchResult[]> {
    return reachable(this.dc, runBatch(this.conn, statements, this.begin(), [], this.timeoutMs));
  }

  async batchAndCommit(statements: Statement[]): Promise<BatchResult[]> {
    const r = await reachable(this.dc, runBatch(this.conn, statements, this.begin(), this.commit(), this.timeoutMs));
    this.committed = true;
    return r;
  }

  async batchCommitGtid(statements: Statement[]): Promise<{ results: BatchResult[]; gtid: string }> {
    const before = this.begin();
    const all = await reachable(this.dc, runAll(this.conn, statements, before, [...this.commit(), 'SELECT @@last_gtid AS g'], this.timeoutMs));
    this.committed = true;
    const [row] = all[all.length - 1] as { g: string | null }[];
    return { results: all.slice(before.length, before.length + statements.length), gtid: String(row?.g ?? '') };
  }

  async end(): Promise<void> {
    if (this.started && !this.committed) await reachable(this.dc, run(this.conn, this.commit().join(';\n'), undefined, this.timeoutMs));
  }
}

/** An OrderDataSource on a mysql2 pool (the one TypeORM opened for this DC). */
export class PoolDataSource implements OrderDataSource {
  /**
   * `timeoutMs`: the deadline of every round trip (Order_DS_Remote: REMOTE_STATEMENT_TIMEOUT_MS), and
   * of its transactions' COMMIT on the server (commitGuard); none for this DC's own database.
   */
  constructor(
    readonly dc: string,
    readonly kind: 'local' | 'remote',
    private readonly pool: Pool,
    private readonly timeoutMs?: number,
  ) {}

  query<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.retried(() => this.onConnection((c) => run<T[]>(c, sql, params, this.timeoutMs)));
  }

  async execute(sql: string, params: SqlParams = []): Promise<WriteResult> {
    return { affectedRows: (await this.retried(() => this.onConnection((c) => run<ResultSetHeader>(c, sql, params, this.timeoutMs)))).affectedRows };
  }

  /** Not retried: in autocommit mode the statements before the one that failed are committed. */
  async batch(statements: Statement[]): Promise<BatchResult[]> {
    try {
      return await this.onConnection((c) => runBatch(c, statements, [], [], this.timeoutMs));
    } catch (err) {
      throw isLockConflict(err) ? busy(this.dc, err) : err;
    }
  }

  /** One statement in autocommit mode: a deadlock rolled it back whole, so it runs again. */
  private async retried<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        throwUnlessRetried(this.dc, err, attempt);
        await backOff(attempt);
      }
    }
  }

  /** A connection of the pool (opened now if none is free): failing here, nothing was sent. */
  private connection(): Promise<PoolConnection> {
    return reachable(this.dc, new Promise<PoolConnection>((resolve, reject) =>
      this.pool.getConnection((err, c) => (err ? reject(err) : resolve(c)))), false);
  }

  /** What pool.query does, in two steps, so that a database that cannot be reached is known to have received nothing. */
  private async onConnection<T>(work: (c: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.connection();
    let broken = false;
    try {
      return await work(conn);
    } catch (err) {
      // a connection that broke, or whose answer did not come in time (it may still come), is not reused
      broken = isConnectionError(err);
      throw unreachable(this.dc, err);
    } finally {
      if (broken) conn.destroy(); else conn.release();
    }
  }

  async warm(connections: number): Promise<void> {
    const conns = await Promise.all(Array.from({ length: connections }, () => this.connection()));
    for (const c of conns) c.release();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.pool.end(() => resolve()));
  }

  /** Runs `work` in one InnoDB transaction; a deadlock victim is retried from the start. */
  async transaction<T>(work: (tx: TxSql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.connection();
      const tx = new ConnectionSql(conn, this.dc, this.timeoutMs);
      let broken = false;
      try {
        const result = await work(tx);
        await tx.end();
        return result;
      } catch (err) {
        // a failed batch leaves the transaction open on this connection: end it before reuse. A connection that
        // broke or timed out goes instead (the server rolls back what it did not commit when it notices)
        if (err instanceof UnreachableError) broken = true;
        else await run(conn, 'ROLLBACK', undefined, this.timeoutMs).catch(() => { broken = true; });
        throwUnlessRetried(this.dc, err, attempt);
      } finally {
        if (broken) conn.destroy(); else conn.release();
      }
      await backOff(attempt);
    }
  }
}

/**
 * Waits until this database has applied `gtid` (another DC's write, or a whole `@@gtid_binlog_pos`), at
 * most `seconds`; its one row says `w` = 0 when applied, -1 when the wait timed out. This database's own
 * GTID domain is left out of the wait: its own writes are there, but MASTER_GTID_WAIT would wait for them
 * in @@gtid_slave_pos, where they never come.
 */
export function gtidWait(gtid: string, seconds: number): Statement {
  return { sql: `SELECT MASTER_GTID_WAIT(TRIM(BOTH ',' FROM REGEXP_REPLACE(CONCAT(',', ?, ','),
    CONCAT(',', @@gtid_domain_id, '-[0-9]+-[0-9]+(?=,)'), '')), ?) AS w`, params: [gtid, seconds] };
}

export const gtidApplied = (r: BatchResult): boolean => Number((r as { w: number }[])[0].w) === 0;

/** A SIGNAL raised by our own SQL (errno 1644) carrying `signal` as its message. */
export function isSignal(err: unknown, signal: string): boolean {
  return errnoOf(err) === 1644 && String((err as Error).message).includes(signal);
}

export function isDuplicateKey(err: unknown): boolean {
  return errnoOf(err) === 1062;
}

/**
 * ORDER BY of rows sharing a natural key that is unique per owning DC only (a slug, a SKU, a
 * code, an e-mail): the earliest row (smallest ULID after the DC prefix) first, the same in every DC.
 */
export const earliestFirst = (alias?: string): string => {
  const id = alias ? `${alias}.id` : 'id';
  return `SUBSTRING_INDEX(${id}, '_', -1), ${id}`;
};

/**
 * SQL condition: no earlier row of `table` (see earliestFirst) has the natural key `column` of
 * row `alias`, i.e. the row is the one that wins; `extra` narrows the rows that compete.
 */
export const isEarliest = (table: string, alias: string, column: string, extra = ''): string =>
  `NOT EXISTS (SELECT 1 FROM ${table} e_${alias} WHERE e_${alias}.${column} = ${alias}.${column}${extra ? ` AND ${extra}` : ''}
    AND (SUBSTRING_INDEX(e_${alias}.id, '_', -1), e_${alias}.id) < (SUBSTRING_INDEX(${alias}.id, '_', -1), ${alias}.id))`;

/** The earliest of rows that share a natural key (see earliestFirst); `idOf` gives a row's id. */
export function earliestPer<T>(rows: T[], keyOf: (row: T) => string, idOf: (row: T) => string): T[] {
  const ulid = (row: T) => idOf(row).slice(idOf(row).indexOf('_') + 1);
  const sorted = [...rows].sort((x, y) => (ulid(x) < ulid(y) ? -1 : ulid(x) > ulid(y) ? 1 : idOf(x) < idOf(y) ? -1 : 1));
  const seen = new Set<string>();
  const kept = new Set(sorted.filter((r) => !seen.has(keyOf(r)) && seen.add(keyOf(r))));
  return rows.filter((r) => kept.has(r));
}

export const rowsOf = <T>(r: BatchResult): T[] => r as T[];
export const affectedOf = (r: BatchResult): number => (r as ResultSetHeader).affectedRows;

import { format, type Pool, type PoolConnection, type QueryError, type ResultSetHeader } from 'mysql2';
import { Batch, Step } from './batch';
import { BatchResult, OrderDataSource, SqlParams, Statement, TxSql, WriteResult } from './sql';
import { backOff, busy, isConnectionError, isLockConflict, reachable, throwUnlessRetried, TOO_LATE_SIGNAL, unreachable, UnreachableError } from './sql-errors';

type Runner = Pick<Pool, 'query'> | Pick<PoolConnection, 'query'>;

// mysql2's callback API: its promise wrapper captures a stack trace for every query (docs/benchmarks.md, "Where the CPU goes").
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
 * The last statement before a COMMIT on another DC's database: refuses (TOO_LATE_SIGNAL) once the
 * sender's deadline has passed, so a batch the network held back never commits after its sender gave
 * up (docs/architecture.md, "Several DCs"; DC clocks must agree well within the reservation grace).
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

  async batch(b: Batch): Promise<void> {
    b.settle(await this.send(b, this.begin(), []));
  }

  run<T>(step: Step<T>): Promise<T> {
    return Batch.runOne(this, step);
  }

  async batchAndCommit(b: Batch): Promise<void> {
    const results = await this.send(b, this.begin(), this.commit());
    this.committed = true;
    b.settle(results);
  }

  async batchAndRollback(b: Batch): Promise<void> {
    const results = await this.send(b, this.begin(), ['ROLLBACK']);
    this.committed = true; // ended: nothing left to commit
    b.settle(results);
  }

  async batchCommitGtid(b: Batch): Promise<string> {
    const all = await this.send(b, this.begin(), [...this.commit(), 'SELECT @@last_gtid AS g'], true);
    this.committed = true;
    const [row] = all.pop() as { g: string | null }[];
    b.settle(all);
    return String(row?.g ?? '');
  }

  /** The statements' results (with `withLast`, and the last one of `after`); an error as its step names it. */
  private async send(b: Batch, before: string[], after: string[], withLast = false): Promise<BatchResult[]> {
    try {
      const statements = b.statements;
      const all = await reachable(this.dc, runAll(this.conn, statements, before, after, this.timeoutMs));
      const mine = all.slice(before.length, before.length + statements.length);
      const last = all[all.length - 1];
      return withLast && last ? [...mine, last] : mine;
    } catch (err) {
      throw b.failure(err);
    }
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
  async batch(b: Batch): Promise<void> {
    try {
      b.settle(await this.onConnection((c) => runBatch(c, b.statements, [], [], this.timeoutMs)));
    } catch (err) {
      throw isLockConflict(err) ? busy(this.dc, err) : b.failure(err);
    }
  }

  run<T>(step: Step<T>): Promise<T> {
    return Batch.runOne(this, step);
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

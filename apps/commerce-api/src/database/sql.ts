import type { ResultSetHeader } from 'mysql2';
import type { Batch, Step } from './batch';

// The SQL port repositories run their statements on; pool-data-source.ts is its adapter on mysql2.

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
   * The steps of `b` in one round trip (parameters escaped client-side by mysql2); their handles hold
   * the answers. The server stops at the first failing statement; the batch rejects with that error,
   * as the step that owns it names it (Step.failure).
   */
  batch(b: Batch): Promise<void>;
  /** one step in one round trip: its value */
  run<T>(step: Step<T>): Promise<T>;
}

/** A transaction's connection: its last batch may end it, saving the round trip of a separate COMMIT. */
export interface TxSql extends Sql {
  /** `batch`, then COMMIT in the same round trip; nothing of it is kept if a statement fails */
  batchAndCommit(b: Batch): Promise<void>;
  /**
   * `batch`, then ROLLBACK in the same round trip: the statements ran (their answers are in the
   * handles) and nothing of them is kept or written to the binlog (no other DC ever sees it)
   */
  batchAndRollback(b: Batch): Promise<void>;
  /**
   * `batchAndCommit`, answering the GTID the commit was given (`@@last_gtid`), still one round trip:
   * what another DC's database must have applied before it can read what this transaction wrote.
   */
  batchCommitGtid(b: Batch): Promise<string>;
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

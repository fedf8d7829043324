import type { ResultSetHeader } from 'mysql2';
import type { BatchResult, SqlParams, Statement } from './sql';

// A batch is several statements sent in one round trip. Repositories make its parts (steps: the SQL
// and how to read what it answers, and what its errors mean); services put steps in a Batch and read
// each step's handle after the round trip, never a result by its position.

/** A part of a batch: its statements, how to read their results, and what an error of theirs means. */
export interface Step<T> {
  readonly statements: readonly Statement[];
  /** the results of this step's statements, in order */
  read(results: readonly BatchResult[]): T;
  /** the batch failed: the error as this step's domain error, or undefined when it is not this step's */
  failure?(err: unknown): Error | undefined;
}

const header = (r: BatchResult | undefined) => r as ResultSetHeader;

/** A SELECT: its rows. */
export const rows = <T>(sql: string, params?: SqlParams): Step<T[]> => ({
  statements: [{ sql, params }],
  read: ([r]) => r as T[],
});

/** A SELECT of at most one row. */
export const row = <T>(sql: string, params?: SqlParams): Step<T | undefined> => ({
  statements: [{ sql, params }],
  read: ([r]) => (r as T[])[0],
});

/** A write: the rows it changed. */
export const write = (sql: string, params?: SqlParams): Step<number> => ({
  statements: [{ sql, params }],
  read: ([r]) => header(r).affectedRows,
});

/** Statements whose answer nobody reads (a guard, a compound statement). */
export const exec = (...statements: Statement[]): Step<void> => ({ statements, read: () => undefined });

/** `step` read through `f`. */
export const mapStep = <T, U>(step: Step<T>, f: (value: T) => U): Step<U> => ({
  statements: step.statements,
  read: (results) => f(step.read(results)),
  failure: step.failure,
});

/** `step`, whose errors `failure` may turn into domain errors (first), then the step's own. */
export const failingAs = <T>(step: Step<T>, failure: (err: unknown) => Error | undefined): Step<T> => ({
  statements: step.statements,
  read: step.read,
  failure: (err) => failure(err) ?? step.failure?.(err),
});

/** Several steps as one, read as the tuple of their values. */
export function steps<S extends readonly Step<unknown>[]>(...parts: S): Step<{ [K in keyof S]: S[K] extends Step<infer T> ? T : never }> {
  return {
    statements: parts.flatMap((p) => p.statements),
    read: (results) => {
      let at = 0;
      return parts.map((p) => {
        const mine = results.slice(at, at + p.statements.length);
        at += p.statements.length;
        return p.read(mine);
      }) as { [K in keyof S]: S[K] extends Step<infer T> ? T : never };
    },
    failure: (err) => firstFailure(parts, err),
  };
}

/** `err` as the first of `parts` that owns it names it. */
function firstFailure(parts: readonly Step<unknown>[], err: unknown): Error | undefined {
  for (const p of parts) {
    const e = p.failure?.(err);
    if (e) return e;
  }
  return undefined;
}

/** Several steps as one whose values nobody reads. */
export const sequence = (...parts: Step<unknown>[]): Step<void> => mapStep(steps(...parts), () => undefined);

/** The value of a step once its batch has run. */
export class Handle<T> {
  private settled = false;
  private result: T | undefined;

  get value(): T {
    if (!this.settled) throw new Error('a batch step was read before its batch ran');
    return this.result as T;
  }

  /** @internal the batch's results arrived */
  settle(value: T): void {
    this.result = value;
    this.settled = true;
  }
}

/** Steps to send in one round trip (Sql.batch, TxSql.batchAndCommit, TxSql.batchCommitGtid). */
export class Batch {
  private readonly parts: { step: Step<unknown>; handle: Handle<unknown> }[] = [];

  static of(...parts: Step<unknown>[]): Batch {
    const b = new Batch();
    for (const p of parts) b.add(p);
    return b;
  }

  add<T>(step: Step<T>): Handle<T> {
    const handle = new Handle<T>();
    this.parts.push({ step, handle: handle as Handle<unknown> });
    return handle;
  }

  get statements(): Statement[] {
    return this.parts.flatMap((p) => p.step.statements);
  }

  /** The results of `statements`, in their order: each step reads its own. */
  settle(results: readonly BatchResult[]): void {
    let at = 0;
    for (const { step, handle } of this.parts) {
      handle.settle(step.read(results.slice(at, at + step.statements.length)));
      at += step.statements.length;
    }
  }

  /** The error of the round trip as the first step that owns it says, else as it is. */
  failure(err: unknown): unknown {
    return firstFailure(this.parts.map((p) => p.step), err) ?? err;
  }

  /** One step in one round trip on `sql`, answering its value (Sql.run). */
  static async runOne<T>(sql: { batch(b: Batch): Promise<void> }, step: Step<T>): Promise<T> {
    const b = new Batch();
    const value = b.add(step);
    await sql.batch(b);
    return value.value;
  }
}

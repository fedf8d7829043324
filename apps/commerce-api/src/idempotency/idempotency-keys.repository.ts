import { Injectable } from '@nestjs/common';
import { exec, failingAs, Step } from '../database/batch';
import { purgeOwnRows } from '../database/purge';
import { Sql } from '../database/sql';
import { isDuplicateKey } from '../database/sql-errors';

/** The (scope, key) was claimed by a transaction that committed first (a retry, or a concurrent request waited for). */
export class KeyClaimedError extends Error {
  constructor(readonly scope: string, readonly key: string) {
    super(`idempotency key ${key} of ${scope} was claimed already`);
  }
}

export interface IdempotencyRow {
  request_hash: string;
  order_id: string | null;
}

const claimed = (scope: string, key: string) => (err: unknown) => (isDuplicateKey(err, 'uq_idempotency') ? new KeyClaimedError(scope, key) : undefined);

/**
 * Idempotency keys: a key row is written in the same transaction as what it makes, on the owner's
 * database, so that a retry finds it wherever the owner is. A concurrent claim of the same key
 * waits on the unique index until the first transaction ends, then fails with KeyClaimedError.
 */
@Injectable()
export class IdempotencyKeysRepository {
  /** A checkout's key, naming the order it makes. */
  claim(k: { id: string; scope: string; key: string; requestHash: string; orderId: string }): Step<void> {
    return failingAs(exec({ sql: 'INSERT INTO idempotency_key (id, scope, idem_key, request_hash, order_id) VALUES (?, ?, ?, ?, ?)',
      params: [k.id, k.scope, k.key, k.requestHash, k.orderId] }), claimed(k.scope, k.key));
  }

  /** The key of a guest cart's merge into an account's cart at its home: a second merge of the same cart fails on it. */
  claimMerge(id: string, accountId: string, guestCartId: string): Step<void> {
    const scope = `merge:${accountId}`;
    return failingAs(exec({ sql: 'INSERT INTO idempotency_key (id, scope, idem_key, request_hash, order_id) VALUES (?, ?, ?, SHA2(?, 256), NULL)',
      params: [id, scope, guestCartId, guestCartId] }), claimed(scope, guestCartId));
  }

  /** Keys this database wrote more than `seconds` ago: asked again after that, a key is a new request. */
  purgeOlderThan(db: Sql, seconds: number, limit: number): Promise<number> {
    return purgeOwnRows(db, 'idempotency_key', 'created_at', seconds, limit);
  }

  /** The checkout key that made an order (failback recovers it with the order). */
  async findByOrder(db: Sql, orderId: string): Promise<{ id: string; scope: string; idem_key: string; request_hash: string } | undefined> {
    return (await db.query<{ id: string; scope: string; idem_key: string; request_hash: string }>(
      'SELECT id, scope, idem_key, request_hash FROM idempotency_key WHERE order_id = ?', [orderId]))[0];
  }

  async find(db: Sql, scope: string, key: string): Promise<IdempotencyRow | undefined> {
    return (await db.query<IdempotencyRow>('SELECT request_hash, order_id FROM idempotency_key WHERE scope = ? AND idem_key = ?', [scope, key]))[0];
  }
}

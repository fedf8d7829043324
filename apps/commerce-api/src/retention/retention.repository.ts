import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql';

/** A kind of row that is no use after a while, and the rule saying when. */
export interface Purge {
  table: 'session' | 'idempotency_key' | 'login_throttle';
  /** rows whose column is older than this many seconds go */
  column: 'expires_at' | 'created_at' | 'window_start';
}

/**
 * The SQL of purging, always in this DC's own database and only of the rows it wrote itself
 * (`written_domain` is its GTID domain): the delete replicates after the insert in one stream, so
 * no DC ever applies a delete of a row it has not got, and no two DCs delete one row.
 */
@Injectable()
export class RetentionRepository {
  /** Deletes up to `limit` rows of one kind older than `seconds`; answers how many went. */
  async purge(db: Sql, p: Purge, seconds: number, limit: number): Promise<number> {
    const r = await db.execute(
      `DELETE FROM ${p.table} WHERE written_domain = @@gtid_domain_id AND ${p.column} < UTC_TIMESTAMP(3) - INTERVAL ? SECOND
       ORDER BY ${p.column} LIMIT ?`,
      [seconds, limit]);
    return r.affectedRows;
  }
}

import { Sql } from './sql';

/**
 * Deletes up to `limit` rows of `table` whose `column` is older than `seconds`, in the database given
 * (this DC's own) and only the rows it wrote itself (`written_domain` is its GTID domain): the delete
 * replicates after the insert in one stream, so no DC applies a delete of a row it has not got, and
 * no two DCs delete one row. Answers how many went.
 */
export async function purgeOwnRows(db: Sql, table: string, column: string, seconds: number, limit: number): Promise<number> {
  const r = await db.execute(
    `DELETE FROM ${table} WHERE written_domain = @@gtid_domain_id AND ${column} < UTC_TIMESTAMP(3) - INTERVAL ? SECOND
     ORDER BY ${column} LIMIT ?`,
    [seconds, limit]);
  return r.affectedRows;
}

import { BatchResult, Statement } from './sql';

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

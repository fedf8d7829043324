import { mapStep, row, Step } from './batch';

/**
 * Waits until this database has applied `gtid` (another DC's write, or a whole `@@gtid_binlog_pos`), at
 * most `seconds`; true when applied, false when the wait timed out. This database's own GTID domain is
 * left out of the wait: its own writes are there, but MASTER_GTID_WAIT would wait for them in
 * @@gtid_slave_pos, where they never come.
 */
export function gtidWait(gtid: string, seconds: number): Step<boolean> {
  return mapStep(row<{ w: number }>(`SELECT MASTER_GTID_WAIT(TRIM(BOTH ',' FROM REGEXP_REPLACE(CONCAT(',', ?, ','),
    CONCAT(',', @@gtid_domain_id, '-[0-9]+-[0-9]+(?=,)'), '')), ?) AS w`, [gtid, seconds]), (r) => Number(r?.w) === 0);
}

import { Statement } from './sql';
import { isSignal } from './sql-errors';

export const NOT_HOME_SIGNAL = 'meridian:not_home';

/**
 * The first statement of every transaction that writes an account's data: it refuses (SIGNAL
 * NOT_HOME_SIGNAL) unless the database it runs on belongs to the account's home DC, and holds the
 * account row in share mode until the commit, so that no home claim (an UPDATE of that row) can
 * commit in between. A process that routed on a stale copy of the account row (its replica had not
 * yet seen a claim) is thus refused instead of writing at the old home.
 */
export function homeFence(accountId: string, dc: string): Statement {
  return {
    sql: `BEGIN NOT ATOMIC
            IF NOT EXISTS (SELECT 1 FROM account WHERE id = ? AND home_dc = ? LOCK IN SHARE MODE)
            THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${NOT_HOME_SIGNAL}'; END IF; END`,
    params: [accountId, dc],
  };
}

export const isNotHome = (err: unknown): boolean => isSignal(err, NOT_HOME_SIGNAL);

import { Injectable } from '@nestjs/common';
import { Batch, exec, failingAs, mapStep, row, Step, write } from '../database/batch';
import { Sql } from '../database/sql';
import { isDuplicateKey, isSignal } from '../database/sql-errors';
import { gtidWait } from '../database/gtid';
import { purgeOwnRows } from '../database/purge';
import { earliestFirst } from '../database/earliest';
import { Role } from '../common/request-context';
import { DomainError, ErrorCode } from '../common/domain-error';
import type { Writer } from '../fencing/dc-fence.service';

export interface AccountRow {
  id: string;
  email: string;
  password_hash: string;
  name: string;
  role: Role;
  home_dc: string;
  home_epoch: number;
  last_login_at: Date | null;
}

export interface SessionRow {
  id: string;
  account_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  role: Role;
  home_dc: string;
}

export const NOT_HOME_SIGNAL = 'meridian:not_home';
/** the writing DC's fencing epoch is older than the one this database has: it was failed over */
export const STALE_EPOCH_SIGNAL = 'meridian:stale_epoch';

/** The home fence refused: the database it ran on is not the account's home any more (nothing was written). */
export class NotHomeError extends Error {
  constructor(readonly accountId: string, readonly dc: string) {
    super(`DC ${dc} is not the home of account ${accountId}`);
  }
}

/** The account table's SQL (account, session, login_throttle), home fence included. */
@Injectable()
export class AccountsRepository {
  /**
   * Inserts the account unless some DC's row holds the address; false when one does (two sign-ups
   * of one address here at once meet on the unique index (email, origin_dc): false as well). In
   * READ COMMITTED (this statement only) the NOT EXISTS is a plain read: at the default REPEATABLE
   * READ it takes a shared lock on the gap where the address would go, and concurrent sign-ups in
   * one gap deadlocked each other.
   */
  async insertAccount(db: Sql, a: Omit<AccountRow, 'home_epoch'>): Promise<boolean> {
    const b = new Batch();
    b.add(exec({ sql: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED' }));
    const inserted = b.add(write(`INSERT INTO account (id, email, password_hash, name, role, home_dc, last_login_at)
      SELECT ?, ?, ?, ?, ?, ?, ? FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM account WHERE email = ?)`,
    [a.id, a.email, a.password_hash, a.name, a.role, a.home_dc, a.last_login_at, a.email]));
    try {
      await db.batch(b);
    } catch (err) {
      if (isDuplicateKey(err, 'uq_account_email_origin')) return false;
      throw err;
    }
    return inserted.value === 1;
  }

  /**
   * The first statement of every transaction that writes an account's data: it fails with
   * NotHomeError unless the database it runs on belongs to the account's home DC, and holds the
   * account row in share mode until the commit, so that no home claim (an UPDATE of that row) can
   * commit in between. A process that routed on a stale copy of the account row (its replica had not
   * yet seen a claim) is thus refused instead of writing at the old home. It also refuses (FAILED_OVER)
   * a writer whose DC epoch is older than this database's fence row of that DC: a DC failed over.
   */
  homeFence(accountId: string, dc: string, writer: Writer): Step<void> {
    return failingAs(exec({
      sql: `BEGIN NOT ATOMIC
              IF EXISTS (SELECT 1 FROM dc_fence WHERE dc = ? AND epoch > ?)
              THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${STALE_EPOCH_SIGNAL}'; END IF;
              IF NOT EXISTS (SELECT 1 FROM account WHERE id = ? AND home_dc = ? LOCK IN SHARE MODE)
              THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${NOT_HOME_SIGNAL}'; END IF; END`,
      params: [writer.dc, writer.epoch, accountId, dc],
    }), (err) => {
      if (isSignal(err, NOT_HOME_SIGNAL)) return new NotHomeError(accountId, dc);
      return isSignal(err, STALE_EPOCH_SIGNAL) ? new DomainError(ErrorCode.FailedOver,
        `DC ${writer.dc} was failed over (its epoch ${writer.epoch} is past): the database of DC ${dc} refuses its writes until failback`,
        { dc: writer.dc }, 30) : undefined;
    });
  }

  /** Where this database says the account's home is. */
  async findHomeDc(db: Sql, accountId: string): Promise<string | undefined> {
    return (await db.query<{ home_dc: string }>('SELECT home_dc FROM account WHERE id = ?', [accountId]))[0]?.home_dc;
  }

  /**
   * The account that owns an address. Two DCs may have registered it within one replication lag
   * (both rows replicate); the earliest registration (smallest ULID after the DC prefix) owns it, the
   * same in every database once replicated.
   */
  async findByEmail(db: Sql, email: string): Promise<AccountRow | undefined> {
    return (await db.query<AccountRow>(`SELECT * FROM account WHERE email = ? ORDER BY ${earliestFirst()} LIMIT 1`, [email]))[0];
  }

  async findById(db: Sql, id: string): Promise<AccountRow | undefined> {
    return (await db.query<AccountRow>('SELECT * FROM account WHERE id = ?', [id]))[0];
  }

  /**
   * A log-in away from home, on the current home's database in one round trip: claims the home
   * for `toDc` (epoch + 1) if the epoch is still `epoch` and the home saw no log-in since
   * `activeSince`; otherwise records the log-in there, fenced like recordLogin. Answers whether it
   * claimed (with the old home's whole binlog position after that write: everything it had, of every
   * DC, which this DC must have applied before it writes as the home), whether it recorded, and the row as it is now.
   */
  async claimHome(home: Sql, c: { accountId: string; homeDc: string; epoch: number; toDc: string; now: Date; activeSince: Date }):
  Promise<{ claimed: boolean; recorded: boolean; gtid: string; home_dc: string; home_epoch: number }> {
    const b = new Batch();
    b.add(exec({ sql: `UPDATE account SET home_dc = ?, home_epoch = home_epoch + 1, last_login_at = ?
      WHERE id = ? AND home_dc = ? AND home_epoch = ? AND (last_login_at IS NULL OR last_login_at < ?)`,
    params: [c.toDc, c.now, c.accountId, c.homeDc, c.epoch, c.activeSince] }));
    const claim = b.add(row<{ claimed: number; gtid: string | null }>('SELECT ROW_COUNT() AS claimed, @@gtid_binlog_pos AS gtid'));
    // no-op when the claim above moved the home (home_dc is no longer homeDc)
    const recorded = b.add(write('UPDATE account SET last_login_at = ? WHERE id = ? AND home_dc = ? AND home_epoch = ?',
      [c.now, c.accountId, c.homeDc, c.epoch]));
    const now = b.add(row<{ home_dc: string; home_epoch: number }>('SELECT home_dc, home_epoch FROM account WHERE id = ?', [c.accountId]));
    await home.batch(b);
    const account = now.value;
    if (!account) throw new Error(`account ${c.accountId} vanished from DC ${c.homeDc}'s database during a home claim`);
    return { claimed: Number(claim.value?.claimed) === 1, recorded: recorded.value === 1,
      gtid: String(claim.value?.gtid ?? ''), home_dc: account.home_dc, home_epoch: Number(account.home_epoch) };
  }

  /**
   * Gives back a claim this DC made (`epoch` is the claim's) to the DC it was claimed from, on the
   * database that ran the claim: the claimant could not apply the old home's writes in time and
   * never wrote as the home (its own fence still saw the old home). A compare-and-set like the
   * claim, so a move made since by another DC wins. False when the row is no longer that claim.
   */
  async undoClaim(db: Sql, c: { accountId: string; claimedBy: string; epoch: number; backTo: string }): Promise<boolean> {
    return (await db.execute('UPDATE account SET home_dc = ?, home_epoch = home_epoch + 1 WHERE id = ? AND home_dc = ? AND home_epoch = ?',
      [c.backTo, c.accountId, c.claimedBy, c.epoch])).affectedRows === 1;
  }

  /** Waits until this database has applied `gtid`, a position of other DCs' writes (false: timed out). */
  async waitForGtid(db: Sql, gtid: string, timeoutSeconds: number): Promise<boolean> {
    if (!gtid) return true;
    return db.run(gtidWait(gtid, timeoutSeconds));
  }

  emailOf(id: string): Step<string | undefined> {
    return mapStep(row<{ email: string }>('SELECT email FROM account WHERE id = ?', [id]), (r) => r?.email);
  }

  /**
   * Records a log-in on the home's database, fenced by the home and epoch the caller believes in:
   * false when a claim moved the home first (the caller must follow it).
   */
  async recordLogin(home: Sql, accountId: string, at: Date, homeDc: string, epoch: number): Promise<boolean> {
    return (await home.execute('UPDATE account SET last_login_at = ? WHERE id = ? AND home_dc = ? AND home_epoch = ?',
      [at, accountId, homeDc, epoch])).affectedRows === 1;
  }

  async insertSession(db: Sql, s: { id: string; accountId: string; expiresAt: Date; userAgent?: string }): Promise<void> {
    await db.execute('INSERT INTO session (id, account_id, expires_at, user_agent) VALUES (?, ?, ?, ?)',
      [s.id, s.accountId, s.expiresAt, s.userAgent?.slice(0, 255) ?? null]);
  }

  /** The session with its account's current role and home. */
  async findSession(db: Sql, sessionId: string, accountId: string): Promise<SessionRow | undefined> {
    return (await db.query<SessionRow>(
      `SELECT s.id, s.account_id, s.expires_at, s.revoked_at, a.role, a.home_dc
       FROM session s JOIN account a ON a.id = s.account_id WHERE s.id = ? AND s.account_id = ?`,
      [sessionId, accountId]))[0];
  }

  async revokeSession(db: Sql, sessionId: string, at: Date): Promise<void> {
    await db.execute('UPDATE session SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, sessionId]);
  }

  /**
   * Failed log-in counts in their current window, for the given throttle keys, summed over the DCs
   * that counted them (each DC counts in a row of its own); `age` is that of the newest window.
   */
  async findLoginFailures(db: Sql, keys: string[], windowSeconds: number): Promise<{ throttle_key: string; failures: number; age: number }[]> {
    return db.query(
      `SELECT throttle_key, SUM(failures) AS failures, MIN(TIMESTAMPDIFF(SECOND, window_start, UTC_TIMESTAMP(3))) AS age
       FROM login_throttle WHERE throttle_key IN (?) AND window_start > UTC_TIMESTAMP(3) - INTERVAL ? SECOND
       GROUP BY throttle_key`,
      [keys, windowSeconds]);
  }

  /**
   * Counts one failure for each key in this DC's row of it (ids carry this DC; the key is unique per
   * DC, so two DCs counting at once never collide); a row whose window has passed starts a new one.
   */
  async countLoginFailure(db: Sql, rows: { id: string; key: string }[], windowSeconds: number): Promise<void> {
    await db.execute(
      `INSERT INTO login_throttle (id, throttle_key, failures, window_start)
       VALUES ${rows.map(() => '(?, ?, 1, UTC_TIMESTAMP(3))').join(', ')}
       ON DUPLICATE KEY UPDATE
         failures = IF(window_start <= UTC_TIMESTAMP(3) - INTERVAL ? SECOND, 1, failures + 1),
         window_start = IF(window_start <= UTC_TIMESTAMP(3) - INTERVAL ? SECOND, UTC_TIMESTAMP(3), window_start)`,
      [...rows.flatMap((r) => [r.id, r.key]), windowSeconds, windowSeconds]);
  }

  /** Sessions this database wrote that expired more than `seconds` ago (their tokens expired with them). */
  purgeExpiredSessions(db: Sql, seconds: number, limit: number): Promise<number> {
    return purgeOwnRows(db, 'session', 'expires_at', seconds, limit);
  }

  /** Failed log-in counts this database wrote whose window started more than `seconds` ago. */
  purgeLoginFailures(db: Sql, seconds: number, limit: number): Promise<number> {
    return purgeOwnRows(db, 'login_throttle', 'window_start', seconds, limit);
  }

  /** Clears this DC's count of a key (another DC's rows are its own to write; they age out). */
  async clearLoginFailures(db: Sql, key: string, dc: string): Promise<void> {
    await db.execute('DELETE FROM login_throttle WHERE throttle_key = ? AND origin_dc = ?', [key, dc]);
  }
}

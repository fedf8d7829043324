import { Injectable } from '@nestjs/common';
import { Sql, Statement } from '../database/sql';
import { Role } from '../common/request-context';

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

@Injectable()
export class AccountsRepository {
  async insertAccount(db: Sql, a: Omit<AccountRow, 'home_epoch' | 'last_login_at'>): Promise<void> {
    await db.execute(
      `INSERT INTO account (id, email, password_hash, name, role, home_dc) VALUES (?, ?, ?, ?, ?, ?)`,
      [a.id, a.email, a.password_hash, a.name, a.role, a.home_dc]);
  }

  async findByEmail(db: Sql, email: string): Promise<AccountRow | undefined> {
    return (await db.query<AccountRow>('SELECT * FROM account WHERE email = ?', [email]))[0];
  }

  async findById(db: Sql, id: string): Promise<AccountRow | undefined> {
    return (await db.query<AccountRow>('SELECT * FROM account WHERE id = ?', [id]))[0];
  }

  emailOf(id: string): Statement {
    return { sql: 'SELECT email FROM account WHERE id = ?', params: [id] };
  }

  async recordLogin(db: Sql, accountId: string, at: Date): Promise<void> {
    await db.execute('UPDATE account SET last_login_at = ? WHERE id = ?', [at, accountId]);
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

  /** Failed log-in counts in their current window, for the given throttle keys. */
  async findLoginFailures(db: Sql, keys: string[], windowSeconds: number): Promise<{ throttle_key: string; failures: number; age: number }[]> {
    return db.query(
      `SELECT throttle_key, failures, TIMESTAMPDIFF(SECOND, window_start, UTC_TIMESTAMP(3)) AS age
       FROM login_throttle WHERE throttle_key IN (?) AND window_start > UTC_TIMESTAMP(3) - INTERVAL ? SECOND`,
      [keys, windowSeconds]);
  }

  /** Counts one failure for each key; a key whose window has passed starts a new one. */
  async countLoginFailure(db: Sql, rows: { id: string; key: string }[], windowSeconds: number): Promise<void> {
    await db.execute(
      `INSERT INTO login_throttle (id, throttle_key, failures, window_start)
       VALUES ${rows.map(() => '(?, ?, 1, UTC_TIMESTAMP(3))').join(', ')}
       ON DUPLICATE KEY UPDATE
         failures = IF(window_start <= UTC_TIMESTAMP(3) - INTERVAL ? SECOND, 1, failures + 1),
         window_start = IF(window_start <= UTC_TIMESTAMP(3) - INTERVAL ? SECOND, UTC_TIMESTAMP(3), window_start)`,
      [...rows.flatMap((r) => [r.id, r.key]), windowSeconds, windowSeconds]);
  }

  async clearLoginFailures(db: Sql, key: string): Promise<void> {
    await db.execute('DELETE FROM login_throttle WHERE throttle_key = ?', [key]);
  }
}
